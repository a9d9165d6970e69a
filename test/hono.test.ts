import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { honoErrorHandler, honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import type { Identity } from '../src/index.ts';
import { contractRow, expectProblem } from './contract-table.ts';
import { contractFixture, ROUTES, type ContractFixture } from './contract-fixture.ts';
import { rawRequest } from './raw-http.ts';

function buildApp(fx: ContractFixture) {
  const app = new Hono<KeycardEnv>();
  app.onError(honoErrorHandler(fx.keycard)); // the documented set-up: handler denials are not logged as 500s
  app.use('/tickets/*', honoGuard(fx.keycard));
  for (const [path, need] of Object.entries(ROUTES)) {
    app.all(path, honoGuard(fx.keycard, need), (c) => {
      expectTypeOf(c.get('keycard')).toEqualTypeOf<Identity>();
      return c.json({ by: c.get('keycard').label });
    });
  }
  app.get('/restricted/:company/:project', honoGuard(fx.keycard, { scope: 'read' }), (c) => {
    c.get('keycard').assert({ company: c.req.param('company'), project: c.req.param('project') }, 'write');
    return c.json({ ok: true });
  });
  app.get('/redirect', honoGuard(fx.keycard), (c) => c.redirect('/elsewhere'));
  return app;
}

const headersOf = (h: Readonly<Record<string, string | readonly string[]>>) => {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) for (const x of [v].flat()) out.append(k, x);
  return out;
};

describe('keycard/hono', () => {
  let fx: ContractFixture;
  let app: ReturnType<typeof buildApp>;
  beforeAll(async () => {
    fx = await contractFixture();
    app = buildApp(fx);
  });

  it('answers every row of the SPEC §8 table with the same bytes through app.request()', async () => {
    for (const c of fx.cases) {
      const res = await app.request(c.path, { method: c.method, headers: headersOf(c.headers) });
      expectProblem({ status: res.status, headers: res.headers, body: await res.text() }, contractRow(c.code), expect);
    }
  });

  it('passes a good token with rate-limit headers, also on a redirect', async () => {
    const res = await app.request('/tickets', { headers: { authorization: `Bearer ${fx.good}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ by: 'good' });
    expect(res.headers.get('ratelimit-policy')).toBe('"default";q=60;w=60');
    const redirect = await app.request('/redirect', { headers: { authorization: `Bearer ${fx.good}` } });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('ratelimit')).toMatch(/^"default";r=\d+;t=\d+$/);
  });

  it('a restriction denial raised in a handler keeps its problem+json body', async () => {
    const restricted = await fx.keycard.issue({
      ownerId: 'u1',
      label: 'r',
      scopes: ['read'],
      restrictions: { company: ['c1'], project: ['p1'] },
    });
    const res = await app.request('/restricted/c1/p9', { headers: { authorization: `Bearer ${restricted.token}` } });
    expectProblem(
      { status: res.status, headers: res.headers, body: await res.text() },
      contractRow('forbidden_resource'),
      expect,
    );
  });
});

describe('keycard/hono through @hono/node-server on 127.0.0.1', () => {
  let fx: ContractFixture;
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    fx = await contractFixture();
    server = serve({ fetch: buildApp(fx).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('answers every row with the same bytes (raw socket; doubled Authorization included)', async () => {
    for (const c of fx.cases)
      expectProblem(await rawRequest(port, c.method, c.path, c.headers), contractRow(c.code), expect);
  });

  it('a good token gets the rate-limit headers, also on a redirect and a handler-raised denial', async () => {
    const ok = await rawRequest(port, 'GET', '/tickets', { authorization: `Bearer ${fx.good}` });
    expect(ok.status).toBe(200);
    expect(ok.headers['ratelimit-policy']).toBe('"default";q=60;w=60');
    expect(ok.headers.ratelimit).toMatch(/^"default";r=\d+;t=\d+$/);
    const redirect = await rawRequest(port, 'GET', '/redirect', { authorization: `Bearer ${fx.good}` });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.ratelimit).toMatch(/^"default";r=\d+;t=\d+$/);
  });
});
