/**
 * Device-grant approval, denial and redemption raced for real on a shared pending-grant store:
 * two store objects over two connections (PGlite always; Redis and a Postgres server when
 * configured), as two processes hold them. Each round, on one pending grant at once: an approval
 * (A), a denial (B), a poll's `lastPolledAt` write (B), and a redemption `take` from each. Once all
 * settle: at most one decision lands; at most one `take` gets the grant; a grant taken carries the
 * decision that landed before it (never a decision that lost); a grant left behind carries the one
 * decision that landed or none. Bounded rounds (`GRANT_ROUNDS`, default 10).
 */
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import type { PendingGrant, PendingGrantStore } from '../src/device/grant-store.ts';
import { redisPendingGrantStore } from '../src/stores/redis.ts';
import { fromPg, fromPglite, migrateDeviceGrants, postgresPendingGrantStore } from '../src/stores/postgres.ts';
import { connectPort, REDIS_URL, runPrefix } from './redis-helpers.ts';
import { pendingGrantFixture } from '../src/testing/pending-grant-suite.ts';
import { DATABASE_URL, postgresSchema } from './store-backends.ts';

const ROUNDS = Number(process.env['GRANT_ROUNDS'] ?? 10);
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

type Pair = { a: PendingGrantStore; b: PendingGrantStore };
const backends: { name: string; open: () => Promise<Pair> }[] = [
  {
    name: 'PGlite',
    async open() {
      const db = new PGlite();
      cleanups.push(() => db.close());
      await migrateDeviceGrants(fromPglite(db));
      return { a: postgresPendingGrantStore(fromPglite(db)), b: postgresPendingGrantStore(fromPglite(db)) };
    },
  },
  ...(REDIS_URL
    ? [
        {
          name: 'Redis',
          async open(): Promise<Pair> {
            const prefix = runPrefix('grant-race');
            const [pa, pb] = await Promise.all([connectPort('ioredis'), connectPort('node-redis')]);
            cleanups.push(pa.close, pb.close);
            return { a: redisPendingGrantStore(pa.port, { prefix }), b: redisPendingGrantStore(pb.port, { prefix }) };
          },
        },
      ]
    : []),
  ...(DATABASE_URL
    ? [
        {
          name: 'Postgres',
          async open(): Promise<Pair> {
            const { pool, drop } = await postgresSchema('grant');
            const [pa, pb] = [pool(3), pool(3)];
            cleanups.push(
              drop,
              () => pa.end(),
              () => pb.end(),
            );
            await migrateDeviceGrants(fromPg(pa));
            return { a: postgresPendingGrantStore(fromPg(pa)), b: postgresPendingGrantStore(fromPg(pb)) };
          },
        },
      ]
    : []),
];

/** A pending grant of one round (the shared fixture, live for 10 minutes from now). */
const grant = (): PendingGrant =>
  pendingGrantFixture({
    scopes: ['read'],
    restrictions: null,
    tokenLifetimeMs: null,
    createdAt: 1_000,
    expiresAt: Date.now() + 600_000,
  });

const later = <T>(ms: number, f: () => Promise<T>) =>
  new Promise<T>((r, j) => setTimeout(() => void f().then(r, j), ms));

for (const backend of backends)
  describe(`pending device grants raced across two store objects (${backend.name})`, () => {
    it(`${ROUNDS} rounds of approve, deny, poll and two redemptions at once`, async () => {
      const { a, b } = await backend.open();
      for (let round = 0; round < ROUNDS; round++) {
        const g = grant();
        expect(await a.create(g)).toBe(true);
        const h = g.deviceCodeHash;
        const approve = { status: 'approved' as const, decidedBy: 'u1', decidedAt: 2_000, grantedScopes: ['read'] };
        const [approved, denied, polled, takeA, takeB] = await Promise.all([
          later(round % 3, () => a.update(h, 1, { ...approve, approverScopes: ['read'] })),
          later((round + 1) % 3, () => b.update(h, 1, { status: 'denied', decidedBy: 'u2', decidedAt: 2_001 })),
          later((round + 2) % 3, () => b.update(h, 1, { lastPolledAt: 3_000 })),
          later(round % 4, () => a.take(h)),
          later((round >> 1) % 4, () => b.take(h)),
        ]);
        const won = [approved, denied, polled].filter((x) => x !== null);
        expect(won.length, `round ${round}: compare-and-set on version 1`).toBeLessThanOrEqual(1);
        const taken = [takeA, takeB].filter((x) => x !== null);
        expect(taken.length, `round ${round}: one redemption at most`).toBeLessThanOrEqual(1);
        const left = await a.get(h);
        if (taken.length === 1) expect(left, `round ${round}: a taken grant is gone`).toBeNull();
        for (const seen of [...taken, ...(left ? [left] : [])]) {
          if (seen.version === 1) expect(seen.status, `round ${round}: untouched`).toBe('pending');
          else expect(seen, `round ${round}: carries the write that won`).toEqual(won[0]);
        }
        await a.take(h);
      }
    }, 120_000);
  });
