/**
 * The store read of a cache miss (core/lookup.ts): a synchronous store is answered in the same tick,
 * a promised one through the single flight. Cases an independent review of that change found.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, memoryTokenStore } from '../src/index.ts';
import type { StoredToken, TokenStore } from '../src/core/store.ts';
import { generateToken } from '../src/store-kit.ts';
import { asyncStore, toadoScopes } from './helpers.ts';

describe('the store read on a cache miss (synchronous and promised stores)', () => {
  it('a store answering `undefined` for an unknown hash is still a 401 invalid_token, not a 503', async () => {
    const store = memoryTokenStore();
    const orig = store.findByHash.bind(store);
    store.findByHash = (h) => (orig(h) ?? undefined) as StoredToken | null;
    const errors: unknown[] = [];
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, onError: (e) => errors.push(e) });
    const { token } = await kc.issue({ ownerId: 'u', label: 'x' });
    void token;
    const forged = generateToken({ prefix: 'acme' });
    const r = await kc.verify(forged);
    expect(r).toMatchObject({ ok: false, code: 'invalid_token' });
    expect(errors).toEqual([]);
    await kc.close();
  });

  it('a lookup joining a flight never gets a read that was issued before an invalidation delivered during the store call', async () => {
    const inner = memoryTokenStore();
    const base = asyncStore(inner);
    let revokeDuringRead: string | null = null;
    // A driver that delivers a queued change notification synchronously while issuing a query:
    // the query (snapshot) was taken before the change, the notification reaches keycard before
    // findByHash returns its promise.
    const store = new Proxy(base, {
      get(t, prop, r) {
        if (prop === 'findByHash')
          return (h: string) => {
            const snapshot = inner.findByHash(h);
            if (revokeDuringRead) {
              const id = revokeDuringRead;
              revokeDuringRead = null;
              void inner.revoke(id, Date.now(), 'compromised'); // announced synchronously → cache.invalidate
            }
            return Promise.resolve(snapshot);
          };
        return Reflect.get(t, prop, r);
      },
    }) as TokenStore;
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store });
    const { token, record } = await kc.issue({ ownerId: 'u', label: 'x' });
    await new Promise((r) => setTimeout(r, 0));
    revokeDuringRead = record.id;
    const first = kc.verify(token); // its read began before the revoke: may answer ok
    // The revoke is done and announced: a verify that starts now must not see the live record.
    expect((await inner.get(record.id))!.revokedAt).not.toBeNull();
    const second = kc.verify(token);
    await first;
    expect(await second).toMatchObject({ ok: false, code: 'token_revoked' });
    await kc.close();
  });

  it('a non-native thenable from findByHash is awaited and bounded (not taken as a synchronous record)', async () => {
    const inner = memoryTokenStore();
    let hang = false;
    const store = new Proxy(inner, {
      get(t, prop, r) {
        if (prop === 'findByHash')
          return (h: string) => ({
            then(res: (v: unknown) => void) {
              if (!hang) setTimeout(() => res(inner.findByHash(h)), 5);
            },
          });
        return Reflect.get(t, prop, r);
      },
    }) as TokenStore;
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, storeTimeoutMs: 50, onError: () => {} });
    const { token } = await kc.issue({ ownerId: 'u', label: 'x' });
    expect(await kc.verify(token)).toMatchObject({ ok: true });
    const { token: t2 } = await kc.issue({ ownerId: 'u', label: 'y' });
    hang = true;
    expect(await kc.verify(t2)).toMatchObject({ ok: false, code: 'unavailable' });
    await kc.close();
  });

  it('lastUsedAt writes of one tick all land before close(), one throwing touch does not stop the others', async () => {
    const inner = memoryTokenStore();
    const errors: unknown[] = [];
    const origTouch = inner.touch.bind(inner);
    let bad: string | null = null;
    inner.touch = (id, at) => {
      if (id === bad) throw new Error('boom');
      return origTouch(id, at);
    };
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store: inner, onError: (e) => errors.push(e) });
    const issued = await Promise.all([1, 2, 3, 4].map((i) => kc.issue({ ownerId: 'u', label: `t${i}` })));
    bad = issued[1]!.record.id;
    for (const { token } of issued) void kc.verify(token);
    await kc.close();
    for (const [i, { record }] of issued.entries())
      if (i !== 1) expect((await inner.get(record.id))!.lastUsedAt).not.toBeNull();
  });
});
