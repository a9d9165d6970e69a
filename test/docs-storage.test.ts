/**
 * docs/storage.md, checked against the stores (a docs truth audit), on a real Redis and a real
 * Postgres (REDIS_URL, DATABASE_URL: `bash scripts/with-servers.sh npx vitest run
 * test/docs-storage.test.ts`; without them those parts skip and say so):
 * - the limiter limit warning fires for a shared token store with the default (in-memory)
 *   limiter, not for a limiter you pass, and not for PGlite's unshared store;
 * - `migrate` creates the token store's five tables and the audit store's, as the page says;
 * - a NOTIFY payload has the page's form, on the default channel `keycard_changes`;
 * - the Redis token store's keys are the page's table: records, indexes and counter without a
 *   TTL, a `revokeAll` watermark kept, a re-sent call's answer kept for a minute;
 * - the Redis limiter writes on an admission and on a refusal that re-buckets a changed window,
 *   never on a plain refusal;
 * - the option bounds the page names: `pollIntervalMs` and `heartbeatMs` at most 250;
 * - `createKeycard` finds a store's methods on its prototype (a class instance);
 * - the Postgres `create` is an INSERT plus one statement reading the covering watermark (and a
 *   third revoking a row a raced revokeAll covers).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryLimiter, memoryTokenStore } from '../src/index.ts';
import { fromPg, fromPglite, migrate, postgresTokenStore, type PgliteLike } from '../src/stores/postgres.ts';
import { redisLimiter, redisTokenStore } from '../src/stores/redis.ts';
import { randomHex, storedTokenFixture } from '../src/testing/fixtures.ts';
import { WATERMARK_REASON } from '../src/store-kit.ts';
import { announceSkip, connectPort, REDIS_URL, runPrefix } from './redis-helpers.ts';

const page = readFileSync(new URL('../docs/storage.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
const DATABASE_URL = process.env['DATABASE_URL'];
if (!DATABASE_URL) console.info('test/docs-storage.test.ts: the Postgres parts skip, DATABASE_URL is not set');
announceSkip('test/docs-storage.test.ts');
const scopes = defineScopes({ read: {} });

/** A PGlite stand-in: the port only needs its methods to exist until it is used. */
const pgliteLike: PgliteLike = {
  query: async () => ({ rows: [] }),
  exec: async () => [],
  listen: async () => async () => {},
};

describe('docs/storage.md: the shared-store warning', () => {
  const warnings = (store: Parameters<typeof createKeycard>[0]['store'], limiter?: boolean) => {
    const seen: string[] = [];
    createKeycard({
      prefix: 'acme',
      scopes,
      store,
      ...(limiter ? { limiter: memoryLimiter() } : {}),
      onWarning: (m) => seen.push(m),
    });
    return seen.filter((m) => m.includes('rate limiter is in memory')).length;
  };
  it('a shared store with the default limiter warns; with a limiter you pass, or an unshared store, it does not', () => {
    const pgStore = postgresTokenStore(
      fromPg({ query: async () => ({ rows: [] }), connect: async () => ({}) } as never),
    );
    expect(pgStore.shared).toBe(true);
    expect(warnings(pgStore)).toBe(1);
    expect(warnings(pgStore, true)).toBe(0);
    const pgliteStore = postgresTokenStore(fromPglite(pgliteLike));
    expect(pgliteStore.shared).toBe(false);
    expect(warnings(pgliteStore)).toBe(0);
    expect(warnings(memoryTokenStore())).toBe(0);
    expect(page).toContain('keycard warns when the token store is shared and `limiter` is left out');
  });

  it("createKeycard finds a store's port methods on the object or its prototype (a class instance)", async () => {
    const inner = memoryTokenStore();
    class ClassStore {
      create = inner.create.bind(inner);
      findByHash(hash: string) {
        return inner.findByHash(hash);
      }
      get(id: string) {
        return inner.get(id);
      }
    }
    for (const m of ['list', 'update', 'revoke', 'revokeAll', 'touch', 'rehash', 'announceOwner'] as const)
      Object.defineProperty(ClassStore.prototype, m, {
        value: (...a: never[]) => (inner[m] as (...x: never[]) => unknown)(...a),
      });
    const keycard = createKeycard({ prefix: 'acme', scopes, store: new ClassStore() as never });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'x', scopes: ['read'] });
    expect((await keycard.verify(token)).ok).toBe(true);
    expect(page).toContain('on the object or its prototype');
  });

  it('pollIntervalMs and heartbeatMs: at most 250 (the page: "at most 250")', () => {
    expect(() => postgresTokenStore(fromPglite(pgliteLike), { pollIntervalMs: 251 })).toThrow(/pollIntervalMs/);
    expect(() => postgresTokenStore(fromPglite(pgliteLike), { pollIntervalMs: 250 })).not.toThrow();
    const port = { evalsha: async () => null, scriptLoad: async () => '', subscribe: async () => async () => {} };
    expect(() => redisTokenStore(port as never, { heartbeatMs: 251, checkDurability: false })).toThrow(/heartbeatMs/);
    expect(() => redisTokenStore(port as never, { heartbeatMs: 250, checkDurability: false })).not.toThrow();
  });
});

describe.skipIf(!DATABASE_URL)('docs/storage.md "Postgres": the schema and the NOTIFY payload', () => {
  const schema = `keycard_docs_${randomHex(4)}`;
  let admin: pg.Pool;
  let pool: pg.Pool;
  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 3, options: `-c search_path=${schema}` });
    pool.on('error', () => {});
    await migrate(fromPg(pool));
  });
  afterAll(async () => {
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it("migrate creates the token store's five tables and the audit store's three", async () => {
    const tables = await admin.query<{ t: string }>(
      "SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 AND tablename NOT LIKE 'keycard\\_audit\\_events\\_p%' ORDER BY 1",
      [schema],
    );
    expect(tables.rows.map((r) => r.t)).toEqual([
      'keycard_audit_batches',
      'keycard_audit_events',
      'keycard_audit_usage',
      'keycard_changes',
      'keycard_revocations',
      'keycard_schema',
      'keycard_state',
      'keycard_tokens',
    ]);
    expect((await pool.query('SELECT version FROM keycard_schema')).rows).toEqual([{ version: 1 }]);
    expect(page).toContain('`migrate(port)` runs two scripts');
  });

  it('create is an INSERT and one statement reading the covering watermark; a covered new row is revoked by a third', async () => {
    const base = fromPg(pool);
    let queries = 0;
    const port = {
      ...base,
      query: (text: string, params: readonly unknown[]) => (queries++, base.query(text, params as never)),
    };
    const store = postgresTokenStore(port, { notifications: 'poll' });
    try {
      const ownerId = `usr_${randomHex(4)}`;
      await store.create(storedTokenFixture({ ownerId }));
      expect(queries).toBe(2);
      await store.revokeAll({ ownerId }, 2_000_000_000_000, null);
      queries = 0;
      const late = storedTokenFixture({ ownerId });
      await store.create(late);
      expect(queries).toBe(3);
      expect((await store.get(late.id))?.revokedReason).toBe(WATERMARK_REASON);
      expect(page).toContain('then a second statement that reads the `revokeAll` watermark covering the new row');
    } finally {
      await store.close();
    }
  });

  it('a revokeAll is announced on keycard_changes as {"seq": n, "type": "revokeAll", "filter": …, "revokedBefore": ms}', async () => {
    const listener = new pg.Client({ connectionString: DATABASE_URL });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (m) => payloads.push(`${m.channel} ${m.payload}`));
    await listener.query('LISTEN keycard_changes');
    const store = postgresTokenStore(fromPg(pool), { notifications: 'poll' });
    try {
      const ownerId = `usr_${randomHex(4)}`;
      await store.create(storedTokenFixture({ ownerId }));
      await store.revokeAll({ ownerId }, 1_795_341_742_721, null);
      for (let i = 0; i < 100 && payloads.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(payloads).toEqual([
        `keycard_changes {"seq": ${/"seq": (\d+)/.exec(payloads[0] ?? '')?.[1]}, "type": "revokeAll", "filter": {"ownerId": "${ownerId}"}, "revokedBefore": 1795341742721}`,
      ]);
      expect(page).toContain(
        '`{"seq": 271, "type": "revokeAll", "filter": {"ownerId": "usr_…"}, "revokedBefore": 1795341742721}`',
      );
    } finally {
      await store.close();
      await listener.end();
    }
  });
});

describe.skipIf(!REDIS_URL)('docs/storage.md "Redis": the keys of the token store and the limiter', () => {
  let redis: Awaited<ReturnType<typeof connectPort>>;
  beforeAll(async () => {
    redis = await connectPort('ioredis');
  });
  afterAll(() => redis.close());

  it("the token store's keys are the page's table: no TTL but on a re-sent call's answer (a minute)", async () => {
    const prefix = runPrefix('docs-keys');
    const store = redisTokenStore(redis.port, { prefix, checkDurability: false });
    const a = storedTokenFixture({ workspaceId: 'w1' });
    await store.create(a);
    await store.revoke(a.id, a.createdAt + 1, null);
    await store.revokeAll({ ownerId: a.ownerId }, a.createdAt + 2, null);
    const keys = ((await redis.raw(['KEYS', `${prefix}*`])) as string[]).map((k) => k.slice(prefix.length)).sort();
    const ttls = await Promise.all(keys.map(async (k) => Number(await redis.raw(['PTTL', `${prefix}${k}`]))));
    const named = keys.map(
      (k, i) =>
        `${k
          .replace(a.id, '<id>')
          .replace(a.ownerId, '<ownerId>')
          .replace(
            /:(rv|ra):.*/,
            ':$1:<call id>',
          )} ${ttls[i]! < 0 ? 'kept' : ttls[i]! <= 60_000 ? 'a minute' : ttls[i]}`,
    );
    expect(named).toEqual([
      '{tokens}:all kept',
      '{tokens}:h kept',
      '{tokens}:o:<ownerId> kept',
      '{tokens}:ra:<call id> a minute',
      '{tokens}:rv:<call id> a minute',
      '{tokens}:rw:o:<ownerId> kept',
      '{tokens}:seq kept',
      '{tokens}:t:<id> kept',
      '{tokens}:w:w1 kept',
    ]);
    for (const row of ['`${prefix}{tokens}:rw:o:<ownerId>`', '`${prefix}{tokens}:rv:<call id>`'])
      expect(page).toContain(row);
    await store.close();
  });

  it('the limiter writes on an admission and on a refusal that re-buckets a changed window, never on a plain refusal', async () => {
    const prefix = runPrefix('docs-limiter');
    const limiter = redisLimiter(redis.port, { prefix });
    const key = `${prefix}rl:{tok_docs}:all`;
    const value = async () => String(await redis.raw(['GET', key]));
    for (let i = 0; i < 3; i++) expect((await limiter.consume('tok_docs:all', 3, 60)).allowed).toBe(true);
    const full = await value();
    expect((await limiter.consume('tok_docs:all', 3, 60)).allowed).toBe(false);
    expect(await value()).toBe(full);
    expect((await limiter.consume('tok_docs:all', 3, 120)).allowed).toBe(false);
    expect(await value()).not.toBe(full);
    expect(page).toContain('writes only when it admits or re-buckets');
  });
});
