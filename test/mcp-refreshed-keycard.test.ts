/**
 * `refreshed` (src/adapters/mcp/hooks.ts) moves an MCP session's expiry timer when a request of the
 * session shows an expiry the timer does not know. For a keycard token it may only bring the end
 * nearer, never push it past what the store said last: an identity authenticated before an
 * `update()` (a request in flight while it ran, or read from a process's cache) still carries the
 * old, later expiry — or none — and must not re-arm the session the `token.updated` event had just
 * shortened. A later expiry set in another process ends the session at the one it knew (fail-closed:
 * the client opens a new session). OAuth JWTs keep their rule: a later `exp` of the same grant moves
 * the end out, as a refreshed JWT must.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeycard, type Identity } from '../src/index.ts';
import { refreshed, type Bound } from '../src/adapters/mcp/hooks.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';

const bound = (identity: Identity, until: number | null): Bound =>
  ({ identity, transport: {} as Bound['transport'], until, last: 0 }) as Bound;

describe('refreshed: a keycard token’s session never re-arms past what the store says', () => {
  it('an identity read before update() shortened the expiry does not undo the shortening', async () => {
    const clock = fakeClock();
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), clock });
    try {
      const { token, record } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
      const before = await keycard.verify(token);
      if (!before.ok) throw new Error('verify failed');
      const stale = before.identity; // a request authenticated now, still in flight
      const shortened = clock.now() + 300;
      await keycard.update(record.id, { expiresAt: shortened });
      const after = await keycard.verify(token);
      expect(after.ok && after.identity.expiresAt).toBe(shortened);
      // token.updated re-armed the session to the store's expiry; the in-flight request then touches it.
      const b = bound(stale, shortened);
      expect(stale.expiresAt === null || stale.expiresAt > shortened).toBe(true);
      expect(refreshed(b, stale)).toBe(false);
      // The fresher identity, of the shortened expiry, leaves the timer as it is.
      if (after.ok) expect(refreshed(b, after.identity)).toBe(false);
    } finally {
      await keycard.close();
    }
  });

  it('law: for a keycard token, refreshed ⇒ the new expiry is a time before the session’s end', async () => {
    const clock = fakeClock();
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), clock });
    try {
      const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
      const v = await keycard.verify(token);
      if (!v.ok) throw new Error('verify failed');
      const base = v.identity;
      const when = fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: null });
      fc.assert(
        fc.property(when, when, (until, expiresAt) => {
          const who = Object.assign(Object.create(Object.getPrototypeOf(base)), base, { expiresAt }) as Identity;
          const moved = refreshed(bound(base, until), who);
          const nearer = expiresAt !== null && expiresAt < (until ?? Infinity);
          expect(moved).toBe(nearer);
        }),
      );
    } finally {
      await keycard.close();
    }
  });
});
