/**
 * "Revoke all" racing a create through the management API: a leaked management token mints a
 * child while the owner's session revokes everything, in the same millisecond (the app clock does
 * not move). The child's create reaches the store after the revokeAll, with `createdAt` equal to
 * the watermark — which the store contract (src/testing/token-store-suite-writes.ts, "at the
 * watermark: issued after the revokeAll") spares. So the child outlives "Revoke all".
 *
 * KNOWN DEFECT, left for a decision on the store contract (a tie at the watermark would have to
 * count as covered: `>=` in the memory, Redis and Postgres stores and in the conformance case).
 * `it.fails` holds the current behaviour; when the contract changes, this must become `it`.
 */
import { expect, it } from 'vitest';
import { createKeycard, createManagementHandler, memoryTokenStore, type TokenStore } from '../../src/index.ts';
import { fakeClock } from '../../src/testing/index.ts';
import { BASE, ORIGIN, catalogue, sessionOf } from './fixture.ts';

it.fails('a child minted by a management token in the same millisecond as "Revoke all" is not live', async () => {
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
