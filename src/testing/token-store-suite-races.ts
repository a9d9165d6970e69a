/** The `TokenStore` laws under concurrency: racing updates, touches, revokes and creates. */
import type { Awaitable, StoredToken, UpdateResult } from '../core/store.ts';
import { randomHex, storedTokenFixture } from './fixtures.ts';
import {
  seeded,
  drive,
  seededScheduler,
  seededRandom,
  shuffle,
  createAll,
  call,
  sortTokens,
  newOwner,
  T0,
  type RaceScheduler,
  type SuiteContext,
} from './token-store-suite-helpers.ts';

/** Registers this section of the `TokenStore` conformance suite (runnable alone with `suiteContext`). */
export function racesSection(ctx: SuiteContext): void {
  ctx.t.describe('concurrency', () => {
    concurrentCreateCases(ctx);
    racingRevokeCases(ctx);
    sameInstantRevokeCases(ctx);
  });
}

function concurrentCreateCases(ctx: SuiteContext): void {
  const { t, expect, withStore, ids, listIds } = ctx;
  t.it(
    '50 concurrent updates with the same expectedVersion: exactly one wins',
    withStore(async (store) => {
      const token = storedTokenFixture({ version: 2 });
      await store.create(token);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => call(() => store.update(token.id, { label: `writer ${i}` }, 2))),
      );
      const winners = results.filter((r): r is Extract<UpdateResult, { ok: true }> => r.ok);
      expect(winners.length).toBe(1);
      expect(results.filter((r) => !r.ok && r.reason === 'conflict').length).toBe(49);
      const final = await store.get(token.id);
      expect(final).toEqual({ ...token, label: winners[0]!.token.label, version: 3 });
      expect(winners[0]!.token).toEqual(final);
    }),
  );

  t.it(
    'concurrent creates of one id, or of one hash: exactly one wins',
    withStore(async (store) => {
      const id = `tok_${randomHex(11)}`;
      const sameId = Array.from({ length: 10 }, () => storedTokenFixture({ id }));
      const byId = await Promise.allSettled(sameId.map((token) => call(() => store.create(token))));
      expect(byId.filter((r) => r.status === 'fulfilled').length).toBe(1);
      const winner = sameId[byId.findIndex((r) => r.status === 'fulfilled')]!;
      expect(await store.get(id)).toEqual(winner);
      for (const loser of sameId.filter((x) => x !== winner)) expect(await store.findByHash(loser.hash)).toBeNull();

      const hash = randomHex(32);
      const sameHash = Array.from({ length: 10 }, () => storedTokenFixture({ hash }));
      const byHash = await Promise.allSettled(sameHash.map((token) => call(() => store.create(token))));
      expect(byHash.filter((r) => r.status === 'fulfilled').length).toBe(1);
      const hashWinner = sameHash[byHash.findIndex((r) => r.status === 'fulfilled')]!;
      expect(await store.findByHash(hash)).toEqual(hashWinner);
      for (const loser of sameHash.filter((x) => x !== hashWinner)) expect(await store.get(loser.id)).toBeNull();
    }),
  );

  t.it(
    '100 concurrent creates are all readable by id, by hash and in the listing',
    withStore(async (store) => {
      const owner = newOwner();
      const tokens = Array.from({ length: 100 }, (_, i) =>
        storedTokenFixture({ ownerId: owner, createdAt: T0 + (i % 10) }),
      );
      await Promise.all(tokens.map((token) => call(() => store.create(token))));
      const [byId, byHash] = await Promise.all([
        Promise.all(tokens.map((token) => call(() => store.get(token.id)))),
        Promise.all(tokens.map((token) => call(() => store.findByHash(token.hash)))),
      ]);
      expect(byId).toEqual(tokens);
      expect(byHash).toEqual(tokens);
      expect(await listIds(store, { ownerId: owner })).toEqual(ids(sortTokens(tokens)));
    }),
  );
}

function racingRevokeCases(ctx: SuiteContext): void {
  const { t, expect, fc, runs, firstSeed, withStore } = ctx;
  t.it(
    '20 concurrent revokes: one revocation time and reason, one version step',
    withStore(async (store) => {
      const token = storedTokenFixture();
      await store.create(token);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => call(() => store.revoke(token.id, T0 + 1 + i, `r${i}`))),
      );
      const final = await store.get(token.id);
      const winner = Number((final?.revokedReason ?? 'r-1').slice(1));
      expect(final).toEqual({
        ...token,
        revokedAt: T0 + 1 + winner,
        revokedReason: `r${winner}`,
        version: token.version + 1,
      });
      results.forEach((result, i) => expect(result).toEqual({ ...final, revokedNow: i === winner }));
    }),
  );

  t.it(
    '50 concurrent touches leave the maximum and the version',
    withStore(async (store) => {
      const token = storedTokenFixture();
      await store.create(token);
      const ats = shuffle(
        Array.from({ length: 50 }, (_, i) => T0 + i * 7),
        seededRandom(firstSeed + 2),
      );
      await Promise.all(ats.map((at) => call(() => store.touch(token.id, at))));
      expect(await store.get(token.id)).toEqual({ ...token, lastUsedAt: T0 + 49 * 7 });
    }),
  );

  t.it(
    'revoke racing revokeAll: every token revoked once, and the count names the ones revokeAll won',
    withStore(async (store) => {
      for (const position of [0, 10, 20]) {
        const owner = newOwner();
        const tokens = Array.from({ length: 20 }, () => storedTokenFixture({ ownerId: owner }));
        await createAll(store, tokens);
        const [atAll, atOne] = [T0 + 100, T0 + 200];
        const singles = tokens.filter((_, i) => i % 2 === 0).map((token) => () => store.revoke(token.id, atOne, 'one'));
        const ops: (() => Awaitable<unknown>)[] = [...singles];
        let count = -1;
        ops.splice(position / 2, 0, async () => {
          count = (await store.revokeAll({ ownerId: owner }, atAll, 'all')).count;
        });
        await Promise.all(ops.map(call));
        const finals = await Promise.all(tokens.map((token) => call(() => store.get(token.id))));
        const outcome = (x: StoredToken | null) =>
          x?.revokedAt === atAll && x.revokedReason === 'all'
            ? 'all'
            : x?.revokedAt === atOne && x.revokedReason === 'one'
              ? 'one'
              : 'neither';
        expect({ position, neither: finals.filter((x) => outcome(x) === 'neither').length }).toEqual({
          position,
          neither: 0,
        });
        expect({ position, versions: finals.map((x) => x?.version) }).toEqual({
          position,
          versions: tokens.map((x) => x.version + 1),
        });
        expect({ position, count }).toEqual({ position, count: finals.filter((x) => outcome(x) === 'all').length });
        // Tokens no single revoke targeted can only have been revoked by revokeAll.
        expect(finals.filter((_, i) => i % 2 === 1).map(outcome)).toEqual(Array.from({ length: 10 }, () => 'all'));
      }
    }),
  );

  t.it(
    `touches and updates racing a revoke, in every order${fc ? ' (fc.scheduler)' : ' (seeded PRNG)'}: always ends revoked, version ≥ the revoke's`,
    withStore(async (store) => {
      const raceOnce = async (s: RaceScheduler) => {
        const token = storedTokenFixture({ version: 1 });
        await store.create(token);
        const step = <T>(label: string, fn: () => Awaitable<T>): Promise<T> =>
          s.schedule(Promise.resolve(label), label).then(() => fn());
        const revokeAt = T0 + 10_000;
        const touch1 = step('touch(+1)', () => store.touch(token.id, T0 + 1));
        const touch2 = step('touch(+2)', () => store.touch(token.id, T0 + 2));
        const update1 = step('update(v1, label u1)', () => store.update(token.id, { label: 'u1' }, 1));
        const update2 = step('update(v1, label u2)', () =>
          store.update(token.id, { label: 'u2', metadata: { by: 'u2' } }, 1),
        );
        // Read-modify-write: the interleaving that undoes a revocation in a store that writes whole records.
        const readThenUpdate = step('get', () => store.get(token.id)).then((read) =>
          step(`update(v${read?.version}, label rmw)`, () =>
            store.update(token.id, { label: 'rmw' }, read?.version ?? -1),
          ),
        );
        const revoke = step('revoke', () => store.revoke(token.id, revokeAt, 'race'));
        await drive(s, [touch1, touch2, update1, update2, readThenUpdate, revoke]);

        const [u1, u2, rmw, revoked] = await Promise.all([update1, update2, readThenUpdate, revoke]);
        const final = await store.get(token.id);
        expect(revoked === null ? null : [revoked.revokedAt, revoked.revokedReason]).toEqual([revokeAt, 'race']);
        expect(final === null ? null : [final.revokedAt, final.revokedReason, final.lastUsedAt]).toEqual([
          revokeAt,
          'race',
          T0 + 2,
        ]);
        expect((final?.version ?? 0) + 1).toBeGreaterThan(revoked?.version ?? Infinity);
        const results = [u1, u2, rmw];
        expect(results.map((r) => (r.ok ? 'ok' : r.reason)).filter((r) => r === 'not_found')).toEqual([]);
        expect(u1.ok && u2.ok).toBe(false); // both wrote on version 1: one of them must have lost
        const won = results.flatMap((r) => (r.ok ? [r.token] : [])).sort((a, b) => a.version - b.version);
        expect(final?.version).toBe(token.version + 1 + won.length);
        expect(final?.label).toBe(won.at(-1)?.label ?? token.label);
        expect(await store.findByHash(token.hash)).toEqual(final);
      };

      if (fc) {
        await fc.assert(fc.asyncProperty(fc.scheduler(), raceOnce), { numRuns: runs });
      } else {
        await seeded(firstSeed, runs, (random) => raceOnce(seededScheduler(random)));
      }
    }),
  );
}

/** Which of two processes revoking one token at once revoked it: the one the store tells so. */
function sameInstantRevokeCases(ctx: SuiteContext): void {
  const { t, expect, runs, withStore } = ctx;
  t.it(
    'two concurrent revokes of one token at the same instant: exactly one answers revokedNow: true',
    withStore(async (store) => {
      for (let run = 0; run < Math.min(runs, 20); run++) {
        const token = storedTokenFixture();
        await store.create(token);
        const answers = await Promise.all([0, 1].map(() => call(() => store.revoke(token.id, T0 + 9, 'leaked'))));
        const expected = { ...token, revokedAt: T0 + 9, revokedReason: 'leaked', version: token.version + 1 };
        expect(answers.map((a) => a?.revokedNow).sort()).toEqual([false, true]);
        for (const a of answers)
          expect({ ...a, revokedNow: undefined }).toEqual({ ...expected, revokedNow: undefined });
      }
    }),
  );
}
