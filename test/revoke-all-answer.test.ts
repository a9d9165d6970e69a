/**
 * A `revokeAll` (or a single `revoke`) whose store call throws although its write landed (a
 * timeout, a dropped connection after the commit): this instance's cache must not keep serving the
 * tokens it may have revoked, a retry of the same call audits what the lost call revoked exactly once, and a
 * lost call nobody retries is reported to `onError`. Real memory store, wrapped so that its
 * `revokeAll` writes and then throws; test/redis-paused-writes.test.ts and
 * test/postgres-paused-writes.test.ts do the same against real paused servers.
 */
import { describe, expect, it } from 'vitest';
import type { TokenAuditEvent } from '../src/core/audit.ts';
import type { TokenStore } from '../src/core/store.ts';
import { createKeycard, defineScopes, memoryAuditSink, memoryTokenStore, type RevokeAllOptions } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';

const scopes = defineScopes({ read: {} }, { defaults: ['read'] });

/**
 * A memory store with no change notifications (so this instance's cache is all that stands
 * between a revocation and a verify), whose next `lose` revoke calls (`revoke`, `revokeAll` and
 * `revokeAllIfCount`) write and then throw, or with `landed: false` throw without writing; its
 * next `failList` `list` calls fail.
 */
function losingStore() {
  const inner = memoryTokenStore();
  const state = { lose: 0, landed: true, failList: 0 };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'subscribe') return undefined;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'list' && state.failList > 0) {
        state.failList--;
        return () => Promise.reject(new Error('connection reset by peer'));
      }
      if (prop !== 'revoke' && prop !== 'revokeAll' && prop !== 'revokeAllIfCount') return value;
      return (...args: unknown[]) => {
        if (state.lose === 0) return (value as (...a: unknown[]) => unknown).apply(target, args);
        state.lose--;
        if (state.landed) (value as (...a: unknown[]) => unknown).apply(target, args);
        throw new Error('connection reset by peer');
      };
    },
  }) as TokenStore;
  return { store, state };
}

function instance() {
  const { store, state } = losingStore();
  const clock = fakeClock();
  const audit = memoryAuditSink();
  const errors: unknown[] = [];
  const keycard = createKeycard({ prefix: 'acme', scopes, store, clock, audit, onError: (e) => errors.push(e) });
  const revokedEvents = () =>
    audit.events.filter((e): e is TokenAuditEvent => e.type === 'token.revoked' && e.tokenId === null);
  return { keycard, store, state, clock, audit, revokedEvents, errors };
}

/** An instance holding two tokens of u1, after one `revokeAll` of u1 (with `opts`) lost its answer; `landed`: it wrote. */
async function afterLost(landed: boolean, opts: RevokeAllOptions = {}) {
  const i = instance();
  for (const label of ['a', 'b']) await i.keycard.issue({ ownerId: 'u1', label });
  Object.assign(i.state, { lose: 1, landed });
  await expect(i.keycard.revokeAll({ ownerId: 'u1' }, opts)).rejects.toMatchObject({ code: 'unavailable' });
  return i;
}

type Instance = ReturnType<typeof instance>;
/** The two revocations, each covering `t` (u1's) and not `other` (u2's). */
const revocations: [string, (i: Instance, t: { record: { id: string } }) => Promise<unknown>][] = [
  ['a single revoke', (i, t) => i.keycard.revoke(t.record.id)],
  ['a revokeAll', (i) => i.keycard.revokeAll({ ownerId: 'u1' })],
];

describe.each(revocations)('%s whose answer is lost', (_name, revokeIt) => {
  it('drops what it covers from this instance cache: a cached token answers revoked at once', async () => {
    const i = instance();
    const t = await i.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const other = await i.keycard.issue({ ownerId: 'u2', label: 'ci' });
    expect(await i.keycard.verify(t.token)).toMatchObject({ ok: true }); // now cached
    expect(await i.keycard.verify(other.token)).toMatchObject({ ok: true });
    i.state.lose = 1;
    await expect(revokeIt(i, t)).rejects.toMatchObject({ code: 'unavailable' });
    expect(await i.keycard.verify(t.token)).toEqual({ ok: false, code: 'token_revoked' });
    expect(await i.keycard.verify(other.token)).toMatchObject({ ok: true });
    await i.keycard.close();
  });

  it('a write that did not land leaves the tokens working (the cache only re-reads)', async () => {
    const i = instance();
    const t = await i.keycard.issue({ ownerId: 'u1', label: 'ci' });
    expect(await i.keycard.verify(t.token)).toMatchObject({ ok: true });
    Object.assign(i.state, { lose: 1, landed: false });
    await expect(revokeIt(i, t)).rejects.toMatchObject({ code: 'unavailable' });
    expect(await i.keycard.verify(t.token)).toMatchObject({ ok: true });
    await i.keycard.close();
  });
});

describe('a revokeAll whose answer is lost', () => {
  it('is reported to onError, and its retry audits what it revoked once, with its count and reason', async () => {
    const { keycard, state, clock, revokedEvents, errors } = instance();
    for (const label of ['a', 'b', 'c']) await keycard.issue({ ownerId: 'u1', label });
    await keycard.issue({ ownerId: 'u2', label: 'spared' });
    state.lose = 2;
    await expect(keycard.revokeAll({ ownerId: 'u1' }, { reason: 'offboarded' })).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toMatch(/revokeAll of owner u1/);
    clock.advance(10);
    // A second lost try (revokes nothing new) and another filter's call change nothing.
    await expect(keycard.revokeAll({ ownerId: 'u1' }, { reason: 'again' })).rejects.toMatchObject({
      code: 'unavailable',
    });
    clock.advance(10);
    expect(await keycard.revokeAll({ ownerId: 'u3' })).toEqual({ count: 0 });
    expect(revokedEvents().map((e) => e.count)).toEqual([0]); // u3's own event
    clock.advance(10);
    await keycard.issue({ ownerId: 'u1', label: 'issued since' });
    expect(await keycard.revokeAll({ ownerId: 'u1' }, { reason: 'retry' })).toEqual({ count: 4 });
    const events = revokedEvents().filter((e) => e.ownerId === 'u1');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ownerId: 'u1', count: 4, reason: 'offboarded' });
    // Settled: a later call audits only its own revocations.
    clock.advance(10);
    expect(await keycard.revokeAll({ ownerId: 'u1' })).toEqual({ count: 0 });
    expect(
      revokedEvents()
        .filter((e) => e.ownerId === 'u1')
        .map((e) => e.count),
    ).toEqual([4, 0]);
    await keycard.close();
  });

  it('whose write did not land: the retry audits its own revocations once', async () => {
    const { keycard, clock, revokedEvents } = await afterLost(false);
    clock.advance(10);
    expect(await keycard.revokeAll({ ownerId: 'u1' }, { reason: 'retry' })).toEqual({ count: 2 });
    expect(revokedEvents()).toEqual([expect.objectContaining({ count: 2, reason: 'retry' })]);
    await keycard.close();
  });

  it('with expectCount: a retry told count_changed still audits what the lost call revoked, once', async () => {
    const { keycard, clock, revokedEvents } = await afterLost(true, { expectCount: 2 });
    clock.advance(10);
    await expect(keycard.revokeAll({ ownerId: 'u1' }, { expectCount: 2 })).rejects.toMatchObject({
      code: 'count_changed',
      count: 0,
    });
    expect(revokedEvents()).toEqual([expect.objectContaining({ ownerId: 'u1', count: 2 })]);
    clock.advance(10);
    await expect(keycard.revokeAll({ ownerId: 'u1' }, { expectCount: 2 })).rejects.toMatchObject({
      code: 'count_changed',
    });
    expect(revokedEvents()).toHaveLength(1);
    await keycard.close();
  });

  it('retried in the same millisecond with the same reason: counted once, whichever call revoked', async () => {
    for (const landed of [true, false]) {
      const { keycard, revokedEvents } = await afterLost(landed, { reason: 'r' });
      expect(await keycard.revokeAll({ ownerId: 'u1' }, { reason: 'r' })).toEqual({ count: 2 });
      expect(revokedEvents()).toEqual([expect.objectContaining({ count: 2, reason: 'r' })]);
      await keycard.close();
    }
  });

  it('answered in time: one event per call, as before (no lost call to settle)', async () => {
    const { keycard, clock, revokedEvents, errors } = instance();
    for (const label of ['a', 'b']) await keycard.issue({ ownerId: 'u1', label });
    expect(await keycard.revokeAll({ ownerId: 'u1' })).toEqual({ count: 2 });
    clock.advance(10);
    expect(await keycard.revokeAll({ ownerId: 'u1' })).toEqual({ count: 0 });
    expect(revokedEvents().map((e) => e.count)).toEqual([2, 0]);
    expect(errors).toEqual([]);
    await keycard.close();
  });

  it('lost nine times in an outage: the first call, the one that revoked, is still audited by the retry', async () => {
    const { keycard, state, clock, revokedEvents, errors } = instance();
    for (const label of ['a', 'b']) await keycard.issue({ ownerId: 'u1', label });
    for (let i = 0; i < 9; i++) {
      state.lose = 1;
      await expect(keycard.revokeAll({ ownerId: 'u1' }, { reason: 'offboarded' })).rejects.toMatchObject({
        code: 'unavailable',
      });
      clock.advance(1000);
    }
    expect(await keycard.revokeAll({ ownerId: 'u1' }, { reason: 'offboarded' })).toEqual({ count: 2 });
    expect(revokedEvents()).toEqual([expect.objectContaining({ ownerId: 'u1', count: 2, reason: 'offboarded' })]);
    // The 9th lost call pushed one out of the 8 kept: a middle one (it revoked nothing), reported.
    expect(errors.map((e) => (e as Error).message).filter((m) => /no longer tracked/.test(m))).toHaveLength(1);
    await keycard.close();
  });

  it('a single revoke lost nine times: the first call, the one that revoked, is still audited by the retry', async () => {
    const { keycard, state, clock, audit, errors } = instance();
    const t = await keycard.issue({ ownerId: 'u1', label: 'ci' });
    for (let i = 0; i < 9; i++) {
      state.lose = 1;
      await expect(keycard.revoke(t.record.id, { reason: 'offboarded' })).rejects.toThrow();
      clock.advance(1000);
    }
    expect(await keycard.revoke(t.record.id, { reason: 'offboarded' })).toMatchObject({ revokedReason: 'offboarded' });
    expect(audit.events.filter((e) => e.type === 'token.revoked')).toEqual([
      expect.objectContaining({ tokenId: t.record.id, reason: 'offboarded' }),
    ]);
    expect(errors.map((e) => (e as Error).message).filter((m) => /no longer tracked/.test(m))).toHaveLength(1);
    await keycard.close();
  });

  it('whose look-up by the retry fails: onError hears it, and the next retry looks again and audits it', async () => {
    const { keycard, state, clock, revokedEvents, errors } = await afterLost(true, { reason: 'offboarded' });
    clock.advance(10);
    state.failList = 1;
    expect(await keycard.revokeAll({ ownerId: 'u1' }, { reason: 'retry' })).toEqual({ count: 0 });
    expect(errors.map((e) => (e as Error).message)).toContainEqual(
      expect.stringMatching(/could not read what a lost revokeAll of owner u1 revoked/),
    );
    clock.advance(10);
    expect(await keycard.revokeAll({ ownerId: 'u1' }, { reason: 'retry' })).toEqual({ count: 2 });
    expect(revokedEvents().map((e) => [e.count, e.reason ?? null])).toEqual([
      [0, 'retry'],
      [2, 'offboarded'],
    ]);
    await keycard.close();
  });
});
