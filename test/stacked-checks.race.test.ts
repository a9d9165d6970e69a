/**
 * Stacked checks on one request object racing a revoke or a narrowing update (fc.scheduler): the
 * store's and the owner resolver's answers reach keycard in every order the scheduler picks.
 * Laws, whatever the interleaving:
 * - the request is charged at most once and records at most one `request.allowed`;
 * - a later check that starts while the first is pending waits for it: it never answers before it,
 *   and is never admitted when the first pass was refused;
 * - a later check naming another workspace, started after `revoke()` resolved, re-derives the owner
 *   bound from the live record and is refused 401 `token_revoked`;
 * - one started after a narrowing `update()` resolved never holds the scope it took away.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createKeycard, memoryAuditSink, memoryTokenStore, type AuthResult } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';
import { countingLimiter } from './mcp-helpers.ts';
import { scheduledStore } from './scheduled-store.ts';

const RUNS = 150;
const workspaces = fc.constantFrom<string | undefined>('w_a', 'w_b', undefined);
const scopes = fc.constantFrom<string | undefined>('read', 'tickets:write', undefined);

async function setup(s: fc.Scheduler, cacheSize: number) {
  const plain = memoryTokenStore();
  const [sink, counted] = [memoryAuditSink(), countingLimiter()];
  const keycard = createKeycard({
    ...{ prefix: 'acme', scopes: toadoScopes(), store: scheduledStore(s, plain), limiter: counted.limiter },
    ...{ audit: sink, cacheSize, onWarning: () => {}, onError: () => {} },
    // The owner writes tickets in every workspace; the resolver answers when the scheduler says.
    resolveOwner: s.scheduleFunction(async () => ({ status: 'active' as const, scopes: ['tickets:write'] })),
    ownerCacheMs: 0,
  });
  const issuer = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store: plain, onWarning: () => {} });
  const issued = await issuer.issue({ ownerId: 'u_1', label: 'agent', scopes: ['tickets:write'] });
  const request = { method: 'POST', url: '/api/tickets', headers: { authorization: `Bearer ${issued.token}` } };
  return { keycard, sink, charges: counted.charges, id: issued.record.id, request };
}

const allowedEvents = (sink: ReturnType<typeof memoryAuditSink>) =>
  sink.events.filter((e) => e.type === 'request.allowed').length;

describe('stacked checks on one request, racing revoke and update (fc.scheduler)', () => {
  test.prop([fc.scheduler(), workspaces, scopes, fc.constantFrom(0, 100)], { numRuns: RUNS })(
    'a later check while the first is pending waits for it; one charge, at most one admission event',
    async (s, ws, scope, cacheSize) => {
      const { keycard, sink, charges, request } = await setup(s, cacheSize);
      const order: string[] = [];
      const first = keycard.authenticate(request, { workspaceId: 'w_a' }).then((r) => (order.push('first'), r));
      const later = keycard.authenticate(request, { workspaceId: ws, scope }).then((r) => (order.push('later'), r));
      await s.waitFor(Promise.all([first, later]));
      const [a, b] = await Promise.all([first, later]);
      expect(order).toEqual(['first', 'later']);
      expect(a.ok).toBe(true);
      expect(b.ok).toBe(true); // the owner writes tickets everywhere, and nothing changed
      expect(charges()).toBe(1);
      await s.waitAll(); // the lastUsedAt write, so close() has nothing to wait for
      await keycard.close();
      expect(allowedEvents(sink)).toBe(1);
    },
  );

  test.prop([fc.scheduler(), fc.constantFrom(0, 100), fc.boolean()], { numRuns: RUNS })(
    'a later check naming another workspace after revoke() resolved is 401 token_revoked',
    async (s, cacheSize, firstPending) => {
      const { keycard, sink, charges, id, request } = await setup(s, cacheSize);
      const first = keycard.authenticate(request, { workspaceId: 'w_a' });
      if (!firstPending) await s.waitFor(first);
      const revoked = keycard.revoke(id);
      await s.waitFor(revoked);
      const later = keycard.authenticate(request, { workspaceId: 'w_b' });
      await s.waitFor(Promise.all([first, later]));
      const a: AuthResult = await first;
      const b: AuthResult = await later;
      expect(b.ok ? 'admitted' : b.skip ? 'skipped' : b.code).toBe(a.ok ? 'token_revoked' : a.skip ? '' : a.code);
      expect(charges()).toBeLessThanOrEqual(1);
      await s.waitAll(); // the lastUsedAt write, so close() has nothing to wait for
      await keycard.close();
      expect(allowedEvents(sink)).toBeLessThanOrEqual(1);
    },
  );

  test.prop([fc.scheduler(), fc.constantFrom(0, 100)], { numRuns: RUNS })(
    'a later check naming another workspace after a narrowing update() resolved never holds the scope taken away',
    async (s, cacheSize) => {
      const { keycard, charges, id, request } = await setup(s, cacheSize);
      const first = keycard.authenticate(request, { workspaceId: 'w_a' });
      const narrowed = keycard.update(id, { scopes: ['read'] });
      await s.waitFor(narrowed);
      const later = keycard.authenticate(request, { workspaceId: 'w_b', scope: 'tickets:write' });
      await s.waitFor(Promise.all([first, later]));
      const b = await later;
      expect(b.ok).toBe(false);
      if (!b.ok && !b.skip) expect(b.status).toBe(403);
      expect(charges()).toBe(1);
      await s.waitAll(); // the lastUsedAt write, so close() has nothing to wait for
      await keycard.close();
    },
  );
});
