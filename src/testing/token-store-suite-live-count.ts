/**
 * The `TokenStore` law of what `revokeAll` and `revokeAllIfCount` count (SPEC §12: "Revoke all"
 * shows the live count): the tokens the call ends that were live at its instant `at` — not yet
 * revoked, and `expiresAt` null or later than `at`. A token expired by `at` but not revoked is
 * revoked too (its record says so, and a clock behind the store's cannot revive it) but is not
 * counted: not in the answer, not in the comparison with `expectCount`.
 */
import type { RevokeAllFilter, TokenStore } from '../core/store.ts';
import { storedTokenFixture } from './fixtures.ts';
import {
  call,
  createAll,
  newOwner,
  newWorkspace,
  revokedBy,
  T0,
  type SuiteContext,
} from './token-store-suite-helpers.ts';

const AT = T0 + 10_000;

/**
 * A fresh owner (or, with `workspace`, a workspace) with two tokens live at `AT` (one never
 * expires, one expires a millisecond after), one expired long before, one expiring at `AT` exactly
 * (expired then: live means `expiresAt > at`), and one already revoked.
 */
async function liveTwo(store: TokenStore, workspace: boolean) {
  const W = newWorkspace();
  const filter: RevokeAllFilter = workspace ? { workspaceId: W } : { ownerId: newOwner() };
  const owner = 'ownerId' in filter ? filter.ownerId : newOwner();
  const base = workspace ? ({ ownerId: owner, kind: 'workspace', workspaceId: W } as const) : { ownerId: owner };
  const live = [storedTokenFixture(base), storedTokenFixture({ ...base, expiresAt: AT + 1 })];
  const expired = [storedTokenFixture({ ...base, expiresAt: T0 - 1 }), storedTokenFixture({ ...base, expiresAt: AT })];
  const revoked = storedTokenFixture({ ...base, revokedAt: T0 - 100, revokedReason: 'earlier', version: 2 });
  await createAll(store, [...live, ...expired, revoked]);
  return { filter, live, expired, revoked };
}

/** Registers this section of the `TokenStore` conformance suite (runnable alone with `suiteContext`). */
export function liveCountSection(ctx: SuiteContext): void {
  const { t, expect, withStore } = ctx;
  t.describe('revokeAll counts the tokens live at its instant', () => {
    for (const workspace of [false, true])
      t.it(
        `revokeAll({ ${workspace ? 'workspaceId' : 'ownerId'} }) with 2 live, 2 expired and 1 revoked answers 2, and revokes the expired ones too`,
        withStore(async (store) => {
          const { filter, live, expired, revoked } = await liveTwo(store, workspace);
          expect(await call(() => store.revokeAll(filter, AT, 'all'))).toEqual({ count: 2 });
          for (const token of [...live, ...expired])
            expect(await store.get(token.id)).toEqual(revokedBy(token, AT, 'all'));
          expect(await store.get(revoked.id)).toEqual(revoked);
        }),
      );

    t.it(
      'revokeAllIfCount compares the live count: 2 revokes, 3 or 4 (expired counted) writes nothing and answers 2',
      withStore(async (store) => {
        const method = store.revokeAllIfCount?.bind(store);
        if (!method) return;
        for (const workspace of [false, true]) {
          const { filter, live, expired, revoked } = await liveTwo(store, workspace);
          for (const expectCount of [3, 4])
            expect(await call(() => method(filter, AT, 'confirmed', expectCount))).toEqual({
              ok: false,
              reason: 'count_changed',
              count: 2,
            });
          for (const token of [...live, ...expired, revoked]) expect(await store.get(token.id)).toEqual(token);
          expect(await call(() => method(filter, AT, 'confirmed', 2))).toEqual({ ok: true, count: 2 });
          for (const token of [...live, ...expired])
            expect(await store.get(token.id)).toEqual(revokedBy(token, AT, 'confirmed'));
          expect(await store.get(revoked.id)).toEqual(revoked);
        }
      }),
    );
  });
}
