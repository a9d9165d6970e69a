/**
 * One request, one request id (SPEC §7: each event carries "a request id"). A router guard admits
 * the request and records `request.allowed`; a route guard on the same request then refuses it
 * (a missing scope, or a workspace where the owner is gone). Both events must carry the same
 * `requestId`, as a handler's denial already did, so `audit.query({ requestId })` finds the whole
 * story. A client without a usable `X-Request-Id` (most agents) got two generated ids before: the
 * later check's denial was recorded under a fresh one. Real Express and Hono on 127.0.0.1.
 */
import { serve } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listening } from './listening.ts';
import { expressGuard, type AuthenticatedRequest } from '../src/adapters/express.ts';
import { honoErrorHandler, honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { createKeycard, memoryAuditSink, type AuditEvent, type Keycard } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';

const sink = memoryAuditSink();
const keycard: Keycard = createKeycard({
  prefix: 'acme',
  scopes: toadoScopes(),
  resources: ['company', 'project'],
  audit: sink,
  // u_1 is a member everywhere but in w_gone.
  resolveOwner: (_owner, ws) => (ws === 'w_gone' ? { status: 'gone' } : { status: 'active' }),
});
const { listen, closeAll } = listening();
const bases: Record<'express' | 'hono', string> = { express: '', hono: '' };
let reader = '';
let restricted = '';

beforeAll(async () => {
  reader = (await keycard.issue({ ownerId: 'u_1', label: 'reader', scopes: ['read'] })).token;
  restricted = (
    await keycard.issue({ ownerId: 'u_1', label: 'p1 only', scopes: ['read'], restrictions: { project: ['p1'] } })
  ).token;

  const ex = express();
  const guard = expressGuard(keycard);
  ex.use('/api', guard());
  ex.post('/api/tickets', guard({ scope: 'tickets:write' }), (_req, res) => void res.json({ ran: true }));
  ex.get(
    '/api/w/:ws',
    guard((req) => ({ workspaceId: String(req.params.ws) })),
    (_req, res) => void res.json({}),
  );
  ex.get('/api/p/:project', (req, res) => {
    (req as AuthenticatedRequest).keycard.assert({ company: 'c1', project: String(req.params.project) }, 'read');
    res.json({ ran: true });
  });
  bases.express = await listen(ex.listen(0, '127.0.0.1'));

  const hono = new Hono<KeycardEnv>();
  hono.onError(honoErrorHandler(keycard));
  hono.use('/api/*', honoGuard(keycard));
  hono.post('/api/tickets', honoGuard(keycard, { scope: 'tickets:write' }), (c) => c.json({ ran: true }));
  hono.get(
    '/api/w/:ws',
    honoGuard(keycard, (c) => ({ workspaceId: c.req.param('ws') })),
    (c) => c.json({}),
  );
  hono.get('/api/p/:project', (c) => {
    c.get('keycard').assert({ company: 'c1', project: c.req.param('project') }, 'read');
    return c.json({ ran: true });
  });
  bases.hono = await listen(serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }));
});

afterAll(async () => {
  await closeAll();
  await keycard.close();
});

const requestEvents = () =>
  sink.events.filter((e): e is Extract<AuditEvent, { type: 'request.allowed' | 'request.denied' }> =>
    e.type.startsWith('request.'),
  );

/** The request events one request left, as `type reason`, and the distinct request ids among them. */
async function eventsOf(send: () => Promise<Response>) {
  const before = requestEvents().length;
  const res = await send();
  await res.arrayBuffer();
  await keycard.flush(); // a revoked token's denial is coalesced until its second ends (docs/audit.md#coalescing)
  const mine = requestEvents().slice(before);
  return {
    status: res.status,
    kinds: mine.map((e) => (e.type === 'request.denied' ? `denied ${e.reason}` : 'allowed')),
    ids: [...new Set(mine.map((e) => e.requestId))],
  };
}

describe.each(['express', 'hono'] as const)('%s: a router guard, then a refusal on the same request', (name) => {
  const call =
    (path: string, token: string, init: RequestInit = {}) =>
    () =>
      fetch(`${bases[name]}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

  it('a route guard missing a scope: the denial has the admission’s request id', async () => {
    const r = await eventsOf(call('/api/tickets', reader, { method: 'POST' }));
    expect(r.status).toBe(403);
    expect(r.kinds).toEqual(['allowed', 'denied insufficient_scope']);
    expect(r.ids).toHaveLength(1);
  });

  it('a route guard naming a workspace the owner left (re-derived): one request id', async () => {
    const r = await eventsOf(call('/api/w/w_gone', reader));
    expect(r.status).toBe(401);
    expect(r.kinds).toEqual(['allowed', 'denied token_revoked']);
    expect(r.ids).toHaveLength(1);
  });

  it('the control: a denial raised in the handler already shared it', async () => {
    const r = await eventsOf(call('/api/p/p2', restricted));
    expect(r.status).toBe(403);
    expect(r.kinds).toEqual(['allowed', 'denied forbidden_resource']);
    expect(r.ids).toHaveLength(1);
  });

  it('a client’s own X-Request-Id is every event’s id', async () => {
    const r = await eventsOf(call('/api/tickets', reader, { method: 'POST', headers: { 'x-request-id': 'req-7' } }));
    expect(r.kinds).toEqual(['allowed', 'denied insufficient_scope']);
    expect(r.ids).toEqual(['req-7']);
  });
});
