/**
 * The device routes' dependencies — the pending-grant store, the integrator's `authorize` and
 * `sessionKey` hooks — behind one rule: a throw or a rejection becomes a
 * `KeycardError('unavailable')` whose message and cause are redacted (never a device code or its
 * hash), which the routes answer 503 (failure.ts). Anything else that reaches a route is a bug.
 */
import { KeycardError } from '../core/errors.ts';
import { logError } from '../core/report.ts';
import type { PendingGrantStore } from './grant-store.ts';

/** A reporter that never throws: a broken logger must not turn a 503 into something else. */
export function reporter(onError: ((error: unknown) => void) | undefined): (error: unknown) => void {
  const report = onError ?? logError('keycard device:');
  return (error) => {
    try {
      report(error);
    } catch {
      // dropped: the reporter itself is broken, and nothing is left to report to
    }
  };
}

/**
 * Calls a dependency (an integrator's hook, a store operation): a throw or a rejection becomes a
 * `KeycardError('unavailable')` "`what` failed" whose cause is a redacted copy of the error.
 */
export async function callHook<T>(what: string, hook: () => T | Promise<T>): Promise<T> {
  try {
    return await hook();
  } catch (cause) {
    throw new KeycardError('unavailable', `${what} failed`, { cause });
  }
}

const OPERATIONS = ['create', 'get', 'getByUserCode', 'update', 'take', 'prune'] as const;

/**
 * The store as the routes use it: a synchronous throw or a rejection of any operation becomes
 * `unavailable` (see {@link callHook}), so the routes tell an outage (503) from a bug (500).
 */
export const guardedStore = (store: PendingGrantStore): PendingGrantStore =>
  Object.fromEntries(
    OPERATIONS.map((op) => [
      op,
      // `apply`, not a bare call: a store written as a class needs its `this`.
      (...args: unknown[]) =>
        callHook(`Pending-grant store ${op}`, () => (store[op] as (...a: unknown[]) => unknown).apply(store, args)),
    ]),
  ) as unknown as PendingGrantStore;
