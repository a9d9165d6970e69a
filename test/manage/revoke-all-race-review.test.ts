/**
 * An independent review of the same-millisecond "Revoke all" fix: a shared store whose notifications
 * arrive asynchronously (as Redis pub/sub and Postgres LISTEN do), modelled by a memory store
 * marked `shared` whose subscription delivers each change `DELAY` ms late.
 */
import { expect, it } from 'vitest';
import { createKeycard, memoryTokenStore } from '../../src/index.ts';
import { fakeClock } from '../../src/testing/index.ts';
import { catalogue, heldCreates } from './fixture.ts';

const T0 = Date.UTC(2026, 0, 1);
const DELAY = 20;
const quiet = { onWarning: () => {}, onError: () => {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A memory store marked shared whose notifications arrive `DELAY` ms late. */
const lateStore = () => heldCreates(memoryTokenStore(), DELAY, { shared: true });

it('shared store: a token minted in the same ms as a revokeAll of this instance is not live', async () => {
  const { store, hold } = lateStore();
  const keycard = createKeycard({ prefix: 'acme', scopes: catalogue(), store, clock: fakeClock(T0), ...quiet });
  await sleep(5);
  const h = hold();
  const child = keycard.issue({ ownerId: 'alice', label: 'child', scopes: ['read'] }).then(
    () => 'issued',
    (e: { code?: string }) => e.code,
  );
  await h.atCreate;
  await keycard.revokeAll({ ownerId: 'alice' }); // returns before its notification arrives
  h.release();
  const outcome = await child; // settles before the notification arrives (DELAY ms later)
  const live = (await keycard.list({ ownerId: 'alice', status: 'active', limit: 500 })).records;
  await sleep(DELAY * 2);
  await keycard.close();
  expect(outcome).toBe('token_revoked');
  expect(live.map((r) => r.label)).toEqual([]);
});

it('shared store: a token issued a second after revokeAll returned is not refused by its late notification', async () => {
  const { store, hold } = lateStore();
  const clock = fakeClock(T0);
  const keycard = createKeycard({ prefix: 'acme', scopes: catalogue(), store, clock, ...quiet });
  await sleep(5);
  await keycard.revokeAll({ ownerId: 'alice' });
  clock.advance(1000); // strictly later: createdAt > watermark
  const h = hold();
  const fresh = keycard.issue({ ownerId: 'alice', label: 'fresh', scopes: ['read'] }).then(
    () => 'issued',
    (e: { code?: string }) => e.code,
  );
  await h.atCreate;
  await sleep(DELAY * 2); // the revokeAll's notification arrives while the create is in flight
  h.release();
  const outcome = await fresh;
  await keycard.close();
  expect(outcome).toBe('issued');
});

it('memory store: a revokeAll during the actor checks (before the mark) in the same ms spares the child', async () => {
  let reached!: () => void;
  const atResolver = new Promise<void>((r) => (reached = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let armed = false;
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: catalogue(),
    clock: fakeClock(T0),
    workspaceRateLimit: async () => {
      if (armed) {
        armed = false;
        reached();
        await gate;
      }
      return null;
    },
    ...quiet,
  });
  const leaked = await keycard.issue({ ownerId: 'alice', workspaceId: 'w1', label: 'leaked', scopes: ['read'] });
  const v = await keycard.verify(leaked.token);
  if (!v.ok) throw new Error('leaked token should verify');
  armed = true;
  const child = keycard
    .issue({
      ownerId: 'alice',
      workspaceId: 'w1',
      label: 'child',
      scopes: ['read'],
      actor: { kind: 'token', identity: v.identity },
    })
    .then(
      () => 'issued',
      (e: { code?: string }) => e.code,
    );
  await atResolver; // issue has read createdAt (T0) and is awaiting assertActorMayLimit
  await keycard.revokeAll({ ownerId: 'alice' }); // watermark T0 == child's createdAt
  release();
  const outcome = await child;
  const live = (await keycard.list({ ownerId: 'alice', status: 'active', limit: 500 })).records;
  await keycard.close();
  expect(outcome).toBe('token_revoked');
  expect(live.map((r) => r.label)).toEqual([]);
});
