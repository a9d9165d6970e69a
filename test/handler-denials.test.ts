import type { AddressInfo } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { expressGuard } from '../src/adapters/express.ts';
import { honoErrorHandler, honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, KeycardError, memoryAuditSink, type RequestAuditEvent } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';

const setup = async (onError?: (error: unknown) => void) => {
  const sink = memoryAuditSink();
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    resources: ['company', 'project'],
    audit: sink,
    ...(onError ? { onError } : {}),
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

/** Serves `app` on 127.0.0.1 for one GET of `path`. */
async function getOnce(app: express.Express, path: string, headers: Record<string, string>): Promise<Response> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    return await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { headers });
  } finally {
    server.close();
  }
}

describe('a restriction enforced inside a handler is answered and audited like a declared one', () => {
  it('express', async () => {
    const { keycard, token, denials } = await setup();
    const app = express();
    app.get('/c/:company', expressGuard(keycard)(), (req, res) => {
      req.keycard!.assert({ company: req.params.company as string }, 'read');
      res.json({});
    });
    const res = await getOnce(app, '/c/c2', { authorization: `Bearer ${token}` });
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

/**
 * A handler that builds the resource path from the request (`?company=` here) and meets a request
 * without it asks `identity.assert` about a path the hierarchy cannot read. That is answered as
 * the guard's own check of such a path is: 403 `forbidden_resource`, reported to `onError` and
 * audited, never the framework's 500 (with Express's stack page outside production).
 */
describe('identity.assert with a path the handler could not read from the request', () => {
  const unreadable = async () => {
    const errors: unknown[] = [];
    const { keycard, token, denials } = await setup((e) => errors.push(e));
    const check = async (res: { status: number; type: string | null; body: string }) => {
      expect(res.status).toBe(403);
      expect(res.type).toBe('application/problem+json');
      expect(res.body).not.toMatch(/KeycardError|\bat .*\.(?:ts|js):\d+|Internal Server Error/);
      expect(JSON.parse(res.body)).toMatchObject({ status: 403, code: 'forbidden_resource' });
      expect(errors.map((e) => (e as KeycardError).code)).toEqual(['invalid_argument']);
      expect((await denials()).map((e) => e.reason)).toEqual(['forbidden_resource']);
    };
    const answer = async (r: Response) => ({
      status: r.status,
      type: r.headers.get('content-type'),
      body: await r.text(),
    });
    return { keycard, token, check, answer, auth: { authorization: `Bearer ${token}` } };
  };

  it('express (development mode: its 500 page would show the stack)', async () => {
    const { keycard, check, answer, auth } = await unreadable();
    const app = express();
    app.get('/p', expressGuard(keycard)(), (req, res) => {
      req.keycard!.assert({ company: req.query.company as string }, 'read');
      res.json({});
    });
    await check(await answer(await getOnce(app, '/p', auth)));
  });

  it('hono, with honoErrorHandler', async () => {
    const { keycard, check, answer, auth } = await unreadable();
    const app = new Hono<KeycardEnv>();
    app.onError(honoErrorHandler(keycard));
    app.get('/p', honoGuard(keycard), (c) => {
      c.get('keycard').assert({ company: c.req.query('company')! }, 'read');
      return c.json({});
    });
    await check(await answer(await app.request('/p', { headers: auth })));
  });

  it('hono, without it (the guard answers)', async () => {
    const { keycard, check, answer, auth } = await unreadable();
    const app = new Hono<KeycardEnv>();
    app.get('/p', honoGuard(keycard), (c) => {
      c.get('keycard').assert({ company: c.req.query('company')! }, 'read');
      return c.json({});
    });
    const quiet = console.error;
    console.error = () => {}; // Hono's default handler logs the thrown error before the guard answers
    try {
      await check(await answer(await app.request('/p', { headers: auth })));
    } finally {
      console.error = quiet;
    }
  });

  it('next', async () => {
    const { keycard, check, answer, auth } = await unreadable();
    const GET = withKeycard(keycard, undefined, (request, { identity }) => {
      identity.assert({ company: new URL(request.url).searchParams.get('company')! }, 'read');
      return Response.json({});
    });
    await check(await answer(await GET(new Request('http://x/p', { headers: auth }), { params: Promise.resolve({}) })));
  });

  it('called outside a request it still throws invalid_argument naming the problem (docs/restrictions.md)', async () => {
    const { keycard, token } = await unreadable();
    const r = await keycard.authenticate(new Request('http://x/p', { headers: { authorization: `Bearer ${token}` } }));
    expect(r.ok).toBe(true);
    const identity = (r as { identity: { assert: (p: unknown, a: string) => void } }).identity;
    expect(() => identity.assert({ company: null }, 'read')).toThrow(
      expect.objectContaining({ code: 'invalid_argument', message: expect.stringContaining('company') }),
    );
    await keycard.close();
  });
});
