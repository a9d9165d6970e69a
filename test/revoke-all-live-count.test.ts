/**
 * "Revoke all" counts the live tokens (SPEC §12, §11): an owner with 2 active tokens, 1 expired
 * (not revoked) and 1 revoked is told "revokes 2", `expectCount: 2` — the length of the default
 * (active) listing — revokes, and `expectCount: 3` is refused with the live count 2. Through
 * `keycard.revokeAll`, `POST /tokens/revoke-all`, and a revokeAll whose answer was lost and is
 * retried; on every store: memory, PGlite, and Redis and a Postgres server when their URLs are set.
 * Before the change every store counted the expired token too (3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryTokenStore, type Keycard, type TokenStore, type UserActor } from '../src/index.ts';
import { randomHex } from '../src/testing/index.ts';
import { setup } from './manage/fixture.ts';
import { BACKENDS } from './store-backends.ts';

/** `inner`, whose next `state.lose` revokeAll calls write and then throw (an answer lost after the commit). */
function losing(inner: TokenStore) {
  const state = { lose: 0 };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'revokeAll' && prop !== 'revokeAllIfCount') return value;
      return async (...args: unknown[]) => {
        const answer = await (value as (...a: unknown[]) => unknown).apply(target, args);
        if (state.lose === 0) return answer;
        state.lose--;
        throw new Error('connection reset by peer');
      };
    },
  }) as TokenStore;
  return { store, state };
}

/** The management fixture over `inner` (made to lose answers on cue), each request acting as its `x-user`. */
function world(inner: TokenStore) {
  const { store, state } = losing(inner);
  const authorize = (r: Request): UserActor => ({
    kind: 'user',
    id: r.headers.get('x-user') ?? '',
    scopes: ['read', 'manage'],
  });
  const { keycard, clock, sink: audit, call } = setup({ authorize, managementScope: 'manage' }, store);
  const http = async (method: string, path: string, owner: string, body?: unknown) => {
    const res = await call(method, path, {
      as: null,
      headers: { 'x-user': owner },
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { keycard, clock, audit, state, http };
}

/** A fresh owner with 2 live tokens, 1 expired (not revoked) and 1 revoked, at the clock's now. */
async function twoLive(w: ReturnType<typeof world>) {
  const owner = `usr_${randomHex(6)}`;
  const issue = (label: string, more = {}) =>
    w.keycard.issue({ ownerId: owner, label, scopes: ['read'], ...more }).then((t) => t.record.id);
  const expired = await issue('expired', { expiresIn: 60_000 });
  const revoked = await issue('revoked');
  await w.keycard.revoke(revoked);
  w.clock.advance(120_000); // `expired` expired a minute ago
  const live = [await issue('live 1'), await issue('live 2', { expiresIn: 60_000 })];
  return { owner, live, expired, revoked };
}

/** Which of `owner`'s tokens are revoked, by id. */
async function revokedIds(keycard: Keycard, owner: string) {
  const { records } = await keycard.list({ ownerId: owner, limit: 500 });
  return records
    .filter((r) => r.revokedAt !== null)
    .map((r) => r.id)
    .sort();
}

describe.each(BACKENDS)('$name', (backend) => {
  let inner: TokenStore;
  let close: () => Promise<void>;
  beforeAll(async () => ({ store: inner, close } = await backend.open()), 60_000);
  afterAll(async () => close());

  it('keycard.revokeAll answers the live count; expectCount 3 is refused with 2, expectCount 2 revokes', async () => {
    const w = world(inner);
    const { owner, live, expired, revoked } = await twoLive(w);
    await expect(w.keycard.revokeAll({ ownerId: owner }, { expectCount: 3 })).rejects.toMatchObject({
      code: 'count_changed',
      count: 2,
    });
    expect(await revokedIds(w.keycard, owner)).toEqual([revoked]);
    expect(await w.keycard.revokeAll({ ownerId: owner }, { expectCount: 2, reason: 'confirmed' })).toEqual({
      count: 2,
    });
    // The expired token is revoked too (belt and braces), but it was not counted.
    expect(await revokedIds(w.keycard, owner)).toEqual([...live, expired, revoked].sort());
    const events = w.audit.events.filter((e) => e.type === 'token.revoked' && e.tokenId === null);
    expect(events.map((e) => ('count' in e ? e.count : null))).toEqual([2]);
    const again = await twoLive(w);
    expect(await w.keycard.revokeAll({ ownerId: again.owner })).toEqual({ count: 2 });
    await w.keycard.close();
  });

  it('POST /tokens/revoke-all: the length of the default listing is accepted, one more is 409 expected 3, actual 2', async () => {
    const w = world(inner);
    const { owner, live, expired, revoked } = await twoLive(w);
    const listing = await w.http('GET', '/tokens', owner);
    expect(listing.status).toBe(200);
    const shown = listing.body['data'] as unknown[];
    expect(shown).toHaveLength(2);
    const body = (expectCount: number) => ({ target: { ownerId: owner }, reason: 'laptop stolen', expectCount });
    const refused = await w.http('POST', '/tokens/revoke-all', owner, body(3));
    expect(refused).toMatchObject({ status: 409, body: { code: 'count_changed', expected: 3, actual: 2 } });
    expect(await revokedIds(w.keycard, owner)).toEqual([revoked]);
    expect(await w.http('POST', '/tokens/revoke-all', owner, body(shown.length))).toEqual({
      status: 200,
      body: { count: 2 },
    });
    expect(await revokedIds(w.keycard, owner)).toEqual([...live, expired, revoked].sort());
    await w.keycard.close();
  });

  it('a revokeAll whose answer was lost, retried, resolves to the live count (and audits 2)', async () => {
    const w = world(inner);
    const { owner } = await twoLive(w);
    w.state.lose = 1;
    await expect(w.keycard.revokeAll({ ownerId: owner }, { reason: 'offboarded' })).rejects.toMatchObject({
      code: 'unavailable',
    });
    // 'live 2' expires between the lost call and its retry: it was live at the lost call's instant,
    // so it counts (judged at the retry's instant it would not).
    w.clock.advance(120_000);
    expect(await w.keycard.revokeAll({ ownerId: owner }, { reason: 'retry' })).toEqual({ count: 2 });
    const events = w.audit.events.filter((e) => e.type === 'token.revoked' && e.tokenId === null);
    expect(events.map((e) => ('count' in e ? [e.count, e.reason] : null))).toEqual([[2, 'offboarded']]);
    await w.keycard.close();
  });

  it('a confirmed revokeAll (expectCount 2) whose answer was lost: the retry told count_changed still audits 2', async () => {
    const w = world(inner);
    const { owner } = await twoLive(w);
    w.state.lose = 1;
    await expect(
      w.keycard.revokeAll({ ownerId: owner }, { expectCount: 2, reason: 'confirmed' }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    w.clock.advance(10);
    await expect(w.keycard.revokeAll({ ownerId: owner }, { expectCount: 2 })).rejects.toMatchObject({
      code: 'count_changed',
      count: 0,
    });
    const events = w.audit.events.filter((e) => e.type === 'token.revoked' && e.tokenId === null);
    expect(events.map((e) => ('count' in e ? [e.count, e.reason] : null))).toEqual([[2, 'confirmed']]);
    await w.keycard.close();
  });
});

// A custom store without `revokeAllIfCount`: keycard counts with `list`, then revokes. It counts
// the same live tokens (a token whose expiresAt is the call's instant is expired).
it('a store without revokeAllIfCount: expectCount counts live tokens only (3 refused with 2, 2 revokes)', async () => {
  const inner = memoryTokenStore();
  const store = Object.assign(Object.create(inner) as TokenStore, { revokeAllIfCount: undefined });
  const authorize = (): UserActor => ({ kind: 'user', id: 'u', scopes: ['read', 'manage'] });
  const { keycard, clock } = setup({ authorize, managementScope: 'manage' }, store); // not losing(): it would add the method back
  const owner = 'usr_fallback';
  await keycard.issue({ ownerId: owner, label: 'short', scopes: ['read'], expiresIn: 60_000 });
  clock.advance(60_000); // expiresAt === now
  await keycard.issue({ ownerId: owner, label: 'a', scopes: ['read'] });
  await keycard.issue({ ownerId: owner, label: 'b', scopes: ['read'] });
  await expect(keycard.revokeAll({ ownerId: owner }, { expectCount: 3 })).rejects.toMatchObject({
    code: 'count_changed',
    count: 2,
  });
  expect(await keycard.revokeAll({ ownerId: owner }, { expectCount: 2 })).toEqual({ count: 2 });
  await keycard.close();
});
