/**
 * A person's answer on a grant (approve, deny) written within the keycard's `storeTimeoutMs`, and
 * watched past it. A slow store (not a hung one) can land the write after the person was answered
 * 503: the grant is then approved or denied though no page said so, and the program's next poll
 * gets its token. Such an answer must still be audited, once, when the write lands (SPEC §9: an
 * approval never goes unrecorded); a write that never lands, or lands as "changed meanwhile"
 * (null), is audited nowhere.
 */
import { callHook, storeCallName } from './guard.ts';
import type { DeviceContext } from './context.ts';
import type { PendingGrant, PendingGrantPatch } from './grant-store.ts';

/**
 * `store.update(hash, version, patch)` bounded like every store call (a late answer rejects
 * `unavailable`), calling `onLate` with the updated grant if the write lands after the caller
 * was given up on. Both orders are covered: the write landing before or after the deadline's
 * rejection reaches the caller.
 */
export async function updateWatched(
  ctx: DeviceContext,
  hash: string,
  version: number,
  patch: PendingGrantPatch,
  onLate: (grant: PendingGrant) => Promise<void>,
): Promise<PendingGrant | null> {
  let state: 'waiting' | 'answered' | 'abandoned' = 'waiting';
  let landed: PendingGrant | null = null;
  const late = (grant: PendingGrant) => void onLate(grant).catch(ctx.report);
  // Started once, outside the deadline, so the watcher below sees the very write the caller awaits.
  const write = Promise.resolve().then(() => ctx.unguardedStore.update(hash, version, patch));
  write.then(
    (grant) => {
      if (grant === null) return;
      if (state === 'abandoned') late(grant);
      else landed = grant;
    },
    () => {}, // the caller's copy of this rejection is the one reported
  );
  try {
    const grant = await callHook(storeCallName('update'), () => write, ctx.timeoutMs);
    state = 'answered';
    return grant;
  } catch (error) {
    state = 'abandoned';
    if (landed !== null) late(landed);
    throw error;
  }
}
