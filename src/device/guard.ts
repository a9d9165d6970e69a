/**
 * The device routes' dependencies — the pending-grant store, the integrator's `authorize` and
 * `sessionKey` hooks — behind one rule: a throw or a rejection becomes a
 * `KeycardError('unavailable')` whose message and cause are redacted (never a device code or its
 * hash), which the routes answer 503 (failure.ts). Anything else that reaches a route is a bug.
 */
import { KeycardError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import type { PendingGrantStore } from './grant-store.ts';

/** A reporter that never throws: a broken logger must not turn a 503 into something else. */
export function reporter(onError: ((error: unknown) => void) | undefined): (error: unknown) => void {
  const report =
    onError ??
    ((e: unknown) =>
      console.error('keycard device:', redact(e instanceof Error ? `${e.name}: ${e.message}` : String(e))));
  return (error) => {
    try {
      report(error);
    } catch {
      // dropped: the reporter itself is broken, and nothing is left to report to
    }
  };
}

/** `what` failed: a KeycardError `unavailable` whose cause is a redacted copy of the error. */
export const dependencyFailed = (what: string, cause: unknown): KeycardError =>
  new KeycardError('unavailable', `${what} failed`, { cause });

/** Calls an integrator's hook; a throw or a rejection becomes {@link dependencyFailed}. */
export async function callHook<T>(what: string, hook: () => T | Promise<T>): Promise<T> {
  try {
    return await hook();
  } catch (e) {
    throw dependencyFailed(what, e);
  }
}

const OPERATIONS = ['create', 'get', 'getByUserCode', 'update', 'take', 'prune'] as const;

/**
 * The store as the routes use it: a synchronous throw or a rejection of any operation becomes
 * {@link dependencyFailed}, so the routes tell an outage (503) from a bug (500).
 */
export function guardedStore(store: PendingGrantStore): PendingGrantStore {
  const guarded: Record<string, unknown> = {};
  for (const op of OPERATIONS) {
    const call = store[op] as (...args: unknown[]) => Promise<unknown>;
    guarded[op] = (...args: unknown[]) => callHook(`Pending-grant store ${op}`, () => call.apply(store, args));
  }
  return guarded as unknown as PendingGrantStore;
}
