/**
 * A guard's `resource` requirement without `access` (SPEC §4): a token restricted to project p1
 * may read company c1 but not write it ("create a project" is the table's ✗). The check's access
 * follows the request when the route does not name it: its declared `class`, else its method
 * (GET, HEAD, OPTIONS read; the rest write), the same default as the budget it is charged to.
 * Through real Express and Hono servers, Next's wrapper and `authenticate()` itself.
 */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressGuard } from '../src/adapters/express.ts';
import { honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, memoryAuditSink, type AuthRequirement, type Keycard } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';
import { listening } from './listening.ts';

const sink = memoryAuditSink();
const keycard: Keycard = createKeycard({
  prefix: 'acme',
  scopes: toadoScopes(),
  resources: ['company', 'project'],
  audit: sink,
});
const servers = listening();
const bases: Record<string, string> = {};
let narrow = ''; // company c1, project p1
let wide = ''; // company c1 only
let runs = 0;

/** The company-level route: `resource` names the company only, and no `access`. */
const need = (company: string, extra: Partial<AuthRequirement> = {}): AuthRequirement => ({
  scope: 'read',
  resource: { path: { company } },
  ...extra,
});

beforeAll(async () => {
  const issue = async (restrictions: Record<string, string[]>) =>
    (await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['tickets:write'], restrictions })).token;
  narrow = await issue({ company: ['c1'], project: ['p1'] });
  wide = await issue({ company: ['c1'] });

  const guard = expressGuard(keycard);
  const app = express();
  app.all(
    '/c/:company/projects',
    guard((req) => need(String(req.params.company))),
    (_q, r) => {
      runs++;
      r.json({ ok: true });
    },
  );
  app.post(
    '/c/:company/search',
    guard((req) => need(String(req.params.company), { class: 'read' })),
    (_q, r) => {
      runs++;
      r.json({ ok: true });
    },
  );
  bases.express = await servers.listen(app.listen(0, '127.0.0.1') as Server);

  const hono = new Hono<KeycardEnv>();
  hono.all(
    '/c/:company/projects',
    honoGuard(keycard, (c) => need(c.req.param('company') ?? '')),
    (c) => {
      runs++;
      return c.json({ ok: true });
    },
  );
  hono.post(
    '/c/:company/search',
    honoGuard(keycard, (c) => need(c.req.param('company') ?? '', { class: 'read' })),
    (c) => {
      runs++;
      return c.json({ ok: true });
    },
  );
  bases.hono = await servers.listen(serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }));
});
afterAll(async () => {
  await servers.closeAll();
  await keycard.close();
});

const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

const next = withKeycard(
  keycard,
  () => need('c1'),
  () => {
    runs++;
    return Response.json({ ok: true });
  },
);
const nextCall = (method: string, token: string) =>
  next(new Request('http://localhost/c/c1/projects', { method, headers: { authorization: `Bearer ${token}` } }), {
    params: Promise.resolve({}),
  });

async function call(adapter: string, method: string, token: string, route = 'projects') {
  if (adapter === 'next') return nextCall(method, token);
  return fetch(`${bases[adapter]}/c/c1/${route}`, { method, headers: { authorization: `Bearer ${token}` } });
}

describe.each(['express', 'hono', 'next'])('%s: a company-level resource guard without access', (adapter) => {
  it.each(WRITES)('%s by a project-restricted token is 403 forbidden_resource, and no handler runs', async (method) => {
    const before = runs;
    const res = await call(adapter, method, narrow);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'Token not allowed for company c1',
      code: 'forbidden_resource',
    });
    expect(runs).toBe(before);
  });

  it('GET by the same token reads the company (200)', async () => {
    const res = await call(adapter, 'GET', narrow);
    expect(res.status).toBe(200);
  });

  it.each(WRITES)('%s by a company-restricted token writes its company (200)', async (method) => {
    const res = await call(adapter, method, wide);
    expect(res.status).toBe(200);
  });
});

describe.each(['express', 'hono'])('%s: a route that declares its class', (adapter) => {
  it("POST with class 'read' is checked as a read (200)", async () => {
    const res = await call(adapter, 'POST', narrow, 'search');
    expect(res.status).toBe(200);
  });
});

describe('authenticate() itself', () => {
  const req = (method: string) => ({
    method,
    url: '/c/c1/projects',
    headers: { authorization: `Bearer ${narrow}` },
  });

  it('an explicit access wins over the method', async () => {
    const read = await keycard.authenticate(
      req('DELETE'),
      need('c1', { resource: { path: { company: 'c1' }, access: 'read' } }),
    );
    expect(read.ok).toBe(true);
    const write = await keycard.authenticate(
      req('GET'),
      need('c1', { resource: { path: { company: 'c1' }, access: 'write' } }),
    );
    expect(write.ok).toBe(false);
  });

  it('a write class on a GET is checked as a write; the denial is audited as a restricted resource', async () => {
    const r = await keycard.authenticate(req('GET'), need('c1', { class: 'write' }));
    expect(r.ok).toBe(false);
    await keycard.flush?.();
    const last = sink.events.filter((e) => e.type === 'request.denied').at(-1) as { reason?: string } | undefined;
    expect(last?.reason).toBe('forbidden_resource');
  });
});
