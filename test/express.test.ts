import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { expressGuard, type AuthenticatedRequest } from '../src/adapters/express.ts';
import type { Identity } from '../src/index.ts';
import { contractRow, expectProblem } from './contract-table.ts';
import { contractFixture, ROUTES, type ContractFixture } from './contract-fixture.ts';
import { rawRequest } from './raw-http.ts';

describe('keycard/express through a real Express 5 server (NODE_ENV=production, no error handler)', () => {
  let fx: ContractFixture;
  let server: Server;
  let port: number;
  const env = process.env.NODE_ENV;

  beforeAll(async () => {
    process.env.NODE_ENV = 'production';
    fx = await contractFixture();
    const guard = expressGuard(fx.keycard);
    const app = express();
    app.use('/tickets', guard());
    for (const [path, need] of Object.entries(ROUTES)) {
      app.all(path, guard(need), (req, res) => {
        res.json({ by: req.keycard?.label ?? null });
      });
    }
    app.get('/restricted/:company/:project', guard({ scope: 'read' }), (req, res) => {
      req.keycard!.assert({ company: req.params.company as string, project: req.params.project as string }, 'write');
      res.json({ ok: true });
    });
    app.post('/async-restricted', guard(), async (req, res) => {
      await Promise.resolve();
      req.keycard!.assert({ company: 'c9' }, 'write');
      res.json({ ok: true });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    process.env.NODE_ENV = env;
    await new Promise((r) => server.close(r));
    await fx.keycard.close();
  });

  it('answers every row of the SPEC §8 table with the same bytes (raw socket; doubled Authorization included)', async () => {
    for (const c of fx.cases) {
      const res = await rawRequest(port, c.method, c.path, c.headers);
      expectProblem(res, contractRow(c.code), expect);
    }
  });

  it('lets a good token through with the rate-limit headers, and the identity typed on req.keycard', async () => {
    const res = await rawRequest(port, 'GET', '/tickets', { authorization: `Bearer ${fx.good}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ by: 'good' });
    expect(res.headers['ratelimit-policy']).toBe('"default";q=60;w=60');
    expect(res.headers.ratelimit).toMatch(/^"default";r=\d+;t=\d+$/);
    expectTypeOf<AuthenticatedRequest['keycard']>().toEqualTypeOf<Identity>();
    expectTypeOf<express.Request['keycard']>().toEqualTypeOf<Identity>(); // typed as present so annotated handlers fit Express's type (issue 13);
  });

  it('a restriction denial raised inside a handler keeps its problem+json body', async () => {
    const restricted = await fx.keycard.issue({
      ownerId: 'u1',
      label: 'r',
      scopes: ['read'],
      restrictions: { company: ['c1'], project: ['p1'] },
    });
    const res = await rawRequest(port, 'GET', '/restricted/c1/p9', { authorization: `Bearer ${restricted.token}` });
    expectProblem(res, contractRow('forbidden_resource'), expect);
    const asyncRes = await rawRequest(port, 'POST', '/async-restricted', {
      authorization: `Bearer ${restricted.token}`,
    });
    expect(asyncRes.status).toBe(403);
    expect(JSON.parse(asyncRes.body).detail).toBe('Token not allowed for company c9');
  });

  it('answers a CORS preflight 204 with no body, without running the handler (more in test/preflight.test.ts)', async () => {
    const res = await rawRequest(port, 'OPTIONS', '/tickets', {
      'access-control-request-method': 'GET',
      origin: 'https://x',
    });
    expect(res.status).toBe(204);
    expect(res.body).toBe(''); // the handler would have answered {"by":null}
  });
});
