/**
 * Store and resolver calls with a deadline: a store that hangs must turn into a 503 within
 * `storeTimeoutMs`, never into a request that waits forever (SPEC §8, fail closed).
 */
import { KeycardError } from './errors.ts';
import type { Awaitable } from './store.ts';

/** `storeTimeoutMs` when the options set none. */
export const DEFAULT_STORE_TIMEOUT_MS = 500;

/**
 * Where a keycard instance keeps its resolved `storeTimeoutMs` (non-enumerable; not public API),
 * so routes built on the instance (the device routes) bound their own stores by the same deadline.
 */
export const STORE_TIMEOUT: unique symbol = Symbol.for('keycard.storeTimeoutMs');

/** The instance's `storeTimeoutMs`; the default for an object that is no keycard instance (a wrapper, a test double). */
export function storeTimeoutOf(keycard: object): number {
  const ms = (keycard as { [STORE_TIMEOUT]?: unknown })[STORE_TIMEOUT];
  return typeof ms === 'number' && ms > 0 ? ms : DEFAULT_STORE_TIMEOUT_MS;
}

/**
 * Runs `call` and bounds its answer by `ms`. Synchronous answers (the memory store) pass straight
 * through without a timer; a throw, a rejection or the deadline become `KeycardError('unavailable')`
 * with the original error as `cause`.
 */
export function bounded<T>(call: () => Awaitable<T>, ms: number, what: string): Awaitable<T> {
  let value: Awaitable<T>;
  try {
    value = withDeadline(call, ms, what);
  } catch (e) {
    throw unavailable(what, e);
  }
  if (!isThenable(value)) return value;
  return Promise.resolve(value).then(
    (v) => v,
    (e: unknown) => {
      throw unavailable(what, e);
    },
  );
}

/**
 * Runs `call` (an integrator's hook) and bounds its answer by `ms`: no answer in time rejects
 * with `KeycardError('unavailable')` "`what` timed out after `ms` ms"; a synchronous answer passes
 * through without a timer, and a throw or a rejection passes through as it is (the caller decides
 * how to report it).
 */
export function withDeadline<T>(call: () => Awaitable<T>, ms: number, what: string): Awaitable<T> {
  const value = call();
  // Any thenable, not only native promises: a query builder or a driver's own promise type
  // must not slip past the deadline.
  if (!isThenable(value)) return value;
  const pending = Promise.resolve(value);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeycardError('unavailable', `${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
}

const isThenable = <T>(value: Awaitable<T>): value is Promise<T> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/** A failure of `what` as the request path reports it: a KeycardError passes through, anything else becomes `unavailable`. */
export function unavailable(what: string, cause: unknown): KeycardError {
  // A KeycardError is already an answer (a bad cursor is invalid_argument, a duplicate a conflict).
  if (cause instanceof KeycardError) return cause;
  return new KeycardError('unavailable', `${what} failed`, { cause });
}

/** `promise`, or nothing once `ms` have passed (an unref'd timer): whichever comes first. */
export const within = (promise: Promise<void>, ms: number): Promise<void> =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms));
    (timer as { unref?: () => void }).unref?.();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
