/**
 * Writes sent to a paused Postgres: this pool's own backends are stopped (SIGSTOP, found by the
 * pool's `application_name`) and continued (SIGCONT) a while later, so a statement keycard gave
 * up on after `storeTimeoutMs` commits after all. A call that threw must leave no live token
 * whose secret nobody got; a rotation must leave the caller a working token. Runs on the server
 * of scripts/with-servers.sh, in a schema of its own; no other connection is touched.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TokenAuditEvent } from '../src/core/audit.ts';
import { createKeycard, defineScopes, memoryAuditSink, memoryLimiter, type Keycard } from '../src/index.ts';
import { fromPg, migrate, postgresTokenStore, type PostgresTokenStore } from '../src/stores/postgres.ts';
import { randomHex } from '../src/testing/fixtures.ts';
import { watchedStore } from './helpers.ts';

const url = process.env['DATABASE_URL'];
if (!url) console.info('postgres-paused-writes.test.ts: skipped, DATABASE_URL is not set');

/** Polls every 50 ms, at most 10 s. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within 10 s`);
}

const settle = <T>(f: () => Promise<T>) =>
  f().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

describe.skipIf(!url)('writes to a paused Postgres', () => {
  const schema = `keycard_paused_${randomHex(4)}`;
  const app = `kc-paused-${randomHex(4)}`;
  let admin: pg.Pool;
  let pool: pg.Pool;
  let store: PostgresTokenStore;
  let keycard: Keycard;
  let stopped: number[] = [];
  let before: (method: string) => void = () => {};
  const audit = memoryAuditSink();
  const errors: string[] = [];

  const resume = () => {
    for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
  };
  /** The backends of the pool under test. */
  const backends = async () =>
    (
      await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app])
    ).rows.map((r) => r.pid);
  /** Stops `pids` now (synchronously) and continues them `ms` later; resolves then. */
  const pauseFor = (pids: readonly number[], ms: number): Promise<void> => {
    for (const pid of pids) {
      process.kill(pid, 'SIGSTOP');
      stopped.push(pid);
    }
    return new Promise((r) =>
      setTimeout(() => {
        resume();
        r();
      }, ms),
    );
  };

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: url, max: 2 });
    admin.on('error', () => {});
    await admin.query(`CREATE SCHEMA ${schema}`);
    pool = new pg.Pool({
      connectionString: url,
      max: 4,
      application_name: app,
      options: `-c search_path=${schema}`,
    });
    pool.on('error', () => {});
    const port = fromPg(pool);
    await migrate(port);
    store = postgresTokenStore(port, { onError: () => {} });
    const spied = watchedStore(store, (method) => before(method));
    keycard = createKeycard({
      prefix: 'acme',
      scopes: defineScopes({ read: {} }, { defaults: ['read'] }),
      store: spied,
      limiter: memoryLimiter(),
      storeTimeoutMs: 200,
      audit,
      onWarning: () => {},
      onError: (e) => errors.push(e instanceof Error ? e.message : String(e)),
    });
    // Every connection of the pool open, so a pause stops each one the calls can use.
    await Promise.all(Array.from({ length: 4 }, () => pool.query('SELECT pg_sleep(0.05)')));
  }, 60_000);

  afterEach(() => {
    resume();
    before = () => {};
  });

  afterAll(async () => {
    resume();
    await keycard?.close();
    await store?.close();
    await pool?.end();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
  });

  const status = async (token: string) => {
    const r = await keycard.authenticate({ method: 'GET', url: '/x', headers: { authorization: `Bearer ${token}` } });
    return r.ok ? 200 : r.skip ? 0 : r.status;
  };
  /**
   * The answer for `token` once keycard answers at all: with storeTimeoutMs at 200 a read on a
   * loaded machine can miss its deadline (a 503 that says nothing about the token). Asked again
   * while it is 503 (at most 10 s); a 200 or a 401 is kept.
   */
  const answer = async (token: string) => {
    let last = 503;
    await until(async () => (last = await status(token)) !== 503, 'an answer other than 503');
    return last;
  };
  /** A setup call asked again while it misses its 200 ms deadline under load (never during a pause). */
  const whileUp = async <T>(f: () => Promise<T>): Promise<T> => {
    let r: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    await until(async () => {
      r = await settle(f);
      if (r.ok || (r.error as { code?: unknown }).code !== 'unavailable') return true;
      return false;
    }, 'a setup call answered');
    if (!r!.ok) throw r!.error;
    return r!.value;
  };
  /** Live (neither revoked nor expired) tokens of `ownerId`, read through the admin pool, not the store under test. */
  const active = async (ownerId: string) =>
    (
      await admin.query<{ id: string }>(
        `SELECT id FROM ${schema}.keycard_tokens WHERE owner_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) ORDER BY id`,
        [ownerId],
      )
    ).rows.map((r) => r.id);

  for (const ms of [600, 3000]) {
    it(`issue across a ${ms} ms pause: its secret works if it was returned, and no other token is live`, async () => {
      const owner = `usr_${ms}`;
      const kept = await whileUp(() => keycard.issue({ ownerId: owner, label: 'kept' }));
      const paused = pauseFor(await backends(), ms);
      const r = await settle(() => keycard.issue({ ownerId: owner, label: 'across the pause' }));
      await paused;
      await until(async () => (await status(kept.token)) === 200, 'serving again');
      // A short pause is within the settling: the token landed, and its secret is answered.
      if (ms === 600) expect(r.ok).toBe(true);
      if (r.ok) {
        expect(await answer(r.value.token)).toBe(200);
        expect(await active(owner)).toEqual([kept.record.id, r.value.record.id].sort());
      } else {
        expect(r.error).toMatchObject({ code: 'unavailable' });
        // Whatever was queued has run once the unheld token is no longer live (a state, not 500 ms).
        await until(async () => (await active(owner)).length === 1, 'the unheld token revoked');
        expect(await active(owner)).toEqual([kept.record.id]);
      }
    }, 30_000);
  }

  it('rotate whose claim meets a pause: the caller keeps a working token, and no unheld one is live', async () => {
    const old = await whileUp(() => keycard.issue({ ownerId: 'usr_rot', label: 'rotated' }));
    const pids = await backends();
    let paused: Promise<void> | undefined;
    before = (method) => {
      if (method === 'update' && !paused) paused = pauseFor(pids, 600); // the claim goes out to stopped backends
    };
    const r = await settle(() => keycard.rotate(old.record.id));
    expect(paused).toBeDefined();
    await paused;
    await until(async () => (await status(old.token)) !== 503, 'serving again');
    // Either the claim landed (the rotation is done: the successor is the one live token) or the
    // fence, run by another backend as they all continue, stopped it (nothing rotated).
    if (r.ok) {
      expect(await answer(r.value.token)).toBe(200);
      expect(await active('usr_rot')).toEqual([r.value.record.id]);
    } else {
      expect(await answer(old.token)).toBe(200);
      expect(await active('usr_rot')).toEqual([old.record.id]);
    }
  }, 30_000);

  it('revokeAll across a pause: the error is reported, and its retry audits what it revoked once', async () => {
    const tokens = [
      await whileUp(() => keycard.issue({ ownerId: 'usr_all', label: 'one' })),
      await whileUp(() => keycard.issue({ ownerId: 'usr_all', label: 'two' })),
    ];
    for (const t of tokens) expect(await answer(t.token)).toBe(200); // cached
    const paused = pauseFor(await backends(), 600);
    const r = await settle(() => keycard.revokeAll({ ownerId: 'usr_all' }, { reason: 'offboarded' }));
    await paused;
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(errors.filter((m) => m.includes('revokeAll of owner usr_all'))).toHaveLength(1);
    // The statements commit when the backends continue: the tokens are revoked, unaudited so far.
    await until(async () => (await active('usr_all')).length === 0, 'the revokeAll landed');
    for (const t of tokens) expect(await answer(t.token)).toBe(401);
    expect(await keycard.revokeAll({ ownerId: 'usr_all' }, { reason: 'retried' })).toEqual({ count: 2 });
    const revoked = audit.events.filter(
      (e): e is TokenAuditEvent => e.type === 'token.revoked' && e.ownerId === 'usr_all',
    );
    expect(revoked).toEqual([expect.objectContaining({ tokenId: null, count: 2, reason: 'offboarded' })]);
  }, 30_000);
});
