/** `revoke` and `revokeAll` (SPEC §6): immediate here, heard by other processes from the store. */
import { KeycardError } from '../core/errors.ts';
import { toRecord } from '../core/records.ts';
import {
  countedByRevokeAll,
  coveredByRevokeAll,
  revokedByThisCall,
  storedOf,
  type RevokeAllFilter,
  type TokenRecord,
} from '../core/store.ts';
import { actorOf, announce, clean, type LifecycleContext } from './context.ts';
import { eachCovered, lostRevokeAll, settleLostRevokeAlls } from './revoke-all-lost.ts';
import { unknownOutcome } from './settle.ts';
import type { Actor, RevokeAllOptions } from './types.ts';

/** Revokes one token. */
export async function revoke(
  ctx: LifecycleContext,
  id: string,
  given: { readonly reason?: string; readonly actor?: Actor } = {},
): Promise<TokenRecord> {
  const { args, store, clock, cache, call, invalidation, unanswered } = ctx;
  // What the check read (the actor copied): audited after the awaits below as it was checked.
  const opts = args.revoke(id, given);
  const reason = opts.reason === undefined ? null : clean(opts.reason);
  const at = clock.now();
  let answer;
  try {
    answer = await call('Token store revoke', () => store.revoke(id, at, reason));
  } catch (e) {
    // The write may have landed: a retry that finds it audits it, and this instance's cache stops
    // serving the token (re-read from the store) rather than keep it until the TTL, as revokeAll.
    if (unknownOutcome(e)) cache.invalidateWhere((t) => t.id === id);
    unanswered.note(id, at);
    throw e;
  }
  const lost = unanswered.settle(id, answer?.revokedAt ?? null);
  if (!answer) throw new KeycardError('not_found', `No token with id ${id}`);
  const t = storedOf(answer);
  cache.invalidate(t.hash);
  const record = toRecord(t);
  // Audited by the one call that revoked it: a token already revoked (earlier, or by a concurrent
  // call in another process) is answered as it stands, with no second `token.revoked` event. A
  // call of ours whose answer was lost (past the deadline) revoked it too: its retry audits it.
  if (revokedByThisCall(answer, at) || lost)
    await announce(
      ctx,
      {
        type: 'token.revoked',
        tokenId: t.id,
        label: t.label,
        ownerId: t.ownerId,
        workspaceId: t.workspaceId,
        actor: actorOf(opts.actor),
        // The stored reason: a lost call's, when its retry is the one that learns of it.
        reason: t.revokedReason || undefined, // unset: left out of the event (tokenEvent)
      },
      opts.actor,
    );
  invalidation.noteRevoked(t.id, record);
  return record;
}

/**
 * Revokes every token of an owner or a workspace; with `expectCount`, only if exactly that many
 * would be (else `count_changed`, and nothing is written, announced or audited). A call whose
 * write lost its answer is settled by the next call of the same filter here (revoke-all-lost.ts).
 */
export async function revokeAll(
  ctx: LifecycleContext,
  filter: RevokeAllFilter,
  given: RevokeAllOptions = {},
): Promise<{ readonly count: number }> {
  const { args, clock, cache, invalidation } = ctx;
  // What the check read, as revoke: the filter copied too (its one id read once), so the tokens
  // revoked and the event audited are the owner's or workspace's the check saw.
  const [f, opts] = args.revokeAll(filter, given);
  const reason = opts.reason === undefined ? null : clean(opts.reason);
  const at = clock.now();
  let count;
  try {
    count = await revokeInStore(ctx, f, at, reason, opts.expectCount);
  } catch (e) {
    // The store answered and wrote nothing: what a lost call of this filter did is audited still.
    if (e instanceof KeycardError && e.code === 'count_changed') await auditRevokeAll(ctx, f, at, opts.actor, null);
    throw e;
  }
  // Immediate here; other processes hear it from the store. The event fires once: from the
  // store's announcement when subscribed, from here otherwise. An issue in flight here learns of
  // it now, not when a shared store's notification arrives.
  if (invalidation.isSubscribed()) {
    cache.invalidateWhere((t) => coveredByRevokeAll(f, t));
    invalidation.noteRevokeAll(f, at);
  } else invalidation.onChange({ type: 'revokeAll', seq: -1, filter: f, revokedBefore: at });
  return { count: await auditRevokeAll(ctx, f, at, opts.actor, { count, reason }) };
}

/**
 * Audits a `revokeAll` that got its answer: one `token.revoked` event counting what it revoked
 * (`own`) and what earlier calls of the filter here whose answer was lost revoked, with the lost
 * call's reason when it revoked any. With `own` null (a `count_changed` answer: nothing written)
 * only a lost call's revocations are audited, if any. Answers the count audited.
 */
async function auditRevokeAll(
  ctx: LifecycleContext,
  f: RevokeAllFilter,
  at: number,
  by: Actor | undefined,
  own: { readonly count: number; readonly reason: string | null } | null,
): Promise<number> {
  const lost = await settleLostRevokeAlls(ctx, f, own && { at, ...own }, at);
  if (!own && lost.count === 0) return 0;
  const total = (own?.count ?? 0) + lost.count;
  const reason = lost.count > 0 ? lost.reason : (own?.reason ?? null);
  await announce(
    ctx,
    {
      type: 'token.revoked',
      tokenId: null,
      label: null,
      ownerId: 'ownerId' in f ? f.ownerId : null,
      workspaceId: 'workspaceId' in f ? f.workspaceId : null,
      actor: actorOf(by),
      count: total,
      reason: reason || undefined,
    },
    by,
  );
  return total;
}

/**
 * The store's step of `revokeAll`: how many it revoked. With `expectCount`, the store's atomic
 * `revokeAllIfCount`; on a store without it, a count with `list`, then `revokeAll` — two steps,
 * so a token created between them is revoked too (documented on `RevokeAllOptions`).
 */
async function revokeInStore(
  ctx: LifecycleContext,
  f: RevokeAllFilter,
  at: number,
  reason: string | null,
  expectCount: number | undefined,
): Promise<number> {
  const { store, call } = ctx;
  // A write whose answer is lost may have landed: noted, so the next call of this filter audits it.
  const write = async <T>(what: string, send: () => T | Promise<T>): Promise<T> => {
    try {
      return await call(what, send);
    } catch (e) {
      if (unknownOutcome(e)) lostRevokeAll(ctx, f, at, reason, e);
      throw e;
    }
  };
  const revokeAllOnce = async () => (await write('Token store revokeAll', () => store.revokeAll(f, at, reason))).count;
  if (expectCount === undefined) return revokeAllOnce();
  const conditional = store.revokeAllIfCount?.bind(store);
  if (conditional) {
    const r = await write('Token store revokeAllIfCount', () => conditional(f, at, reason, expectCount));
    if (r.ok !== true) throw countChanged(expectCount, r.count);
    return r.count;
  }
  let found = 0; // the tokens `revokeAll(f)` at `at` would count: live then (an expired one is not)
  await eachCovered(ctx, f, at, 'all', (t) => void (countedByRevokeAll(t, at) && found++));
  if (found !== expectCount) throw countChanged(expectCount, found);
  return revokeAllOnce();
}

const countChanged = (expected: number, count: number) =>
  new KeycardError('count_changed', `Expected ${expected} live tokens to revoke, found ${count}; nothing was revoked`, {
    count,
  });
