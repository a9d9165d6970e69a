/** The public form of a stored token. */
import type { StoredToken, TokenRecord } from './store.ts';

/** Strips what must never leave the core: the hash and its pepper version. */
export function toRecord(t: StoredToken): TokenRecord {
  const { hash: _hash, pepperVersion: _pepper, ...record } = t;
  return record;
}
