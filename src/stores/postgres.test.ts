import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { KeycardError } from '../core/errors.ts';
import type { StoreChange, TokenStore } from '../core/store.ts';
import { createKeycard } from '../keycard.ts';
import { defineScopes } from '../core/scopes.ts';
import { storedTokenFixture } from '../testing/fixtures.ts';
import { tokenStoreConformance } from '../testing/token-store-suite.ts';
import {
  SCHEMA_SQL,
  fromPg,
  fromPglite,
  migrate,
  postgresTokenStore,
  type PgPoolLike,
  type SqlPort,
} from './postgres.ts';

const db = new PGlite();
const port = fromPglite(db);
const migrated = migrate(port);
afterAll(() => db.close());

for (const notifications of ['listen', 'poll'] as const) {
  tokenStoreConformance(
    `postgres on PGlite (${notifications})`,
    { describe, it, expect },
    async () => {
      await migrated;
      return postgresTokenStore(port, { notifications, onError: () => {} });
    },
    { fc },
  );
}

async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const found = check();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${what}: not within 2 s`);
}

const caught = async (f: () => unknown) => {
  try {
    await f();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('postgres store: schema and migrate', () => {
  it('implements revokeAllIfCount, so "Revoke all" with a confirmed count is exact', () => {
    expect(typeof postgresTokenStore(port, { notifications: 'poll', onError: () => {} }).revokeAllIfCount).toBe(
      'function',
    );
  });

  it('ships src/stores/postgres.sql, identical to the schema migrate() runs', () => {
    expect(readFileSync(new URL('./postgres.sql', import.meta.url), 'utf8')).toBe(SCHEMA_SQL);
  });

  it('migrate() is idempotent, with exec (one transaction) and statement by statement', async () => {
    const fresh = new PGlite();
    try {
      const withExec = fromPglite(fresh);
      await migrate(withExec);
      await migrate(withExec);
      const { exec: _exec, ...noExec } = withExec;
      await migrate(noExec);
      const tables = await fresh.query<{ t: string }>(
        "SELECT tablename AS t FROM pg_tables WHERE tablename LIKE 'keycard_%' AND tablename NOT LIKE 'keycard_audit_%' ORDER BY 1",
      );
      expect(tables.rows.map((r) => r.t)).toEqual([
        'keycard_changes',
        'keycard_revocations',
        'keycard_schema',
        'keycard_state',
        'keycard_tokens',
      ]);
      expect((await fresh.query('SELECT seq FROM keycard_state')).rows).toEqual([{ seq: 0 }]);
    } finally {
      await fresh.close();
    }
  });

  it('a store over tables migrate() never created fails loudly, naming the fix', async () => {
    const empty = new PGlite();
    try {
      await migrate(fromPglite(empty));
      await empty.exec('DELETE FROM keycard_state');
      const store = postgresTokenStore(fromPglite(empty), { onError: () => {} });
      expect(await caught(() => store.announceOwner('usr_1'))).toMatchObject({
        message: expect.stringContaining('run migrate()'),
      });
    } finally {
      await empty.close();
    }
  });
});

describe('postgres store: options and ports', () => {
  it('validates its options at construction, naming the field', () => {
    const bad: [object, string][] = [
      [{ pollIntervalMs: 1_000 }, 'pollIntervalMs'],
      [{ channel: 'Bad-Channel' }, 'channel'],
      [{ notifications: 'push' }, 'notifications'],
      [{ changeRetentionMs: 10 }, 'changeRetentionMs'],
      [{ typo: true }, 'postgresTokenStore: typo: unknown option'],
    ];
    for (const [options, field] of bad) {
      let error: unknown;
      try {
        postgresTokenStore(port, options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KeycardError);
      expect(error).toMatchObject({ code: 'invalid_config', message: expect.stringContaining(field) });
    }
    const { listen: _listen, ...noListen } = port;
    expect(() => postgresTokenStore(noListen, { notifications: 'listen' })).toThrow(/listen\(\)/);
    expect(() => postgresTokenStore({} as SqlPort)).toThrow(/SqlPort/);
  });

  it('is shared over pg, not over PGlite (one process owns its data), unless told otherwise', () => {
    const pool: PgPoolLike = {
      query: async () => ({ rows: [] }),
      connect: async () => Promise.reject(new Error('unused')),
    };
    expect(postgresTokenStore(fromPg(pool)).shared).toBe(true);
    expect(postgresTokenStore(port).shared).toBe(false);
    expect(postgresTokenStore(port, { shared: true }).shared).toBe(true);
    expect(typeof fromPg(pool, { listen: false }).listen).toBe('undefined');
  });

  it('rejects a cursor it did not issue with invalid_argument', async () => {
    await migrated;
    const store = postgresTokenStore(port);
    for (const cursor of ['not base64 json', btoa('{"a":1}'), btoa('[1]'), btoa('["x","y"]')]) {
      expect(await caught(() => store.list({ now: 0, limit: 10, cursor }))).toMatchObject({ code: 'invalid_argument' });
    }
  });

  it('answers a duplicate create with a conflict that names neither hash nor driver detail', async () => {
    await migrated;
    const store = postgresTokenStore(port);
    const token = storedTokenFixture();
    await store.create(token);
    const error = await caught(() => store.create({ ...storedTokenFixture(), hash: token.hash }));
    expect(error).toMatchObject({ code: 'conflict' });
    expect(String((error as Error).message)).not.toContain(token.hash);
  });

  it('keeps times exact to the millisecond, far-future and pre-1970 included', async () => {
    await migrated;
    const store = postgresTokenStore(port);
    const token = storedTokenFixture({
      createdAt: -86_400_001,
      expiresAt: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      lastUsedAt: 1,
    });
    await store.create(token);
    expect(await store.get(token.id)).toEqual(token);
  });
});

describe('postgres store: changes between stores and keycard instances', () => {
  /** Two stores over one PGlite: what one writes, the other hears by NOTIFY or by polling. */
  it.each(['listen', 'poll'] as const)(
    'a change written through one store reaches another’s subscriber, in order (%s)',
    async (notifications) => {
      await migrated;
      const writer = postgresTokenStore(port, { onError: () => {} });
      const reader = postgresTokenStore(port, { notifications, onError: () => {} });
      const seen: StoreChange[] = [];
      const off = await reader.subscribe!((c) => seen.push(c));
      try {
        const token = storedTokenFixture();
        await writer.create(token);
        await writer.revoke(token.id, 1, 'gone');
        await writer.revokeAll({ ownerId: token.ownerId }, 2, null);
        await writer.announceOwner('usr_x'.repeat(2_000)); // 10,000 bytes: NOTIFYed as its number only
        const changes = await until('three changes', () => {
          const c = seen.filter((x) => x.type !== 'heartbeat');
          return c.length >= 3 ? c : undefined;
        });
        expect(changes.map((c) => c.type)).toEqual(['token', 'revokeAll', 'owner']);
        expect(changes[0]).toMatchObject({ type: 'token', id: token.id, hash: token.hash, revoked: true });
        expect(changes[2]).toMatchObject({ type: 'owner', principalId: 'usr_x'.repeat(2_000) });
        expect(changes.map((c) => c.seq - changes[0]!.seq)).toEqual([0, 1, 2]);
      } finally {
        await off();
        await writer.close();
        await reader.close();
      }
    },
  );

  it('two keycard instances on one PGlite store: B refuses as soon as A’s revoke() resolved', async () => {
    await migrated;
    const store: TokenStore = postgresTokenStore(port, { onError: () => {} });
    const scopes = defineScopes({ read: {} }, { defaults: ['read'] });
    const a = createKeycard({ prefix: 'acme', scopes, store, onWarning: () => {} });
    const b = createKeycard({ prefix: 'acme', scopes, store, onWarning: () => {} });
    try {
      const { token, record } = await a.issue({ ownerId: 'usr_pglite', label: 'x' });
      expect((await b.verify(token)).ok).toBe(true);
      let fired = false;
      b.on('token.revoked', () => (fired = true));
      await a.revoke(record.id);
      expect(fired).toBe(true);
      expect(await b.verify(token)).toEqual({ ok: false, code: 'token_revoked' });

      const t2 = await a.issue({ ownerId: 'usr_pglite', label: 'y' });
      expect((await b.verify(t2.token)).ok).toBe(true);
      await a.revokeAll({ ownerId: 'usr_pglite' });
      expect(await b.verify(t2.token)).toEqual({ ok: false, code: 'token_revoked' });
    } finally {
      await a.close();
      await b.close();
      await store.close?.();
    }
  });
});
