import { describe, expect, it } from 'vitest';
import { createKeycard, memoryLimiter, memoryTokenStore, type TokenStore } from '../src/index.ts';
import type { StoreChange } from '../src/store-kit.ts';
import { fakeClock, type FakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';

/**
 * A memory store dressed as a shared one: each subscriber is a "process" whose channel the test
 * can cut or make lossy, and the test sends heartbeats by hand (as the Redis/Postgres stores'
 * timers would every ≤ 250 ms).
 */
function sharedStore() {
  const inner = memoryTokenStore();
  let seq = 0;
  const channels: { listener: (c: StoreChange) => void; cut: boolean; dropNext: boolean }[] = [];
  void inner.subscribe!((c) => {
    seq = Math.max(seq, c.seq);
    for (const ch of channels) {
      if (ch.cut) continue;
      if (ch.dropNext) {
        ch.dropNext = false;
        continue;
      }
      ch.listener(c);
    }
  });
  const store: TokenStore = {
    ...inner,
    shared: true,
    create: (t) => inner.create(t),
    findByHash: (h) => inner.findByHash(h),
    get: (id) => inner.get(id),
    list: (q) => inner.list(q),
    update: (id, p, v) => inner.update(id, p, v),
    revoke: (id, at, r) => inner.revoke(id, at, r),
    revokeAll: (f, at, r) => inner.revokeAll(f, at, r),
    touch: (id, at) => inner.touch(id, at),
    rehash: (id, a, b, v) => inner.rehash(id, a, b, v),
    announceOwner: (p) => inner.announceOwner(p),
    subscribe(listener) {
      const ch = { listener, cut: false, dropNext: false };
      channels.push(ch);
      return () => void channels.splice(channels.indexOf(ch), 1);
    },
  };
  const heartbeat = () => {
    for (const ch of channels) if (!ch.cut) ch.listener({ type: 'heartbeat', seq });
  };
  return { store, channels, heartbeat };
}

const processOn = (store: TokenStore, clock: FakeClock) =>
  createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    store,
    clock,
    limiter: memoryLimiter({ clock }),
    revocationBoundMs: 1000,
    onWarning: () => {},
  });

describe('cross-instance invalidation', () => {
  it('B refuses a token once its invalidation hook fired after A’s revoke() resolved', async () => {
    const clock = fakeClock();
    const { store, heartbeat } = sharedStore();
    const a = processOn(store, clock);
    const b = processOn(store, clock);
    const { token, record } = await a.issue({ ownerId: 'u', label: 'x' });
    heartbeat();
    expect((await b.verify(token)).ok).toBe(true);
    let fired = false;
    b.on('token.revoked', () => (fired = true));
    await a.revoke(record.id);
    expect(fired).toBe(true);
    expect(await b.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
  });

  it('with B’s subscriber cut, B stops trusting its cache once the bound has passed', async () => {
    const clock = fakeClock();
    const { store, channels, heartbeat } = sharedStore();
    const a = processOn(store, clock);
    const b = processOn(store, clock);
    const { token, record } = await a.issue({ ownerId: 'u', label: 'x' });
    heartbeat();
    expect((await b.verify(token)).ok).toBe(true); // cached in B
    channels[1]!.cut = true; // B's socket is half-open: it hears nothing more
    await a.revoke(record.id);
    clock.advance(250);
    heartbeat();
    expect((await b.verify(token)).ok).toBe(true); // still within the bound: the cache answers
    clock.advance(750);
    expect(await b.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
  });

  it('a lost message is caught by the next heartbeat’s sequence, which drops the cache', async () => {
    const clock = fakeClock();
    const { store, channels, heartbeat } = sharedStore();
    const a = processOn(store, clock);
    const b = processOn(store, clock);
    const { token, record } = await a.issue({ ownerId: 'u', label: 'x' });
    heartbeat();
    expect((await b.verify(token)).ok).toBe(true);
    channels[1]!.dropNext = true;
    await a.revoke(record.id);
    expect((await b.verify(token)).ok).toBe(true); // the message was lost: nothing told B yet
    clock.advance(100);
    heartbeat();
    expect(await b.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
  });

  it('revokeAll through one instance clears the others', async () => {
    const clock = fakeClock();
    const { store, heartbeat } = sharedStore();
    const a = processOn(store, clock);
    const b = processOn(store, clock);
    const t1 = await a.issue({ ownerId: 'leaver', label: 'x' });
    const t2 = await a.issue({ ownerId: 'leaver', label: 'y' });
    heartbeat();
    expect((await b.verify(t1.token)).ok).toBe(true);
    expect((await b.verify(t2.token)).ok).toBe(true);
    await a.revokeAll({ ownerId: 'leaver' });
    expect((await b.verify(t1.token)).ok).toBe(false);
    expect((await b.verify(t2.token)).ok).toBe(false);
  });

  it('without heartbeats a shared store’s cache is never trusted', async () => {
    const clock = fakeClock();
    const { store } = sharedStore();
    let lookups = 0;
    const counted = { ...store, findByHash: (h: string) => (lookups++, store.findByHash(h)) };
    const b = processOn(counted, clock);
    const { token } = await b.issue({ ownerId: 'u', label: 'x' });
    for (let i = 0; i < 3; i++) await b.verify(token);
    expect(lookups).toBe(3);
  });
});
