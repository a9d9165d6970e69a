/** Shared test helpers: a counting store wrapper and the Toado-style catalogue. */
import { defineScopes, memoryTokenStore, type TokenStore } from '../src/index.ts';

export const toadoScopes = () =>
  defineScopes(
    {
      read: { description: 'Read everything' },
      comments: { implies: ['read'] },
      'tickets:write': { implies: ['read', 'comments'] },
      'tickets:assign': { implies: ['read'] },
    },
    { defaults: ['read'] },
  );

export type Counts = Record<string, number>;

/** Wraps a store so every method call is counted by name. */
/**
 * `inner` answering every call with a promise, as a store across a network does (the memory store
 * answers synchronously, and keycard answers a synchronous store in the same tick).
 */
export function asyncStore(inner: TokenStore = memoryTokenStore()): TokenStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

export function countingStore(inner: TokenStore = memoryTokenStore()): { store: TokenStore; counts: Counts } {
  const counts: Counts = {};
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        counts[String(prop)] = (counts[String(prop)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, counts };
}
