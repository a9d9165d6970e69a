import type { AddressInfo } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { expressGuard } from '../src/adapters/express.ts';
import { honoErrorHandler, honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, KeycardError, memoryAuditSink, type RequestAuditEvent } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';

const setup = async () => {
  const sink = memoryAuditSink();
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    resources: ['company', 'project'],
    audit: sink,
  });
  const { token } = await keycard.issue({
    ownerId: 'u1',
    label: 'r',
    scopes: ['read'],
    restrictions: { company: ['c1'] },
  });
  const denials = async () => {
    await keycard.close();
    return sink.events.filter((e): e is RequestAuditEvent => e.type === 'request.denied');
  };
  return { keycard, token, denials };
};

describe('a restriction enforced inside a handler is answered and audited like a declared one', () => {
  it('express', async () => {
    const { keycard, token, denials } = await setup();
    const app = express();
    app.get('/c/:company', expressGuard(keycard)(), (req, res) => {
      req.keycard!.assert({ company: req.params.company as string }, 'read');
      res.json({});
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/c/c2`, {
      headers: { authorization: `Bearer ${token}` },
    });
    server.close();
    expect(res.status).toBe(403);
    expect((await denials()).map((e) => [e.reason, e.path])).toEqual([['forbidden_resource', '/c/c2']]);
  });

  it('hono, quietly with honoErrorHandler', async () => {
    const { keycard, token, denials } = await setup();
    const app = new Hono<KeycardEnv>();
    app.onError(honoErrorHandler(keycard));
    app.get('/c/:company', honoGuard(keycard), (c) => {
      c.get('keycard').assert({ company: c.req.param('company') }, 'read');
      return c.json({});
    });
    const res = await app.request('/c/c2', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ detail: 'Token not allowed for company c2' });
    expect((await denials()).map((e) => e.reason)).toEqual(['forbidden_resource']);
  });

  it('next, with a requirement computed from the route context', async () => {
    const { keycard, token, denials } = await setup();
    const GET = withKeycard<{ params: Promise<{ company: string }> }>(
      keycard,
      async (_req, ctx) => ({ resource: { path: { company: (await ctx.params).company }, access: 'read' } }),
      () => Response.json({}),
    );
    const res = await GET(new Request('http://x/c/c2', { headers: { authorization: `Bearer ${token}` } }), {
      params: Promise.resolve({ company: 'c2' }),
    });
    expect(res.status).toBe(403);
    expect((await denials()).map((e) => e.reason)).toEqual(['forbidden_resource']);
  });

  it('a KeycardError from another copy of the package (a second bundle) is still recognised', async () => {
    const { keycard } = await setup();
    const foreign = Object.assign(
      Object.create(Object.getPrototypeOf(new KeycardError('invalid_token', 'x')) as object) as Error,
      { code: 'invalid_token', message: 'x' },
    );
    const twin = { ...foreign, code: 'invalid_token', [Symbol.for('keycard.error')]: true };
    expect(keycard.authenticate.problemFor(twin)?.status).toBe(401);
    expect(keycard.authenticate.problemFor(new Error('plain'))).toBeNull();
  });
});

describe('adapter headers', () => {
  it('hono: a denial answered by honoErrorHandler keeps the rate-limit headers', async () => {
    const { keycard, token } = await setup();
    const app = new Hono<KeycardEnv>();
    app.onError(honoErrorHandler(keycard));
    app.get('/c/:company', honoGuard(keycard), (c) => {
      c.get('keycard').assert({ company: c.req.param('company') }, 'read');
      return c.json({});
    });
    const res = await app.request('/c/c2', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get('ratelimit-policy')).toBe('"default";q=60;w=60');
  });

  it('next: a query-token response appends private to the handler’s Cache-Control instead of replacing it', async () => {
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), allowQueryToken: true });
    const { token } = await keycard.issue({ ownerId: 'u', label: 'x' });
    const GET = withKeycard(keycard, undefined, () => new Response('ok', { headers: { 'cache-control': 'no-store' } }));
    const res = await GET(new Request(`http://x/a?access_token=${token}`), { params: Promise.resolve({}) });
    expect(res.headers.get('cache-control')).toBe('no-store, private');
  });
});
