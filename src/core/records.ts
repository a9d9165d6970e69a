/** The public form of a stored token, and the freezing that makes records immutable once stored. */
import type { StoredToken, TokenRecord } from './store.ts';
import { freeze } from './builtins.ts';

/** Strips what must never leave the core: the hash and its pepper version. */
export function toRecord(t: StoredToken): TokenRecord {
  const { hash: _hash, pepperVersion: _pepper, ...record } = t;
  return record;
}

/**
 * Freezes `value` and everything it holds, in place (records are keycard's own copies): the
 * memory store's reads and the cached identities return them without a copy.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
