/**
 * SPEC §1.2: "with the cache turned off, [a revoked token fails] on the very next request
 * everywhere". Two keycard instances share one store (PGlite always; Redis and a Postgres server
 * when configured) with `cacheSize: 0`. B's lookup of a token reads the live record and is held
 * there; A revokes; a verification B starts after A's `revoke()` resolved — before B has heard
 * the notification, which may take up to `revocationBoundMs` — must read the store itself and
 * be refused, not share the read that began before the revocation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, memoryLimiter, type Keycard, type TokenStore } from '../src/index.ts';
import type { StoreChange } from '../src/core/store.ts';
import { toadoScopes } from './helpers.ts';
import { SHARED } from './shared-backends.ts';

/**
 * B's view of the store: a lookup can be held after it read (`hold()`), and notifications can be
 * held back (as a slow subscriber socket would), then delivered in order.
 */
function holdable(inner: TokenStore) {
  let gate: Promise<void> | null = null;
  let release = () => {};
  let read: () => void = () => {};
  let held: StoreChange[] | null = null;
  let listener: ((c: StoreChange) => void) | null = null;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'findByHash')
        return async (hash: string) => {
          const found = await target.findByHash(hash);
          if (gate) {
            const g = gate;
            gate = null;
            read();
            await g;
          }
          return found;
        };
      if (prop === 'subscribe')
        return (fn: (c: StoreChange) => void) => {
          listener = fn;
          return target.subscribe!((c) => (held ? held.push(c) : fn(c)));
        };
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return {
    store,
    /** The next lookup reads, then waits; resolves once it has read. */
    hold(): Promise<void> {
      gate = new Promise<void>((r) => (release = r));
      return new Promise<void>((r) => (read = r));
    },
    release: () => release(),
    muteChanges: () => void (held = []),
    deliverChanges: () => {
      const changes = held ?? [];
      held = null;
      for (const c of changes) listener?.(c);
    },
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

describe('revoke then use, two instances sharing a store, cache off (SPEC §1.2)', () => {
  for (const backend of SHARED) {
    it(`${backend.name}: a verification B starts after A's revoke() resolved is refused, though a read from before is in flight`, async () => {
      const { a: storeA, b: inner, close } = await backend.open();
      cleanups.push(close);
      const b = holdable(inner);
      const make = (store: TokenStore): Keycard => {
        const k = createKeycard({
          prefix: 'acme',
          scopes: toadoScopes(),
          store,
          limiter: memoryLimiter(),
          cacheSize: 0,
          onWarning: () => {},
          onError: () => {},
        });
        cleanups.push(() => k.close());
        return k;
      };
      const A = make(storeA);
      const B = make(b.store);
      const { token, record } = await A.issue({ ownerId: 'usr_race', label: 'x' });
      expect((await B.verify(token)).ok).toBe(true);

      const hasRead = b.hold();
      const before = B.verify(token); // began before the revocation: may answer either way
      await hasRead;
      b.muteChanges(); // B has not heard of the revocation yet (within revocationBoundMs)
      await A.revoke(record.id);
      const after = B.verify(token); // the very next request after revoke() resolved
      b.release();
      await before;
      expect(await after).toEqual({ ok: false, code: 'token_revoked' });
      b.deliverChanges();
    });
  }
});
