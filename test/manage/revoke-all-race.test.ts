/**
 * "Revoke all" racing a create through the management API: a leaked management token mints a
 * child while the owner's session revokes everything, in the same millisecond (the app clock does
 * not move). The child's create reaches the store after the revokeAll, with `createdAt` equal to
 * the watermark — which the store contract (src/testing/token-store-suite-writes.ts, "at the
 * watermark: issued after the revokeAll") spares. Before the fix, the child outlived "Revoke all".
 *
 * `issue` marks the revokeAll changes its instance has applied before it creates, and refuses (and
 * revokes) a new token that one applied during the create covers, whatever the millisecond.
 */
import { expect, it } from 'vitest';
import { createKeycard, createManagementHandler, memoryTokenStore, type TokenStore } from '../../src/index.ts';
import { fakeClock } from '../../src/testing/index.ts';
import { BASE, ORIGIN, catalogue, sessionOf } from './fixture.ts';

it('a child minted by a management token in the same millisecond as "Revoke all" is not live', async () => {
  const inner = memoryTokenStore();
  let reached!: () => void;
  const atCreate = new Promise<void>((r) => (reached = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held = false;
  // The first create after arming waits until the revokeAll has committed.
  const store: TokenStore = Object.assign(Object.create(inner) as TokenStore, {
    create: async (t: Parameters<TokenStore['create']>[0]) => {
      if (held) {
        held = false;
        reached();
        await gate;
      }
      return inner.create(t);
    },
  });
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: catalogue(),
    store,
    clock: fakeClock(Date.UTC(2026, 0, 1)),
    onWarning: () => {},
    onError: () => {},
  });
  const handler = createManagementHandler(keycard, { basePath: BASE, managementScope: 'manage', authorize: sessionOf });
  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    handler(
      new Request(`${ORIGIN}${BASE}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
    );
  const { token: leaked } = await keycard.issue({ ownerId: 'alice', label: 'leaked', scopes: ['read', 'manage'] });
  held = true;
  const child = post('/tokens', { label: 'child', scopes: ['read'] }, { authorization: `Bearer ${leaked}` });
  await atCreate;
  const all = await post(
    '/tokens/revoke-all',
    { target: { ownerId: 'alice' }, reason: 'leak' },
    { cookie: 'sid=alice', origin: ORIGIN },
  );
  expect(all.status).toBe(200);
  release();
  await child;
  const live = (await keycard.list({ ownerId: 'alice', status: 'active', limit: 500 })).records;
  await keycard.close();
  expect(live.map((r) => r.label)).toEqual([]);
});

it('a token issued after "Revoke all" returned is live, even in the same millisecond (the clock does not move)', async () => {
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: catalogue(),
    clock: fakeClock(Date.UTC(2026, 0, 1)),
    onWarning: () => {},
    onError: () => {},
  });
  await keycard.issue({ ownerId: 'alice', label: 'old', scopes: ['read'] });
  expect(await keycard.revokeAll({ ownerId: 'alice' })).toEqual({ count: 1 });
  const fresh = await keycard.issue({ ownerId: 'alice', label: 'fresh', scopes: ['read'] });
  expect((await keycard.verify(fresh.token)).ok).toBe(true);
  const live = (await keycard.list({ ownerId: 'alice', status: 'active', limit: 500 })).records;
  await keycard.close();
  expect(live.map((r) => r.label)).toEqual(['fresh']);
});
