/**
 * `TokenStore.revoke` answers `revokedNow`: only the call that revoked a token audits and announces
 * it. A store written before `revokedNow` (it answers the record alone) keeps working: keycard then
 * judges by the time it passed (`revokedAt === at`).
 */
import { describe, expect, it } from 'vitest';
import type { TokenAuditEvent } from '../src/core/audit.ts';
import type { RevokeAnswer, TokenStore } from '../src/core/store.ts';
import { createKeycard, defineScopes, memoryAuditSink, memoryTokenStore } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { leakFixture } from './leaks-fixture.ts';

const scopes = defineScopes({ read: {} }, { defaults: ['read'] });

/** A memory store whose `revoke` answers as stores did before `revokedNow`: the record alone. */
function storeWithoutRevokedNow(): TokenStore {
  const inner = memoryTokenStore();
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'revoke') return Reflect.get(target, prop, receiver) as unknown;
      return (id: string, at: number, reason: string | null) => {
        const answer = target.revoke(id, at, reason) as RevokeAnswer | null;
        if (answer === null) return null;
        const { revokedNow: _dropped, ...record } = answer;
        return record;
      };
    },
  });
}

function instance(store: TokenStore) {
  const clock = fakeClock();
  const audit = memoryAuditSink();
  const keycard = createKeycard({ prefix: 'acme', scopes, store, clock, audit });
  const revokedEvents = (id: string) =>
    audit.events.filter((e): e is TokenAuditEvent => e.type === 'token.revoked' && e.tokenId === id);
  return { keycard, clock, revokedEvents };
}

describe.each([
  ['a built-in store (answers revokedNow)', memoryTokenStore],
  ['a store written before revokedNow', storeWithoutRevokedNow],
] as const)('revoke on %s', (_name, makeStore) => {
  it('audits and announces the revocation once; a later revoke answers the record and audits nothing', async () => {
    const { keycard, clock, revokedEvents } = instance(makeStore());
    const heard: string[] = [];
    keycard.on('token.revoked', (e) => void heard.push(e.tokenId));
    const t = await keycard.issue({ ownerId: 'u1', label: 'ci' });
    const first = await keycard.revoke(t.record.id, { reason: 'first' });
    expect(first).not.toHaveProperty('revokedNow');
    clock.advance(1_000);
    const second = await keycard.revoke(t.record.id, { reason: 'second' });
    expect(second).toEqual(first);
    expect(revokedEvents(t.record.id)).toHaveLength(1);
    expect(revokedEvents(t.record.id)[0]).toMatchObject({ reason: 'first' });
    expect(heard).toEqual([t.record.id]);
  });

  it('the leak intake revokes, notifies once, and answers a replay as already revoked', async () => {
    const { keycard, clock, revokedEvents } = instance(makeStore());
    const f = await leakFixture({}, keycard, clock);
    const live = await keycard.issue({ ownerId: 'u1', label: 'ci' });
    const body = f.body([live.token]);
    expect((await f.handler(await f.report(body))).status).toBe(200);
    clock.advance(1_000);
    expect((await f.handler(await f.report(body))).status).toBe(200);
    expect(f.notices.map((n) => n.record.id)).toEqual([live.record.id]);
    expect(f.notices[0]!.record).not.toHaveProperty('revokedNow');
    expect(revokedEvents(live.record.id)).toHaveLength(1);
    expect(await keycard.verify(live.token)).toEqual({ ok: false, code: 'token_revoked' });
  });
});

/**
 * A memory store whose `revoke` writes at once but whose next answer arrives `lateMs` after the
 * caller's deadline (a slow Postgres, a Redis reply held up): the write landed, the caller saw 503.
 */
function storeAnsweringLate(lateMs: number) {
  const inner = memoryTokenStore();
  const state = { slow: 0 };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'revoke') return Reflect.get(target, prop, receiver) as unknown;
      return (id: string, at: number, reason: string | null) => {
        const answer = target.revoke(id, at, reason);
        if (state.slow === 0) return answer;
        state.slow--;
        return new Promise((resolve) => setTimeout(() => resolve(answer), lateMs));
      };
    },
  });
  return { store, state };
}

describe('a revoke whose answer came after the deadline', () => {
  it('is audited once, by the retry that finds the revocation it sent (not zero times, not twice)', async () => {
    const { store, state } = storeAnsweringLate(150);
    const audit = memoryAuditSink();
    const keycard = createKeycard({ prefix: 'acme', scopes, store, audit, storeTimeoutMs: 20, onError: () => {} });
    const heard: string[] = [];
    keycard.on('token.revoked', (e) => void heard.push(e.tokenId));
    const t = await keycard.issue({ ownerId: 'u1', label: 'ci' });
    state.slow = 2;
    // Two attempts time out; both writes land (the second keeps the first's time and reason).
    await expect(keycard.revoke(t.record.id, { reason: 'compromised' })).rejects.toMatchObject({ code: 'unavailable' });
    await expect(keycard.revoke(t.record.id, { reason: 'again' })).rejects.toMatchObject({ code: 'unavailable' });
    const retried = await keycard.revoke(t.record.id, { reason: 'third' });
    expect(retried.revokedAt).not.toBeNull();
    await keycard.revoke(t.record.id, { reason: 'fourth' });
    await new Promise((r) => setTimeout(r, 200)); // the late answers arrive, and change nothing
    const events = audit.events.filter((e): e is TokenAuditEvent => e.type === 'token.revoked');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ tokenId: t.record.id, reason: 'compromised' });
    expect(heard).toEqual([t.record.id]);
    await keycard.close();
  });

  it('a retry that finds a revocation another caller made is not audited as its own', async () => {
    const { store, state } = storeAnsweringLate(150);
    const audit = memoryAuditSink();
    const clock = fakeClock();
    const keycard = createKeycard({
      prefix: 'acme',
      scopes,
      store,
      clock,
      audit,
      storeTimeoutMs: 20,
      onError: () => {},
    });
    const t = await keycard.issue({ ownerId: 'u1', label: 'ci' });
    // Another process revoked it first (straight to the store, with its own time).
    await store.revoke(t.record.id, clock.now(), 'elsewhere');
    clock.advance(5);
    state.slow = 1;
    await expect(keycard.revoke(t.record.id)).rejects.toMatchObject({ code: 'unavailable' });
    await keycard.revoke(t.record.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(audit.events.filter((e) => e.type === 'token.revoked')).toEqual([]);
    await keycard.close();
  });
});
