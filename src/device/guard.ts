/**
 * The device routes' dependencies — the pending-grant store, the integrator's `authorize` and
 * `sessionKey` hooks — behind one rule: a throw or a rejection becomes a
 * `KeycardError('unavailable')` whose message and cause are redacted (never a device code or its
 * hash), which the routes answer 503 (failure.ts). Every store call is bounded by the keycard's
 * `storeTimeoutMs`, so a store that hangs is an outage too, not a request that waits for ever.
 * Anything else that reaches a route is a bug. Reports are coalesced as the core's are.
 */
import { bounded } from '../core/bounded.ts';
import type { Clock } from '../core/clock.ts';
import { KeycardError, isKeycardError } from '../core/errors.ts';
import { logError, ReportThrottle } from '../core/report.ts';
import type { PendingGrantStore } from './grant-store.ts';

/**
 * A reporter that never throws (a broken logger must not turn a 503 into something else) and
 * coalesces like the core's request path (src/core/report.ts): an outage fails every request, and
 * the first failure of a kind in a second is reported as it is, the rest of that second as one
 * count, with the next failure of that kind.
 */
export function reporter(onError: ((error: unknown) => void) | undefined, clock: Clock): (error: unknown) => void {
  const report = onError ?? logError('keycard device:');
  const safe = (error: unknown): void => {
    try {
      report(error);
    } catch {
      // dropped: the reporter itself is broken, and nothing is left to report to
    }
  };
  return new ReportThrottle(safe, clock).report;
}

/**
 * Calls a dependency (an integrator's hook, a store operation): a throw or a rejection becomes a
 * `KeycardError('unavailable')` "`what` failed" whose cause is a redacted copy of the error.
 */
export async function callHook<T>(what: string, hook: () => T | Promise<T>): Promise<T> {
  try {
    return await hook();
  } catch (cause) {
    // Already an outage (a bounded store call that failed or timed out): not wrapped twice.
    if (isKeycardError(cause) && cause.code === 'unavailable') throw cause;
    throw new KeycardError('unavailable', `${what} failed`, { cause });
  }
}

const OPERATIONS = ['create', 'get', 'getByUserCode', 'update', 'take', 'prune'] as const;

/**
 * The store as the routes use it: a synchronous throw, a rejection or no answer within
 * `timeoutMs` of any operation becomes `unavailable` (see {@link callHook} and `bounded`), so the
 * routes tell an outage (503) from a bug (500).
 */
export const guardedStore = (store: PendingGrantStore, timeoutMs: number): PendingGrantStore =>
  Object.fromEntries(
    OPERATIONS.map((op) => {
      const what = `Pending-grant store ${op}`;
      // `apply`, not a bare call: a store written as a class needs its `this`.
      const call = (args: unknown[]) => (store[op] as (...a: unknown[]) => unknown).apply(store, args);
      return [op, (...args: unknown[]) => callHook(what, () => bounded(() => call(args), timeoutMs, what))];
    }),
  ) as unknown as PendingGrantStore;
