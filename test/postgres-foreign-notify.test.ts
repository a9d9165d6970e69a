/**
 * A NOTIFY on the store's channel that is not one of its own tables' changes must not stand in
 * for one (session 53: the clean-clone CI's `mcp-remote-expiry` revokeAll case waited 20 s for a
 * stream that never ended). The channel is database-wide: keycard tables in another schema of the
 * same database announce on it too (the default `keycard_changes`), with their own numbering, and
 * any role may NOTIFY any channel. Process A's feed took such a payload's `seq` for its own: it
 * delivered a change nobody made to A's tables and moved past that number, so A's own change of
 * the same number — B's revocation — was dropped when its NOTIFY came and skipped by every poll,
 * while heartbeats kept A's cache trusted: A admitted the revoked token.
 *
 * Deterministic: A's pool is held (every connection checked out) so A cannot poll while the
 * foreign NOTIFY and then B's revocation are committed (Postgres delivers notifications in commit
 * order); then the pool is released, and the test waits for A's next heartbeat, whose poll ran
 * after both commits. Runs when DATABASE_URL is set.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, memoryLimiter, type TokenStore } from '../src/index.ts';
import type { StoreChange } from '../src/core/store.ts';
import { fromPg, migrate, postgresTokenStore } from '../src/stores/postgres.ts';
import { randomHex } from '../src/testing/fixtures.ts';
import { toadoScopes } from './helpers.ts';
import { until } from './mcp-helpers.ts';
import { DATABASE_URL, postgresSchema } from './store-backends.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

const head = async (pool: pg.Pool) => Number((await pool.query('SELECT seq FROM keycard_state')).rows[0].seq);

/** Two ways a payload that is not A's change reaches A's LISTEN connection. */
const FOREIGN = {
  // keycard in another schema of the same database, on the default channel
  'another schema’s store': async (seq: number) => {
    const { pool, drop } = await postgresSchema('fn');
    const poolC = pool(2);
    cleanups.push(drop, () => poolC.end());
    await migrate(fromPg(poolC));
    const storeC = postgresTokenStore(fromPg(poolC), { onError: () => {} });
    cleanups.push(() => storeC.close());
    while ((await head(poolC)) < seq - 1) await storeC.announceOwner!(`own_${randomHex(4)}`);
    await storeC.revokeAll({ ownerId: 'someone-else' }, Date.now(), null);
    expect(await head(poolC)).toBe(seq);
  },
  // any role may NOTIFY any channel
  'a hand-written pg_notify': async (seq: number) => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    cleanups.push(() => client.end());
    const payload = JSON.stringify({ seq, type: 'owner', principalId: 'nobody' });
    await client.query(`SELECT pg_notify('keycard_changes', $1)`, [payload]);
  },
};

describe.skipIf(!DATABASE_URL)('a NOTIFY that is not one of the store’s own changes (Postgres)', () => {
  for (const [name, announce] of Object.entries(FOREIGN)) {
    it(`${name} numbered like A's next change: B's revocation still reaches A`, async () => {
      const { pool, drop } = await postgresSchema('fx');
      const [poolA, poolB] = [pool(3), pool(3)];
      cleanups.push(
        drop,
        () => poolA.end(),
        () => poolB.end(),
      );
      await migrate(fromPg(poolB));
      const listenName = `flake54_${randomHex(4)}`;
      const listenClient = () => new pg.Client({ connectionString: DATABASE_URL, application_name: listenName });
      const storeA = postgresTokenStore(fromPg(poolA, { listenClient }), { onError: () => {} });
      const storeB = postgresTokenStore(fromPg(poolB), { onError: () => {} });
      // A's bound outlasts the hold below (A is silent meanwhile), so A's cache stays trusted
      // through it, as it would without the hold.
      const make = (store: TokenStore, revocationBoundMs: number) =>
        createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, limiter: memoryLimiter(), revocationBoundMs });
      const [a, b] = [make(storeA, 60_000), make(storeB, 1000)];
      const revokedOnA: string[] = [];
      a.on('token.revoked', ({ tokenId }) => void revokedOnA.push(tokenId));
      cleanups.push(
        () => storeA.close(),
        () => storeB.close(),
        () => a.close(),
        () => b.close(),
      );
      const heard: StoreChange[] = [];
      const unsubscribe = await storeA.subscribe!((c) => void heard.push(c));
      cleanups.push(async () => unsubscribe());
      const { token, record } = await b.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
      // A's feed is listening (its LISTEN has run) and has heard every change so far.
      await until(
        async () =>
          (
            await poolB.query(
              `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle' AND query LIKE 'LISTEN%'`,
              [listenName],
            )
          ).rowCount === 1,
        "A's LISTEN",
        30_000,
      );
      const now = await head(poolB);
      await until(() => heard.some((c) => c.type === 'heartbeat' && c.seq >= now), 'a heartbeat', 30_000);
      const next = now + 1;
      expect((await a.verify(token)).ok).toBe(true); // A caches it

      // A cannot poll: every connection of its pool is held.
      const held = await Promise.all([poolA.connect(), poolA.connect(), poolA.connect()]);
      await announce(next);
      await b.revoke(record.id);
      expect(await head(poolB)).toBe(next);
      const mark = heard.length;
      for (const c of held) c.release();
      await until(() => heard.slice(mark).some((c) => c.type === 'heartbeat'), 'a heartbeat after both', 30_000);

      expect(await a.verify(token)).toMatchObject({ ok: false });
      expect(revokedOnA).toEqual([record.id]); // what ends A's MCP sessions of the token
      const changes = heard.filter((c) => c.type !== 'heartbeat');
      expect(changes).toEqual([expect.objectContaining({ type: 'token', id: record.id, revoked: true, seq: next })]);
    });
  }
});
