/**
 * The device routes' dependencies — the pending-grant store, the integrator's `authorize` and
 * `sessionKey` hooks — behind one rule: a throw or a rejection becomes a
 * `KeycardError('unavailable')` whose message and cause are redacted (never a device code or its
 * hash), which the routes answer 503 (failure.ts). Every store and hook call is bounded by the
 * keycard's `storeTimeoutMs`, so one that hangs is an outage too, not a request that waits for ever.
 * Anything else that reaches a route is a bug. Reports are coalesced as the core's are.
 */
import { withDeadline } from '../core/bounded.ts';
import { KeycardError, isKeycardError } from '../core/errors.ts';
import { coalescedReporter, logError } from '../core/report.ts';
import type { PendingGrantStore } from './grant-store.ts';

/**
 * A reporter that never throws (a broken logger must not turn a 503 into something else) and
 * coalesces like the core's request path (src/core/report.ts): an outage fails every request, and
 * the first failure of a kind in a second is reported as it is, the rest of that second as one
 * count when the second ends (or with the next failure of that kind, or at the keycard's `close()`).
 */
export const reporter = (
  onError: ((error: unknown) => void) | undefined,
  keycard: Parameters<typeof coalescedReporter>[1],
): ((error: unknown) => void) => coalescedReporter(onError ?? logError('keycard device:'), keycard);

/**
 * Calls a dependency (an integrator's hook, a store operation) with a deadline of `timeoutMs` (the
 * keycard's `storeTimeoutMs`): a throw, a rejection or no answer in time becomes a
 * `KeycardError('unavailable')` — "`what` failed" whose cause is a redacted copy of the error, or
 * "`what` timed out after … ms" — so a hook or a store that hangs is an outage, never a request
 * that waits for ever.
 */
export async function callHook<T>(what: string, hook: () => T | Promise<T>, timeoutMs: number): Promise<T> {
  try {
    return await withDeadline(hook, timeoutMs, what);
  } catch (cause) {
    // Already an outage (a deadline that passed): not wrapped twice.
    if (isKeycardError(cause) && cause.code === 'unavailable') throw cause;
    throw new KeycardError('unavailable', `${what} failed`, { cause });
  }
}

const OPERATIONS = ['create', 'get', 'getByUserCode', 'update', 'take', 'prune'] as const;

/** How a grant-store operation is named in its `unavailable` error and report. */
export const storeCallName = (op: (typeof OPERATIONS)[number]): string => `Pending-grant store ${op}`;

/**
 * The store as the routes use it: a synchronous throw, a rejection or no answer within
 * `timeoutMs` of any operation becomes `unavailable` (see {@link callHook}), so the
 * routes tell an outage (503) from a bug (500).
 */
export const guardedStore = (store: PendingGrantStore, timeoutMs: number): PendingGrantStore =>
  Object.fromEntries(
    OPERATIONS.map((op) => {
      const what = storeCallName(op);
      // `apply`, not a bare call: a store written as a class needs its `this`.
      const call = (args: unknown[]) => (store[op] as (...a: unknown[]) => unknown).apply(store, args);
      return [op, (...args: unknown[]) => callHook(what, () => call(args), timeoutMs)];
    }),
  ) as unknown as PendingGrantStore;
