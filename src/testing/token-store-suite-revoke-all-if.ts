/**
 * The `TokenStore` laws of the optional `revokeAllIfCount`: `revokeAll` guarded by the count the
 * caller confirmed, the count and the revocation one atomic step. A store without the method
 * passes vacuously (keycard then falls back to counting with `list`, which is not exact).
 */
import {
  WATERMARK_REASON,
  type Awaitable,
  type RevokeAllFilter,
  type RevokeAllIfCountResult,
  type StoreChange,
  type StoredToken,
  type TokenStore,
} from '../core/store.ts';
import { storedTokenFixture } from './fixtures.ts';
import {
  call,
  createAll,
  drive,
  newOwner,
  newWorkspace,
  revokedBy,
  seeded,
  seededScheduler,
  T0,
  type RaceScheduler,
  type SuiteContext,
} from './token-store-suite-helpers.ts';

/** The store's `revokeAllIfCount` as a promise, or null when the store has none. */
function conditional(
  store: TokenStore,
): ((f: RevokeAllFilter, at: number, reason: string | null, expect: number) => Promise<RevokeAllIfCountResult>) | null {
  const method = store.revokeAllIfCount?.bind(store);
  return method ? (f, at, reason, expect) => call(() => method(f, at, reason, expect)) : null;
}

/** A fresh owner with three active tokens, stored (each race starts from one). */
async function ownerWithThree(store: TokenStore): Promise<{ O: string; tokens: StoredToken[] }> {
  const O = newOwner();
  const tokens = [1, 2, 3].map(() => storedTokenFixture({ ownerId: O }));
  await createAll(store, tokens);
  return { O, tokens };
}

/** Registers this section of the `TokenStore` conformance suite (runnable alone with `suiteContext`). */
export function revokeAllIfCountSection(ctx: SuiteContext): void {
  ctx.t.describe('revokeAllIfCount (passes vacuously when the store has none)', () => {
    matchCases(ctx);
    raceCases(ctx);
  });
}

function matchCases(ctx: SuiteContext): void {
  const { t, expect, withStore } = ctx;
  t.it(
    'the confirmed count: revokes exactly what revokeAll would, leaves its watermark, answers the count',
    withStore(async (store) => {
      const revokeAllIf = conditional(store);
      if (!revokeAllIf) return;
      const [O, W] = [newOwner(), newWorkspace()];
      const targets = [
        storedTokenFixture({ ownerId: O }),
        storedTokenFixture({ ownerId: O, workspaceId: W, version: 4 }),
        storedTokenFixture({ ownerId: O, expiresAt: T0 - 1 }), // expired but not revoked: revoked, not counted
      ];
      const alreadyRevoked = storedTokenFixture({ ownerId: O, revokedAt: T0 - 100, revokedReason: 'earlier' });
      const spared = [
        storedTokenFixture({ ownerId: O, kind: 'workspace', workspaceId: W }), // a workspace token O created
        storedTokenFixture({ ownerId: newOwner() }),
      ];
      await createAll(store, [...targets, alreadyRevoked, ...spared]);
      const at = T0 + 1_000;
      expect(await revokeAllIf({ ownerId: O }, at, 'confirmed', 3)).toEqual({
        ok: false,
        reason: 'count_changed',
        count: 2,
      });
      expect(await revokeAllIf({ ownerId: O }, at, 'confirmed', 2)).toEqual({ ok: true, count: 2 });
      for (const token of targets) expect(await store.get(token.id)).toEqual(revokedBy(token, at, 'confirmed'));
      expect(await store.get(alreadyRevoked.id)).toEqual(alreadyRevoked);
      for (const token of spared) expect(await store.get(token.id)).toEqual(token);
      // The watermark, as revokeAll leaves it: an insert it did not see, created before `at`, is stored revoked.
      const late = storedTokenFixture({ ownerId: O, createdAt: at - 1 });
      const after = storedTokenFixture({ ownerId: O, createdAt: at });
      await createAll(store, [late, after]);
      const stored = await store.get(late.id);
      expect([stored?.revokedAt, stored?.revokedReason]).toEqual([at, WATERMARK_REASON]);
      expect(await store.get(after.id)).toEqual(after);
      // Nothing left to revoke but the one created at the watermark; zero confirmed is a match too.
      expect(await revokeAllIf({ ownerId: O }, at + 1, 'again', 1)).toEqual({ ok: true, count: 1 });
      expect(await revokeAllIf({ ownerId: O }, at + 2, 'again', 0)).toEqual({ ok: true, count: 0 });
      const ws = [1, 2].map(() => storedTokenFixture({ ownerId: newOwner(), kind: 'workspace', workspaceId: W }));
      await createAll(store, ws);
      expect(await revokeAllIf({ workspaceId: W }, at, null, 3)).toEqual({ ok: true, count: 3 });
      for (const token of [...ws, spared[0]!]) expect(await store.get(token.id)).toEqual(revokedBy(token, at, null));
    }),
  );

  t.it(
    'a count that no longer matches writes nothing: no revocation, no watermark, no change; answers the count found',
    withStore(async (store) => {
      const revokeAllIf = conditional(store);
      if (!revokeAllIf) return;
      const O = newOwner();
      const changes: StoreChange[] = [];
      const unsubscribe = store.subscribe ? await store.subscribe((c) => changes.push(c)) : null;
      const tokens = [1, 2, 3].map(() => storedTokenFixture({ ownerId: O }));
      await createAll(store, tokens);
      const at = T0 + 1_000;
      for (const expectCount of [0, 2, 4])
        expect(await revokeAllIf({ ownerId: O }, at, 'confirmed', expectCount)).toEqual({
          ok: false,
          reason: 'count_changed',
          count: 3,
        });
      for (const token of tokens) expect(await store.get(token.id)).toEqual(token);
      const late = storedTokenFixture({ ownerId: O, createdAt: at - 1 }); // no watermark to cover it
      await store.create(late);
      expect(await store.get(late.id)).toEqual(late);
      expect(await revokeAllIf({ ownerId: newOwner() }, at, null, 1)).toEqual({
        ok: false,
        reason: 'count_changed',
        count: 0,
      });
      if (unsubscribe) {
        // Changes arrive in order: once this marker is heard, a revokeAll change would have been too.
        const marker = newOwner();
        await store.announceOwner(marker);
        await ctx.eventually(
          () => changes.find((c) => c.type === 'owner' && c.principalId === marker),
          'the owner change after a refused revokeAllIfCount',
        );
        expect(changes.filter((c) => c.type === 'revokeAll' && filterOwner(c.filter) === O)).toEqual([]);
        await unsubscribe();
      }
    }),
  );
}

const filterOwner = (f: RevokeAllFilter): string | null => ('ownerId' in f ? f.ownerId : null);

function raceCases(ctx: SuiteContext): void {
  const { t, expect, fc, runs, firstSeed, withStore } = ctx;
  const how = fc ? ' (fc.scheduler)' : ' (seeded PRNG)';
  /** Runs `raceOnce` under fast-check's scheduler, or the seeded one. */
  const race = async (raceOnce: (s: RaceScheduler) => Promise<void>) => {
    if (fc) await fc.assert(fc.asyncProperty(fc.scheduler(), raceOnce), { numRuns: runs });
    else await seeded(firstSeed, runs, (random) => raceOnce(seededScheduler(random)));
  };
  const step =
    (s: RaceScheduler) =>
    <T>(label: string, fn: () => Awaitable<T>): Promise<T> =>
      s.schedule(Promise.resolve(label), label).then(() => fn());

  t.it(
    `a create racing a revokeAllIfCount, in every order${how}: 409 with nothing revoked, or exactly the N confirmed revoked and the new token active`,
    withStore(async (store) => {
      const revokeAllIf = conditional(store);
      if (!revokeAllIf) return;
      await race(async (s) => {
        const { O, tokens } = await ownerWithThree(store);
        const at = T0 + 1_000;
        const fresh = storedTokenFixture({ ownerId: O, createdAt: at }); // issued at the revokeAll's instant
        const create = step(s)('create', () => store.create(fresh));
        const all = step(s)('revokeAllIfCount(3)', () => revokeAllIf({ ownerId: O }, at, 'confirmed', 3));
        await drive(s, [create, all]);
        const result = await all;
        const finals = await Promise.all(tokens.map((token) => call(() => store.get(token.id))));
        if (result.ok) {
          expect(result).toEqual({ ok: true, count: 3 });
          expect(finals).toEqual(tokens.map((token) => revokedBy(token, at, 'confirmed')));
        } else {
          expect(result).toEqual({ ok: false, reason: 'count_changed', count: 4 });
          expect(finals).toEqual(tokens);
        }
        expect(await store.get(fresh.id)).toEqual(fresh);
      });
    }),
  );

  t.it(
    `a revoke racing a revokeAllIfCount, in every order${how}: one revocation per token, the count answered is the count seen`,
    withStore(async (store) => {
      const revokeAllIf = conditional(store);
      if (!revokeAllIf) return;
      await race(async (s) => {
        const { O, tokens } = await ownerWithThree(store);
        const [atAll, atOne] = [T0 + 1_000, T0 + 2_000];
        const one = step(s)('revoke(first)', () => store.revoke(tokens[0]!.id, atOne, 'one'));
        const all = step(s)('revokeAllIfCount(3)', () => revokeAllIf({ ownerId: O }, atAll, 'confirmed', 3));
        await drive(s, [one, all]);
        const result = await all;
        const finals = await Promise.all(tokens.map((token) => call(() => store.get(token.id))));
        if (result.ok) {
          expect(result).toEqual({ ok: true, count: 3 });
          expect(finals).toEqual(tokens.map((token) => revokedBy(token, atAll, 'confirmed')));
        } else {
          expect(result).toEqual({ ok: false, reason: 'count_changed', count: 2 });
          expect(finals).toEqual([revokedBy(tokens[0]!, atOne, 'one'), ...tokens.slice(1)]);
        }
        // The single revoke revoked it iff it came first (and so moved the count).
        expect(await one).toEqual({ ...finals[0], revokedNow: !result.ok });
      });
    }),
  );

  t.it(
    'two concurrent confirmations of one count: one revokes them, the other answers count_changed with 0',
    withStore(async (store) => {
      const revokeAllIf = conditional(store);
      if (!revokeAllIf) return;
      for (let round = 0; round < 5; round++) {
        const O = newOwner();
        const tokens = [1, 2, 3, 4].map(() => storedTokenFixture({ ownerId: O }));
        await createAll(store, tokens);
        const results = await Promise.all(
          ['a', 'b'].map((who, i) => revokeAllIf({ ownerId: O }, T0 + 1_000 + i, who, 4)),
        );
        const winner = results.findIndex((r) => r.ok);
        expect({ round, results: [...results].sort((a, b) => Number(b.ok) - Number(a.ok)) }).toEqual({
          round,
          results: [
            { ok: true, count: 4 },
            { ok: false, reason: 'count_changed', count: 0 },
          ],
        });
        const finals = await Promise.all(tokens.map((token) => call(() => store.get(token.id))));
        expect(finals).toEqual(tokens.map((token) => revokedBy(token, T0 + 1_000 + winner, ['a', 'b'][winner]!)));
      }
    }),
  );
}
