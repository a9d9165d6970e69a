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

/**
 * Wraps a store so `before(method)` runs just before each of its calls (to count them, or to fault
 * the server at one), and `after(method)` once a call has answered, before its caller goes on.
 */
export function watchedStore<T extends object>(
  inner: T,
  before: (method: string) => void,
  after?: (method: string) => void,
): T {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        before(String(prop));
        const r = (value as (...a: unknown[]) => unknown).apply(target, args);
        // Registered before the caller's own callbacks, so it runs first.
        if (after && r instanceof Promise)
          r.then(
            () => after(String(prop)),
            () => {},
          );
        else if (after) after(String(prop));
        return r;
      };
    },
  });
}

/** Wraps a store so every method call is counted by name. */
export function countingStore(inner: TokenStore = memoryTokenStore()): { store: TokenStore; counts: Counts } {
  const counts: Counts = {};
  const store = watchedStore(inner, (method) => (counts[method] = (counts[method] ?? 0) + 1));
  return { store, counts };
}
