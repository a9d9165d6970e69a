/**
 * What the Postgres store does on a real server beyond the conformance suite: concurrent
 * migrations, changes crossing connections by NOTIFY, a LISTEN connection killed and re-opened,
 * times independent of the session's time zone. Runs when DATABASE_URL is set.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreChange } from '../src/core/store.ts';
import { fromPg, migrate, postgresTokenStore, type SqlPort } from '../src/stores/postgres.ts';
import { randomHex, storedTokenFixture } from '../src/testing/fixtures.ts';

const url = process.env['DATABASE_URL'];
if (!url) console.warn('[keycard] DATABASE_URL is not set: skipping the Postgres server store tests.');

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!url)('Postgres store on a server', () => {
  /** A schema of its own, so these tests start from nothing without touching the shared tables. */
  const schema = `keycard_test_${randomHex(4)}`;
  const pools: pg.Pool[] = [];
  const poolIn = (options: string, max = 4) => {
    const pool = new pg.Pool({ connectionString: url, max, options });
    pool.on('error', () => {});
    pools.push(pool);
    return pool;
  };
  let admin: pg.Pool;

  beforeAll(async () => {
    admin = poolIn('', 2);
    await admin.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await Promise.all(pools.map((p) => p.end()));
  });

  it('four processes migrating at the same moment all succeed, and the schema exists once', async () => {
    const ports = Array.from({ length: 4 }, () => fromPg(poolIn(`-c search_path=${schema}`, 1)));
    await Promise.all(ports.map((port) => migrate(port)));
    const tables = await admin.query<{ t: string }>(
      'SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1',
      [schema],
    );
    expect(tables.rows.map((r) => r.t).filter((t) => !t.startsWith('keycard_audit_'))).toEqual([
      'keycard_changes',
      'keycard_revocations',
      'keycard_schema',
      'keycard_state',
      'keycard_tokens',
    ]);
    const indexes = await admin.query<{ i: string }>(
      'SELECT indexname AS i FROM pg_indexes WHERE schemaname = $1 ORDER BY 1',
      [schema],
    );
    expect(indexes.rows.map((r) => r.i)).toEqual(
      expect.arrayContaining([
        'keycard_tokens_hash_key',
        'keycard_tokens_created_idx',
        'keycard_tokens_owner_idx',
        'keycard_tokens_workspace_idx',
      ]),
    );
    expect((await admin.query(`SELECT seq FROM ${schema}.keycard_state`)).rows).toEqual([{ seq: '0' }]);
  });

  /** A port whose LISTEN deliveries are counted, so a test can tell NOTIFY from polling. */
  const counted = (port: SqlPort) => {
    const count = { payloads: 0 };
    const wrapped: SqlPort = {
      ...port,
      listen: (ch, onNotify, onLost) => port.listen!(ch, (p) => (count.payloads++, onNotify(p)), onLost),
    };
    return { port: wrapped, count };
  };

  it('a change written on one connection reaches another process’s store by NOTIFY, with its description', async () => {
    await migrate(fromPg(admin));
    const writer = postgresTokenStore(fromPg(poolIn(''), { listen: false }), { onError: () => {} });
    const { port, count } = counted(fromPg(poolIn('')));
    const reader = postgresTokenStore(port, { onError: () => {} });
    const seen: StoreChange[] = [];
    const off = await reader.subscribe((c) => seen.push(c));
    try {
      const token = storedTokenFixture();
      await writer.create(token);
      await writer.update(token.id, { label: 'renamed' }, token.version);
      const change = await until('the update', () => seen.find((c) => c.type === 'token' && c.id === token.id));
      expect(change).toMatchObject({
        type: 'token',
        id: token.id,
        hash: token.hash,
        version: token.version + 1,
        revoked: false,
      });
      expect(count.payloads).toBeGreaterThan(0);
    } finally {
      await off();
      await reader.close();
      await writer.close();
    }
  });

  it('a LISTEN connection killed on the server is opened again; changes made meanwhile still arrive, in order', async () => {
    const errors: unknown[] = [];
    const listenPool = poolIn(`-c application_name=keycard_listen_${randomHex(3)}`);
    const appName = (listenPool.options as { options?: string }).options!.split('=')[1]!;
    const reader = postgresTokenStore(fromPg(listenPool), { onError: (e) => errors.push(e) });
    const writer = postgresTokenStore(fromPg(poolIn(''), { listen: false }), { onError: () => {} });
    const seen: StoreChange[] = [];
    const off = await reader.subscribe((c) => seen.push(c));
    const listeners = async () =>
      (
        await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN %'",
          [appName],
        )
      ).rows.map((r) => r.pid);
    try {
      const [first] = await until('a LISTEN session', async () =>
        (await listeners()).length === 1 ? await listeners() : undefined,
      );
      await admin.query('SELECT pg_terminate_backend($1)', [first]);
      const principals = Array.from({ length: 5 }, (_, i) => `usr_${randomHex(4)}_${i}`);
      for (const p of principals) await writer.announceOwner(p);
      await until('the five changes', () =>
        principals.every((p) => seen.some((c) => c.type === 'owner' && c.principalId === p)) ? true : undefined,
      );
      const order = seen
        .filter((c) => c.type === 'owner' && principals.includes(c.principalId))
        .map((c) => (c as { principalId: string }).principalId);
      expect(order).toEqual(principals);
      const [second] = await until('LISTEN again, on a new connection', async () => {
        const pids = await listeners();
        return pids.length === 1 && pids[0] !== first ? pids : undefined;
      });
      expect(second).not.toBe(first);
      expect(errors.length).toBeGreaterThan(0); // the loss was reported
    } finally {
      await off();
      await reader.close();
      await writer.close();
    }
  });

  it('times round-trip exactly whatever the session time zone', async () => {
    const store = postgresTokenStore(fromPg(poolIn('-c timezone=America/St_Johns')), { onError: () => {} });
    const token = storedTokenFixture({
      createdAt: Date.UTC(2024, 2, 10, 6, 30, 0, 7),
      expiresAt: Date.UTC(2099, 0, 1),
      lastUsedAt: -1,
    });
    await store.create(token);
    expect(await postgresTokenStore(fromPg(admin)).get(token.id)).toEqual(token);
    expect(await store.get(token.id)).toEqual(token);
  });
});
