/**
 * "Revoke all" racing a create through the management API: a leaked management token mints a
 * child while the owner's session revokes everything, in the same millisecond (the app clock does
 * not move). The child's create reaches the store after the revokeAll, with `createdAt` equal to
 * the watermark — which the store contract (src/testing/token-store-suite-writes.ts, "at the
 * watermark: issued after the revokeAll") spares. Before the fix, the child outlived "Revoke all".
 *
 * `issue` marks the revokeAlls its instance has recorded before it creates (its own when they
 * return, others' when their notification arrives), and refuses (and revokes) a new token that
 * one recorded during the create covers at its watermark. On every store: memory, PGlite, and
 * Redis and a Postgres server when their URLs are set (scripts/with-servers.sh).
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler } from '../../src/index.ts';
import { fakeClock } from '../../src/testing/index.ts';
import { BACKENDS } from '../store-backends.ts';
import { BASE, ORIGIN, catalogue, heldCreates, sessionOf } from './fixture.ts';

const T0 = Date.UTC(2026, 0, 1);
const quiet = { onWarning: () => {}, onError: () => {} };

describe.each(BACKENDS)('$name', (backend) => {
  it('a child minted by a management token in the same millisecond as "Revoke all" is not live', async () => {
    const { store: inner, close } = await backend.open();
    // Creates can be held until the revokeAll has returned; change notifications arrive late (a
    // slow subscriber), so the instance must know of its own revokeAll at once.
    const { store, hold } = heldCreates(inner, 200);
    const keycard = createKeycard({ prefix: 'acme', scopes: catalogue(), store, clock: fakeClock(T0), ...quiet });
    const handler = createManagementHandler(keycard, {
      basePath: BASE,
      managementScope: 'manage',
      authorize: sessionOf,
    });
    const post = (path: string, body: unknown, headers: Record<string, string>) =>
      handler(
        new Request(`${ORIGIN}${BASE}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        }),
      );
    try {
      const { token: leaked } = await keycard.issue({ ownerId: 'alice', label: 'leaked', scopes: ['read', 'manage'] });
      const h = hold();
      const child = post('/tokens', { label: 'child', scopes: ['read'] }, { authorization: `Bearer ${leaked}` });
      await h.atCreate;
      const all = await post(
        '/tokens/revoke-all',
        { target: { ownerId: 'alice' }, reason: 'leak' },
        { cookie: 'sid=alice', origin: ORIGIN },
      );
      expect(all.status).toBe(200);
      h.release();
      const answer = await child;
      expect(answer.status).not.toBe(201); // no secret handed out
      const live = (await keycard.list({ ownerId: 'alice', status: 'active', limit: 500 })).records;
      expect(live.map((r) => r.label)).toEqual([]);
    } finally {
      await keycard.close();
      await close();
    }
  });

  it('a token issued after "Revoke all" returned is live, even in the same millisecond', async () => {
    const { store, close } = await backend.open();
    const keycard = createKeycard({ prefix: 'acme', scopes: catalogue(), store, clock: fakeClock(T0), ...quiet });
    try {
      await keycard.issue({ ownerId: 'alice', label: 'old', scopes: ['read'] });
      expect(await keycard.revokeAll({ ownerId: 'alice' })).toEqual({ count: 1 });
      // Whenever a shared store's notification of that revokeAll arrives, it is not a new one.
      for (let i = 0; i < 5; i++) {
        const fresh = await keycard.issue({ ownerId: 'alice', label: `fresh ${i}`, scopes: ['read'] });
        expect((await keycard.verify(fresh.token)).ok).toBe(true);
        await new Promise((r) => setTimeout(r, 10));
      }
      const live = (await keycard.list({ ownerId: 'alice', status: 'active', limit: 500 })).records;
      expect(live.map((r) => r.label).sort()).toEqual(['fresh 0', 'fresh 1', 'fresh 2', 'fresh 3', 'fresh 4']);
    } finally {
      await keycard.close();
      await close();
    }
  });
});

it('a token whose minting token was revoked before the create returned is refused and not live', async () => {
  const clock = fakeClock(T0);
  const keycard = createKeycard({ prefix: 'acme', scopes: catalogue(), clock, ...quiet });
  try {
    const leaked = await keycard.issue({ ownerId: 'alice', label: 'leaked', scopes: ['read', 'manage'] });
    const verified = await keycard.verify(leaked.token);
    if (!verified.ok) throw new Error('the leaked token should verify');
    // The request was authenticated; "Revoke all" lands a second later, before the child is made.
    clock.advance(1_000);
    await keycard.revokeAll({ ownerId: 'alice' });
    clock.advance(1_000);
    await expect(
      keycard.issue({
        ownerId: 'alice',
        label: 'child',
        scopes: ['read'],
        actor: { kind: 'token', identity: verified.identity },
      }),
    ).rejects.toMatchObject({ code: 'token_revoked' });
    const live = (await keycard.list({ ownerId: 'alice', status: 'active', limit: 500 })).records;
    expect(live).toEqual([]);
  } finally {
    await keycard.close();
  }
});
