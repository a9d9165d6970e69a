/**
 * Store and resolver calls with a deadline: a store that hangs must turn into a 503 within
 * `storeTimeoutMs`, never into a request that waits forever (SPEC §8, fail closed).
 */
import { KeycardError } from './errors.ts';
import type { Awaitable } from './store.ts';

/**
 * Runs `call` and bounds its answer by `ms`. Synchronous answers (the memory store) pass straight
 * through without a timer; a throw, a rejection or the deadline become `KeycardError('unavailable')`
 * with the original error as `cause`.
 */
export function bounded<T>(call: () => Awaitable<T>, ms: number, what: string): Awaitable<T> {
  let value: Awaitable<T>;
  try {
    value = call();
  } catch (e) {
    throw unavailable(what, e);
  }
  if (!(value instanceof Promise)) return value;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeycardError('unavailable', `${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([value, deadline]).then(
    (v) => {
      clearTimeout(timer);
      return v;
    },
    (e: unknown) => {
      clearTimeout(timer);
      throw unavailable(what, e);
    },
  );
}

function unavailable(what: string, cause: unknown): KeycardError {
  if (cause instanceof KeycardError && cause.code === 'unavailable') return cause;
  return new KeycardError('unavailable', `${what} failed`, { cause });
}
