/**
 * Real concurrency on one token family across two keycard instances sharing one real store
 * (PGlite always; Redis and a Postgres server when configured): A and B race `rotate` (twice),
 * `revoke`, `revokeAll({ ownerId })` and verifications (which write `lastUsedAt`) on the same
 * token, in bounded rounds. Whatever the interleaving, once every call has settled:
 * - of two rotations at most one succeeds; a refused one leaves no live copy;
 * - a `revoke` that returned leaves the token revoked, and later verifications (and their
 *   `lastUsedAt` writes) never bring it back on either instance;
 * - a `revokeAll` that returned leaves every token of the owner revoked, successors included
 *   (a rotation either claimed the old token before it, so its copy existed and was revoked, or
 *   lost its claim and revoked its copy), and no secret of the family verifies on A or B.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, memoryLimiter, type Keycard } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';
import { until } from './mcp-helpers.ts';
import { SHARED } from './shared-backends.ts';

const ROUNDS = Number(process.env['RACE_ROUNDS'] ?? 12);
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Outcome<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

for (const backend of SHARED) {
  describe(`one token family raced across two instances (${backend.name})`, () => {
    it(`${ROUNDS} rounds of rotate ×2, revoke, revokeAll and verify: no revoked token comes back`, async () => {
      const { a: storeA, b: storeB, close } = await backend.open();
      cleanups.push(close);
      const make = (store: typeof storeA): Keycard =>
        createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, limiter: memoryLimiter(), touchIntervalMs: 0 });
      const [a, b] = [make(storeA), make(storeB)];
      cleanups.push(
        () => a.close(),
        () => b.close(),
      );
      for (let round = 0; round < ROUNDS; round++) {
        const ownerId = `u-${round}`;
        const { token, record } = await a.issue({ ownerId, label: `r${round}`, scopes: ['read'] });
        await b.verify(token); // B caches it
        const withRevoke = round % 2 === 0;
        const withRevokeAll = round % 3 !== 1;
        const verifies = () => Promise.all([a.verify(token), b.verify(token), b.verify(token)]);
        const [r1, r2, revoked, all] = await Promise.all([
          settle(a.rotate(record.id, { graceMs: round % 4 === 0 ? 0 : 60_000 })),
          settle(b.rotate(record.id, { graceMs: 60_000 })),
          withRevoke ? settle(b.revoke(record.id, { reason: 'race' })) : null,
          withRevokeAll ? settle(a.revokeAll({ ownerId })) : null,
          verifies(),
        ]);
        const rotated = [r1, r2].filter((r) => r.ok);
        expect(rotated.length, `round ${round}: rotations that succeeded`).toBeLessThanOrEqual(1);
        const secrets = [token, ...rotated.map((r) => r.value.token)];
        await verifies(); // more lastUsedAt writes after the race
        const listed = (await a.list({ ownerId, status: 'all' })).records;
        const live = listed.filter((t) => t.revokedAt === null);
        const copies = listed.filter((t) => t.rotatedFromId === record.id);
        for (const c of copies)
          if (!rotated.some((r) => r.value.record.id === c.id))
            expect(c.revokedAt, `round ${round}: a refused rotation's copy`).not.toBeNull();
        if (revoked?.ok) expect((await a.get(record.id))?.revokedAt ?? null, `round ${round}: revoked`).not.toBeNull();
        const dead = all?.ok ? secrets : revoked?.ok ? [token] : [];
        if (all?.ok) expect(live, `round ${round}: live after revokeAll`).toEqual([]);
        for (const k of [a, b])
          for (const s of dead)
            await until(async () => !(await k.verify(s)).ok, `round ${round}: a revoked secret refused everywhere`);
        // Nothing brings a revoked record back: a last round of verifications, then the store again.
        await verifies();
        if (revoked?.ok)
          expect((await b.get(record.id))?.revokedAt ?? null, `round ${round}: still revoked`).not.toBeNull();
      }
    }, 120_000);
  });
}
