/**
 * A route that declares its class (SPEC §5: "a route may declare its class") behind a router-level
 * guard. The first check of a request charges the budget of its method; the route's guard is a
 * later check on the same request. It used to charge nothing, so a GET route declared a write
 * (an export, a report that costs what a write costs) was charged only to the read budget: under
 * the Toado split (600 reads, 60 writes a minute) such a route took ten times its limit. Now a
 * later check that declares a class the request was not charged to charges that budget too, once.
 * Real Express 5 server, Hono's app.request, composed Next wrappers and authenticate() itself.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryAuditSink, type Keycard } from '../src/index.ts';
import { redisLimiter } from '../src/stores/redis.ts';
import { expressGuard } from '../src/adapters/express.ts';
import { honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { rawRequest } from './raw-http.ts';
import { connectPort, REDIS_URL, runPrefix } from './redis-helpers.ts';

const scopes = defineScopes({ read: {}, export: { implies: ['read'] } });
/** Toado's split, scaled down: reads are plentiful, writes scarce. */
const SPLIT = { read: { limit: 100, window: 60 }, write: { limit: 2, window: 60 } };

function instance(rateLimit: typeof SPLIT | { limit: number; window: number } = SPLIT) {
  const audit = memoryAuditSink();
  const keycard = createKeycard({ prefix: 'acme', scopes, rateLimit, audit });
  return { keycard, audit };
}

async function tokenOf(keycard: Keycard) {
  return (await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['export'] })).token;
}

describe('a later guard that declares a class charges that budget (Express 5, real server)', () => {
  let keycard: Keycard;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    ({ keycard } = instance());
    const guard = expressGuard(keycard);
    const app = express();
    app.use('/api', guard());
    app.get('/api/export', guard({ scope: 'export', class: 'write' }), (_req, res) => void res.json({ ok: true }));
    app.get('/api/tickets', guard({ scope: 'read' }), (_req, res) => void res.json({ ok: true }));
    app.post('/api/search', guard({ scope: 'read', class: 'read' }), (_req, res) => void res.json({ ok: true }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await keycard.close();
  });

  it('refuses the third GET of a route declared a write when the write budget is 2', async () => {
    const token = await tokenOf(keycard);
    const get = () => fetch(`${base}/api/export`, { headers: { authorization: `Bearer ${token}` } });
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const res = await get();
      answers.push([res.status, res.headers.get('ratelimit-policy')]);
      await res.arrayBuffer();
    }
    expect(answers).toEqual([
      [200, '"write";q=2;w=60'],
      [200, '"write";q=2;w=60'],
      [429, '"write";q=2;w=60'],
      [429, '"write";q=2;w=60'],
    ]);
    const refused = await get();
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    // The reads of the same token are not spent by the refusals beyond the first charge of each.
    const read = await fetch(`${base}/api/tickets`, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);
    expect(read.headers.get('ratelimit')).toMatch(/^"read";r=94;t=\d+$/);
  });

  it('a POST declared a read is charged to the read budget too, and answers with its headers', async () => {
    const token = await tokenOf(keycard);
    const res = await fetch(`${base}/api/search`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-policy')).toBe('"read";q=100;w=60');
    expect(res.headers.get('ratelimit')).toMatch(/^"read";r=99;t=\d+$/);
  });
});

describe('the same through Hono, composed Next wrappers and authenticate()', () => {
  it('Hono: app.use guard + a route guard declaring write', async () => {
    const { keycard } = instance();
    const app = new Hono<KeycardEnv>();
    app.use('/api/*', honoGuard(keycard));
    app.get('/api/export', honoGuard(keycard, { scope: 'export', class: 'write' }), (c) => c.json({ ok: true }));
    const token = await tokenOf(keycard);
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await app.request('/api/export', { headers: { authorization: `Bearer ${token}` } })).status);
    expect(statuses).toEqual([200, 200, 429]);
    await keycard.close();
  });

  it('Next: a wrapper around a wrapped handler declaring write', async () => {
    const { keycard } = instance();
    const inner = withKeycard(keycard, { scope: 'export', class: 'write' }, () => Response.json({ ok: true }));
    const GET = withKeycard(keycard, undefined, (request, context) => inner(request, context));
    const token = await tokenOf(keycard);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const request = new Request('http://localhost/api/export', { headers: { authorization: `Bearer ${token}` } });
      statuses.push((await GET(request, { params: Promise.resolve({}) })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    await keycard.close();
  });

  it('authenticate(): the refusal is audited as a rate_limited denial of the later check; a shared policy charges once', async () => {
    const { keycard, audit } = instance();
    const token = await tokenOf(keycard);
    const results = [];
    for (let i = 0; i < 3; i++) {
      const request = new Request('http://localhost/api/export', { headers: { authorization: `Bearer ${token}` } });
      const first = await keycard.authenticate(request);
      const later = await keycard.authenticate(request, { class: 'write' });
      // A third check naming the same class charges nothing more.
      const again = await keycard.authenticate(request, { class: 'write' });
      results.push([
        first.ok,
        later.ok,
        again.ok,
        // `t` (seconds to the window's end) is left out: it depends on how long the test took.
        later.ok ? later.headers.RateLimit!.replace(/;t=\d+$/, '') : 'status' in later && later.status,
      ]);
    }
    expect(results).toEqual([
      [true, true, true, '"write";r=1'],
      [true, true, true, '"write";r=0'],
      [true, false, false, 429],
    ]);
    await keycard.close();
    const denied = audit.events.filter((e) => e.type === 'request.denied');
    expect(denied.map((e) => (e as { reason: string }).reason)).toEqual(['rate_limited']);

    // One budget for both classes: the later check has nothing more to charge.
    const shared = instance({ limit: 2, window: 60 });
    const t = await tokenOf(shared.keycard);
    const request = new Request('http://localhost/x', { headers: { authorization: `Bearer ${t}` } });
    await shared.keycard.authenticate(request);
    const later = await shared.keycard.authenticate(request, { class: 'write' });
    expect(later.ok && later.headers.RateLimit).toMatch(/^"default";r=1;t=\d+$/);
    await shared.keycard.close();
  });
});

describe.skipIf(!REDIS_URL)('a shared Redis limiter (the later charge answers with a promise)', () => {
  it('40 concurrent GETs of a route declared a write, write budget 5: exactly 5 admitted, the rest 429', async () => {
    const { port, close } = await connectPort('ioredis');
    const keycard = createKeycard({
      prefix: 'acme',
      scopes,
      rateLimit: { read: { limit: 100, window: 60 }, write: { limit: 5, window: 60 } },
      limiter: redisLimiter(port, { prefix: runPrefix('stacked-class') }),
      onWarning: () => {},
    });
    const guard = expressGuard(keycard);
    const app = express();
    app.use('/api', guard());
    app.get('/api/export', guard({ scope: 'export', class: 'write' }), (_req, res) => void res.json({ ok: true }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const token = await tokenOf(keycard);
      const { port: http } = server.address() as AddressInfo;
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => rawRequest(http, 'GET', '/api/export', { authorization: `Bearer ${token}` })),
      );
      const count = (status: number) => answers.filter((a) => a.status === status).length;
      expect([count(200), count(429)]).toEqual([5, 35]);
    } finally {
      await new Promise((r) => server.close(r));
      await keycard.close();
      await close();
    }
  });
});
