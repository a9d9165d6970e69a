/** The `TokenStore` laws of `subscribe`: deliveries of changes (vacuous without `subscribe`). */
import type { RevokeAllFilter, StoreChange } from '../core/store.ts';
import { storedTokenFixture } from './fixtures.ts';
import { createAll, newOwner, newWorkspace, withoutSeq, T0, type SuiteContext } from './token-store-suite-helpers.ts';

/** Registers this section of the `TokenStore` conformance suite (runnable alone with `suiteContext`). */
export function subscribeSection(ctx: SuiteContext): void {
  const { t, expect, withStore, eventually } = ctx;
  t.describe('subscribe (passes vacuously when the store has none)', () => {
    t.it(
      'delivers update, revoke, revokeAll and announceOwner as changes with strictly increasing seq',
      withStore(async (store) => {
        if (!store.subscribe) return;
        const seen: StoreChange[] = [];
        const unsubscribe = await store.subscribe((change) => seen.push(change));
        try {
          const [O, W, principal] = [newOwner(), newWorkspace(), newOwner()];
          const token = storedTokenFixture({ ownerId: O, version: 3 });
          const personal = storedTokenFixture({ ownerId: O });
          await createAll(store, [token, personal]);
          const arrival = (match: (c: StoreChange) => boolean, what: string) =>
            eventually(() => seen.find(match), what);

          const updated = await store.update(token.id, { label: 'new' }, 3);
          expect(updated.ok).toBe(true);
          const u = await arrival((c) => c.type === 'token' && c.id === token.id && c.version === 4, 'the update');
          expect(withoutSeq(u)).toEqual({ type: 'token', id: token.id, hash: token.hash, version: 4, revoked: false });

          await store.revoke(token.id, T0 + 1, 'r');
          const r = await arrival((c) => c.type === 'token' && c.id === token.id && c.version === 5, 'the revoke');
          expect(withoutSeq(r)).toEqual({ type: 'token', id: token.id, hash: token.hash, version: 5, revoked: true });

          const byOwner: RevokeAllFilter = { ownerId: O };
          await store.revokeAll(byOwner, T0 + 2, 'all');
          const ro = await arrival(
            (c) => c.type === 'revokeAll' && 'ownerId' in c.filter && c.filter.ownerId === O,
            'revokeAll({ ownerId })',
          );
          expect(withoutSeq(ro)).toEqual({ type: 'revokeAll', filter: { ownerId: O }, revokedBefore: T0 + 2 });

          await store.revokeAll({ workspaceId: W }, T0 + 3, null);
          const rw = await arrival(
            (c) => c.type === 'revokeAll' && 'workspaceId' in c.filter && c.filter.workspaceId === W,
            'revokeAll({ workspaceId })',
          );
          expect(withoutSeq(rw)).toEqual({ type: 'revokeAll', filter: { workspaceId: W }, revokedBefore: T0 + 3 });

          await store.announceOwner(principal);
          const o = await arrival((c) => c.type === 'owner' && c.principalId === principal, 'announceOwner');
          expect(withoutSeq(o)).toEqual({ type: 'owner', principalId: principal });

          const ours = [u, r, ro, rw, o].map((c) => c.seq);
          expect(ours.map((seq) => Number.isSafeInteger(seq))).toEqual([true, true, true, true, true]);
          expect({ seqs: ours, increasing: ours.slice(1).map((seq, i) => seq > ours[i]!) }).toEqual({
            seqs: ours,
            increasing: [true, true, true, true],
          });
          // Every delivery, other processes' included, in strictly increasing order (heartbeats repeat the last seq).
          let last = -Infinity;
          for (const change of seen) {
            if (change.type === 'heartbeat' ? change.seq < last : change.seq <= last) {
              throw new Error(`seq went from ${last} to ${change.seq} (${change.type})`);
            }
            last = change.seq;
          }
        } finally {
          await unsubscribe();
        }
      }),
    );

    t.it(
      'delivers nothing to a listener after its unsubscribe',
      withStore(async (store) => {
        if (!store.subscribe) return;
        const gone: StoreChange[] = [];
        const stays: StoreChange[] = [];
        const unsubscribeGone = await store.subscribe((change) => gone.push(change));
        const unsubscribeStays = await store.subscribe((change) => stays.push(change));
        try {
          const [p0, p1, p2] = [newOwner(), newOwner(), newOwner()];
          const isOwner = (p: string) => (c: StoreChange) => c.type === 'owner' && c.principalId === p;
          await store.announceOwner(p0);
          await eventually(() => gone.find(isOwner(p0)), 'the first announcement (to the listener about to leave)');
          await eventually(() => stays.find(isOwner(p0)), 'the first announcement (to the listener that stays)');
          await unsubscribeGone();
          // Two changes after the unsubscribe, each awaited on the listener that stays: by the time
          // the second arrived there, the first would have reached a still-subscribed listener.
          await store.announceOwner(p1);
          await eventually(() => stays.find(isOwner(p1)), 'the second announcement');
          await store.announceOwner(p2);
          await eventually(() => stays.find(isOwner(p2)), 'the third announcement');
          expect(gone.filter((c) => isOwner(p1)(c) || isOwner(p2)(c))).toEqual([]);
        } finally {
          await unsubscribeStays();
        }
      }),
    );
  });
}
