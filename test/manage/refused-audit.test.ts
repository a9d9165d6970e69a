/**
 * SPEC §11: "Management calls are audited with the actor and request id". A call the management
 * API refuses once it knows the caller (400, 403, 404, 409) is one `management.denied` event
 * naming the actor, the route, the code and the request id; a call it answers writes no such
 * event, and an event never holds a body value (a pasted secret stays out).
 */
import { describe, expect, it } from 'vitest';
import type { TokenAuditEvent } from '../../src/index.ts';
import { setup } from './fixture.ts';

/** Lets the audit trail drain its queue (a microtask chain) before the sink is read. */
const tick = () => new Promise((r) => setTimeout(r, 0));
const denied = (sink: { events: readonly unknown[] }) =>
  (sink.events as TokenAuditEvent[]).filter((e) => e.type === 'management.denied');

describe('refused management calls are audited (management.denied)', () => {
  it('a scope escalation is one event with the actor, route, code, status and request id', async () => {
    const { call, sink } = setup();
    const res = await call('POST', '/tokens', {
      as: 'bob',
      body: { label: 'ci', scopes: ['tickets:write'] },
      headers: { 'x-request-id': 'req-esc-1' },
    });
    expect(res.status).toBe(403);
    await tick();
    expect(denied(sink)).toEqual([
      expect.objectContaining({
        type: 'management.denied',
        actor: { kind: 'user', id: 'bob' },
        route: 'POST /tokens',
        code: 'scope_escalation',
        status: 403,
        requestId: 'req-esc-1',
        tokenId: null,
      }),
    ]);
  });

  it("another person's token: the 404 is audited under no token id (nobody floods the activity of a token they cannot see)", async () => {
    const { call, sink, create } = setup();
    const { record } = await create();
    const res = await call('POST', `/tokens/${record.id}/revoke`, { as: 'bob', body: {} });
    expect(res.status).toBe(404);
    expect((await call('GET', `/tokens/${record.id}`)).status).toBe(200); // still alive
    await tick();
    expect(denied(sink)).toEqual([
      expect.objectContaining({
        actor: { kind: 'user', id: 'bob' },
        route: 'POST /tokens/:id/revoke',
        code: 'not_found',
        status: 404,
        tokenId: null,
      }),
    ]);
  });

  it("a bad body or query naming another person's token (400 before the token is looked up) is filed under no token id", async () => {
    const { call, sink, create } = setup();
    const { record } = await create();
    const patch = await call('PATCH', `/tokens/${record.id}`, { as: 'bob', body: { colour: 'red' } });
    const read = await call('GET', `/tokens/${record.id}?x=1`, { as: 'bob' });
    const activity = await call('GET', `/tokens/${record.id}/activity?limit=0`, { as: 'bob' });
    const revoke = await call('POST', `/tokens/${record.id}/revoke`, { as: 'bob', body: { reason: '' } });
    expect([patch.status, read.status, activity.status, revoke.status]).toEqual([400, 400, 400, 400]);
    // The same mistakes by the token's owner are filed under it, as before.
    expect((await call('PATCH', `/tokens/${record.id}`, { body: { colour: 'red' } })).status).toBe(400);
    await tick();
    expect(denied(sink).map((e) => [e.actor.id, e.route, e.code, e.tokenId])).toEqual([
      ['bob', 'PATCH /tokens/:id', 'invalid_request', null],
      ['bob', 'GET /tokens/:id', 'invalid_request', null],
      ['bob', 'GET /tokens/:id/activity', 'invalid_request', null],
      ['bob', 'POST /tokens/:id/revoke', 'invalid_request', null],
      ['alice', 'PATCH /tokens/:id', 'invalid_request', record.id],
    ]);
  });

  it("a refusal on a token the caller may see is filed under its id (the token's activity shows it)", async () => {
    const { call, sink, create } = setup();
    const { record } = await create({ label: 'ci', scopes: ['read'] }, 'bob');
    const wider = await call('PATCH', `/tokens/${record.id}`, { as: 'bob', body: { scopes: ['tickets:write'] } });
    expect(wider.status).toBe(403);
    await tick();
    expect(denied(sink).map((e) => [e.route, e.code, e.tokenId])).toEqual([
      ['PATCH /tokens/:id', 'scope_escalation', record.id],
    ]);
  });

  it('a bad body (400) and a changed count (409) are audited; no body value reaches the event', async () => {
    const { call, sink, create } = setup();
    const { token } = await create();
    const bad = await call('POST', '/tokens', { body: { label: token, scopes: ['nope'], expiresIn: -1 } });
    expect(bad.status).toBe(400);
    const changed = await call('POST', '/tokens/revoke-all', {
      body: { target: { ownerId: 'alice' }, reason: 'offboarding', expectCount: 7 },
    });
    expect(changed.status).toBe(409);
    const path = await call('GET', `/tokens/${token}`); // a secret pasted as an id: 404, not kept as tokenId
    expect(path.status).toBe(404);
    await tick();
    const events = denied(sink);
    expect(events.map((e) => [e.route, e.code, e.status, e.tokenId])).toEqual([
      ['POST /tokens', 'invalid_request', 400, null],
      ['POST /tokens/revoke-all', 'count_changed', 409, null],
      ['GET /tokens/:id', 'not_found', 404, null],
    ]);
    expect(JSON.stringify(sink.events)).not.toContain(token);
    expect(JSON.stringify(sink.events)).not.toContain(token.slice(-20));
  });

  it('answered calls, and calls refused before the caller is known (401, cross-site), write none', async () => {
    const { call, sink, create } = setup();
    const { record } = await create();
    expect((await call('GET', '/tokens')).status).toBe(200);
    expect((await call('PATCH', `/tokens/${record.id}`, { body: { label: 'renamed' } })).status).toBe(200);
    expect((await call('GET', '/tokens', { as: null })).status).toBe(401);
    expect((await call('POST', '/tokens', { origin: 'https://evil.test', body: { label: 'x' } })).status).toBe(403);
    await tick();
    expect(denied(sink)).toEqual([]);
  });
});
