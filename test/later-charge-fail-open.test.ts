/**
 * `limiterFailure: 'open'` on a later check's charge (chargeLater, src/core/first-pass.ts): a route
 * guard declaring `class: 'write'` behind a router guard that charged a read. The first charge's
 * fail-open is audited as `request.allowed` with `degraded: true` (docs/http.md); the later one
 * admitted with no mark at all, so the audit log could not tell that a write passed unlimited.
 * Now it leaves the same mark: its own `request.allowed`, `degraded: true`, the request's id.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, memoryAuditSink, type RequestAuditEvent } from '../src/index.ts';
import { limiterFailing, scopes, SPLIT } from './later-charge-fixture.ts';

async function run(failing: 'read' | 'write', how: 'throw' | 'reject') {
  const audit = memoryAuditSink();
  const keycard = createKeycard({
    prefix: 'acme',
    scopes,
    rateLimit: SPLIT,
    limiter: limiterFailing(failing, how),
    limiterFailure: 'open',
    audit,
    onError: () => {},
    onWarning: () => {},
  });
  const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['export'] });
  const request = new Request('http://localhost/api/export', {
    headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-7' },
  });
  const first = await keycard.authenticate(request);
  const later = await keycard.authenticate(request, { class: 'write', surface: 'http' });
  await keycard.close();
  const events = audit.events.filter((e) => e.type.startsWith('request.')) as RequestAuditEvent[];
  return { ok: [first.ok, later.ok], events };
}

describe("limiterFailure: 'open' leaves the same audit mark on a first and a later charge", () => {
  it.each(['throw', 'reject'] as const)('first charge failing (%s): request.allowed, degraded: true', async (how) => {
    // A GET declared write from the start: the first charge is the failing write.
    const audit = memoryAuditSink();
    const keycard = createKeycard({
      prefix: 'acme',
      scopes,
      rateLimit: SPLIT,
      limiter: limiterFailing('write', how),
      limiterFailure: 'open',
      audit,
      onError: () => {},
      onWarning: () => {},
    });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['export'] });
    const request = new Request('http://localhost/api/export', { headers: { authorization: `Bearer ${token}` } });
    expect((await keycard.authenticate(request, { class: 'write' })).ok).toBe(true);
    await keycard.close();
    const allowed = audit.events.filter((e) => e.type === 'request.allowed');
    expect(allowed.map((e) => (e as { degraded?: boolean }).degraded)).toEqual([true]);
  });

  it.each(['throw', 'reject'] as const)(
    'later charge failing (%s): its own request.allowed, degraded: true',
    async (how) => {
      const { ok, events } = await run('write', how);
      expect(ok).toEqual([true, true]);
      expect(events.map((e) => [e.type, e.degraded ?? false, e.requestId])).toEqual([
        ['request.allowed', false, 'req-7'],
        ['request.allowed', true, 'req-7'],
      ]);
      expect(events[1]).toMatchObject({ method: 'GET', path: '/api/export', surface: 'http', label: 'agent' });
    },
  );

  it('a later charge the limiter answers adds no event (one request, one allowed event)', async () => {
    const { ok, events } = await run('read', 'throw');
    // The read (first) charge failed open: one degraded allowed event; the write charged normally.
    expect(ok).toEqual([true, true]);
    expect(events.map((e) => [e.type, e.degraded ?? false])).toEqual([['request.allowed', true]]);
  });
});
