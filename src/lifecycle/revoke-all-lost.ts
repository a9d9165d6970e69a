/**
 * A `revokeAll` whose answer was lost (a timeout, a dropped connection, a store that threw after
 * its commit) may have revoked every token it covers. This instance then fails closed (its cache
 * drops the covered tokens, and an `issue` in flight treats the filter as revoked), the loss is
 * reported to `onError`, and the next `revokeAll` of the same filter here that gets an answer
 * counts the tokens the lost call revoked, so they are audited once (SPEC §7), not never.
 */
import { KeycardError } from '../core/errors.ts';
import { coveredByRevokeAll, filterKey, unexpiredAt, type RevokeAllFilter, type StoredToken } from '../core/store.ts';
import type { LifecycleContext } from './context.ts';
import type { LostRevokeAll } from './unanswered.ts';

/** Who a filter names, for messages: `owner u_42` or `workspace w_1` (ids, never secrets). */
export const filterName = (f: RevokeAllFilter): string =>
  'ownerId' in f ? `owner ${f.ownerId}` : `workspace ${f.workspaceId}`;

/** A revokeAll write (at `at`, with `reason`) threw `error` with its outcome unknown: fail closed here, note it, report it. */
export function lostRevokeAll(
  ctx: LifecycleContext,
  f: RevokeAllFilter,
  at: number,
  reason: string | null,
  error: unknown,
): void {
  const { cache, invalidation, unansweredAll, onError } = ctx;
  // Dropping cache entries costs a re-read; keeping them could serve revoked tokens until the TTL.
  cache.invalidateWhere((t) => coveredByRevokeAll(f, t));
  invalidation.noteRevokeAll(f, at);
  unansweredAll.note(filterKey(f), at, reason);
  onError(
    new KeycardError(
      'unavailable',
      `keycard: the answer of a revokeAll of ${filterName(f)} was lost; the store may have revoked its tokens. ` +
        'Retry the same revokeAll: its audit event counts them, else they have no token.revoked event',
      { cause: error },
    ),
  );
}

/**
 * What the lost `revokeAll` calls of `f` revoked, counted as a store counts (live at the call's
 * instant): the tokens it covers revoked at one of their instants with that call's reason, and
 * the reason of the earliest call that revoked any. `own` is the call settling them (its instant,
 * reason and count; null when it wrote nothing): a lost call in the same millisecond with the same
 * reason is told from it by count. A failure to read is reported to `onError` and the calls are
 * kept for the next retry (0 now). Liveness is judged on each token's `expiresAt` as it is now: an
 * update that moved a revoked token's expiry before the lost call's instant leaves it uncounted.
 */
export async function settleLostRevokeAlls(
  ctx: LifecycleContext,
  f: RevokeAllFilter,
  own: { readonly at: number; readonly reason: string | null; readonly count: number } | null,
  now: number,
): Promise<{ readonly count: number; readonly reason: string | null }> {
  const key = filterKey(f);
  const sent = ctx.unansweredAll.take(key);
  if (sent.length === 0) return { count: 0, reason: null };
  const byCall = new Map<LostRevokeAll, number>(sent.map((s) => [s, 0]));
  // Counted as the lost call's store counted: live at its instant (one it revoked expired is not).
  const callOf = (t: StoredToken) =>
    sent.find((s) => s.at === t.revokedAt && s.reason === t.revokedReason && unexpiredAt(t, s.at));
  try {
    await eachCovered(ctx, f, now, 'revoked', (t) => {
      const call = callOf(t);
      if (call) byCall.set(call, byCall.get(call)! + 1);
    });
  } catch (error) {
    ctx.unansweredAll.restore(key, sent);
    ctx.onError(
      new KeycardError('unavailable', `keycard: could not read what a lost revokeAll of ${filterName(f)} revoked`, {
        cause: error,
      }),
    );
    return { count: 0, reason: null };
  }
  for (const [call, n] of byCall)
    if (own && call.at === own.at && call.reason === own.reason) byCall.set(call, Math.max(0, n - own.count));
  const first = [...byCall].sort(([a], [b]) => a.at - b.at).find(([, n]) => n > 0);
  return { count: [...byCall.values()].reduce((a, b) => a + b, 0), reason: first?.[0].reason ?? null };
}

/** Calls `visit` for every token `f` covers with `status` at `now`, page by page (500 a page). */
export async function eachCovered(
  ctx: LifecycleContext,
  f: RevokeAllFilter,
  now: number,
  status: 'all' | 'revoked',
  visit: (t: StoredToken) => void,
): Promise<void> {
  const { store, call } = ctx;
  const kind = 'ownerId' in f ? 'personal' : 'workspace';
  let cursor: string | null = null;
  do {
    const query = { ...f, kind, status, now, limit: 500, cursor } as const;
    const page: Awaited<ReturnType<typeof store.list>> = await call('Token store list', () => store.list(query));
    for (const t of page.tokens) if (coveredByRevokeAll(f, t)) visit(t);
    cursor = page.nextCursor;
  } while (cursor !== null);
}
