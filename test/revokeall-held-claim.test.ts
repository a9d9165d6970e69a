/**
 * The rotation-vs-"Revoke all" race on a real Postgres server, in the order it really happens and
 * made deterministic with a row lock instead of a port wrapper: a rotation's claim on the old token
 * is an UPDATE held open in a transaction of its own; the revoke-all statement starts (its snapshot
 * taken) and waits on that row's lock; the successor is inserted (after the snapshot); the claim
 * commits; the revoke-all re-reads the claimed row and goes on (READ COMMITTED).
 *
 * - `revokeAll` must end the successor too before it returns (its snapshot never held it), and
 *   count it: a rotation that claimed the old token first came first, so its successor was live
 *   when the revocation took effect, as the memory and Redis stores count it.
 * - `revokeAllIfCount` (the confirmed "Revoke all") must not revoke a token it did not count: the
 *   claimed row changed after its snapshot, so the answer is `count_changed` and nothing is
 *   written (memory and Redis, atomic, would have counted the successor: 2, not the 1 confirmed).
 *
 * Real server only (DATABASE_URL); skipped otherwise.
 */
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { RevokeAllFilter, StoredToken } from '../src/store-kit.ts';
import { fromPg, migrate, postgresTokenStore, type PostgresTokenStore } from '../src/stores/postgres.ts';
import { storedTokenFixture } from '../src/testing/fixtures.ts';
import { DATABASE_URL, postgresSchema } from './store-backends.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const AT = 2_000;

async function world() {
  const { pool, drop } = await postgresSchema('held');
  const [p, claimer] = [pool(4), pool(1)];
  cleanups.push(
    drop,
    () => p.end(),
    () => claimer.end(),
  );
  await migrate(fromPg(p));
  const store = postgresTokenStore(fromPg(p), { notifications: 'poll', onError: () => {} });
  cleanups.push(() => store.close());
  return { store, claimer: await claimer.connect(), pool: p };
}

/**
 * Runs `revoke` while a claim on `old` (the rotation shortening it to 60 s, version + 1) is held
 * open; inserts `successor` once `revoke` waits on that lock, then commits the claim.
 */
async function raced<T>(
  env: { store: PostgresTokenStore; claimer: pg.PoolClient; pool: pg.Pool },
  old: StoredToken,
  successor: StoredToken,
  revoke: () => Promise<T>,
  /** Another instance's `revoke(old)` commits with the claim, before the revoke-all reaches the row. */
  revokedMeanwhile = false,
): Promise<T> {
  const { store, claimer, pool } = env;
  const { pid } = (await claimer.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number };
  await claimer.query('BEGIN');
  await claimer.query('UPDATE keycard_tokens SET expires_at = to_timestamp(60), version = version + 1 WHERE id = $1', [
    old.id,
  ]);
  if (revokedMeanwhile)
    await claimer.query(
      "UPDATE keycard_tokens SET revoked_at = to_timestamp(1.5), revoked_reason = 'one', version = version + 1 WHERE id = $1",
      [old.id],
    );
  const answer = revoke();
  for (let waited = 0; ; waited++) {
    const { rows } = await pool.query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid]);
    if (rows.length > 0) break;
    if (waited > 500) throw new Error('the revoke-all never waited on the claim');
    await new Promise((r) => setTimeout(r, 10));
  }
  await store.create(successor); // after the revoke-all's snapshot, before the claim commits
  await claimer.query('COMMIT');
  claimer.release();
  return answer;
}

describe.skipIf(!DATABASE_URL)('Postgres server: a claim held open while a revoke-all waits on it', () => {
  for (const kind of ['personal', 'workspace'] as const) {
    const tokens = () => {
      const old = storedTokenFixture({ kind, createdAt: 1_000 });
      const successor = storedTokenFixture({
        ownerId: old.ownerId,
        workspaceId: old.workspaceId,
        kind,
        createdAt: 3_000,
        rotatedFromId: old.id,
        familyId: old.familyId,
      });
      const filter: RevokeAllFilter =
        kind === 'personal' ? { ownerId: old.ownerId } : { workspaceId: old.workspaceId! };
      return { old, successor, filter };
    };

    it(`${kind}: revokeAll ends the successor its snapshot missed, and counts it`, async () => {
      const env = await world();
      const { old, successor, filter } = tokens();
      await env.store.create(old);
      const answer = await raced(env, old, successor, () => env.store.revokeAll(filter, AT, 'all gone'));
      const [o, s] = [(await env.store.get(old.id))!, (await env.store.get(successor.id))!];
      expect(o.revokedAt, 'the old token').toBe(AT);
      expect(s.revokedAt, 'the successor, once revokeAll returned').not.toBeNull();
      expect(s.revokedAt!, 'not revoked before it was created').toBeGreaterThanOrEqual(s.createdAt);
      expect(s.revokedReason).toBe('all gone');
      // Both were live when the revocation took effect (the claimed old token until 60 s).
      expect(answer).toEqual({ count: 2 });
    });

    it(`${kind}: revokeAll ends the successor when another call revoked the old token first`, async () => {
      // The revoking UPDATE re-reads the old row, finds it revoked and skips it: the family is
      // followed from what the statement's snapshot held unrevoked, not from what it revoked.
      const env = await world();
      const { old, successor, filter } = tokens();
      await env.store.create(old);
      const answer = await raced(env, old, successor, () => env.store.revokeAll(filter, AT, 'all gone'), true);
      const [o, s] = [(await env.store.get(old.id))!, (await env.store.get(successor.id))!];
      expect([o.revokedAt, o.revokedReason], 'the first revocation kept').toEqual([1_500, 'one']);
      expect(s.revokedAt, 'the successor, once revokeAll returned').not.toBeNull();
      expect(s.revokedReason).toBe('all gone');
      expect(answer).toEqual({ count: 1 });
    });

    it(`${kind}: revokeAllIfCount answers count_changed and writes nothing`, async () => {
      const env = await world();
      const { old, successor, filter } = tokens();
      await env.store.create(old);
      const answer = await raced(env, old, successor, () => env.store.revokeAllIfCount(filter, AT, 'all gone', 1));
      expect(answer.ok, 'a token changed after the count was confirmed').toBe(false);
      const [o, s] = [(await env.store.get(old.id))!, (await env.store.get(successor.id))!];
      expect([o.revokedAt, s.revokedAt], 'nothing revoked').toEqual([null, null]);
      const { rows } = await env.pool.query('SELECT count(*)::int AS n FROM keycard_revocations');
      expect(rows[0].n, 'no watermark').toBe(0);
      // Confirmed again with what is there now (the old token, claimed, and its successor): revoked.
      expect(await env.store.revokeAllIfCount(filter, AT + 1, 'all gone', 2)).toEqual({ ok: true, count: 2 });
    });
  }
});
