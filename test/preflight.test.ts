/**
 * Issue 11, item 2: a spoofed CORS preflight (`OPTIONS` + `Access-Control-Request-Method`) never
 * reaches a guarded handler and never verifies a token; every adapter answers it with the core's
 * one answer, `204` with no body, through the real framework. A CORS layer mounted before the
 * guard answers first.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import express from 'express';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressGuard } from '../src/adapters/express.ts';
import { honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { mcpGate, mcpVerifier } from '../src/adapters/mcp/index.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, memoryAuditSink, type Keycard } from '../src/index.ts';
import { countingStore, toadoScopes } from './helpers.ts';
import { expectedWarning } from './mcp-helpers.ts';
import { rawRequest, type RawResponse } from './raw-http.ts';

const counted = countingStore();
const sink = memoryAuditSink();
const keycard: Keycard = createKeycard({
  prefix: 'acme',
  scopes: toadoScopes(),
  store: counted.store,
  audit: sink,
  cacheSize: 0,
});
let good = '';
let handlerRuns = 0;
const servers: { close(cb: () => void): unknown }[] = [];
const ports: Record<string, number> = {};

/** The preflights an attacker sends: none, a forged and a good token (a preflight never carries one in a browser). */
const preflights = (): Record<string, string>[] => [
  { 'access-control-request-method': 'POST', origin: 'https://evil.example' },
  {
    'access-control-request-method': 'POST',
    origin: 'https://evil.example',
    authorization: `Bearer acme_sk_1${'A'.repeat(38)}`,
  },
  { 'access-control-request-method': 'DELETE', origin: 'https://evil.example', authorization: `Bearer ${good}` },
];

/** The contract: 204, no body, no problem headers, the handler never ran, nothing looked up or audited. */
async function expectPreflightAnswered(send: (headers: Record<string, string>) => Promise<RawResponse>) {
  for (const headers of preflights()) {
    const [runs, lookups, events] = [handlerRuns, counted.counts.findByHash ?? 0, sink.events.length];
    const res = await send(headers);
    expect(handlerRuns, 'the guarded handler ran').toBe(runs);
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers['content-type']).toBeUndefined();
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(counted.counts.findByHash ?? 0, 'a token was looked up').toBe(lookups);
    expect(sink.events.length, 'a preflight was audited').toBe(events);
  }
}

async function listen(name: string, server: Server | ServerType) {
  await new Promise<void>((r) => void server.once('listening', () => r()));
  ports[name] = (server.address() as AddressInfo).port;
  servers.push(server);
}

beforeAll(async () => {
  good = (await keycard.issue({ ownerId: 'u1', label: 'good', scopes: ['tickets:write'] })).token;
  const ran = () => void handlerRuns++;

  const ex = express();
  const guard = expressGuard(keycard);
  ex.use('/api', guard());
  ex.all('/api/tickets', guard({ scope: 'tickets:write' }), (_req, res) => (ran(), void res.json({ ran: true })));
  // An app CORS layer mounted before the guard answers its own preflights.
  ex.use('/cors', (req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', 'https://app.example');
    if (req.method === 'OPTIONS') return void res.setHeader('Access-Control-Allow-Methods', 'POST').status(204).end();
    next();
  });
  ex.all('/cors', guard(), (_req, res) => (ran(), void res.json({ ran: true })));
  await listen('express', ex.listen(0, '127.0.0.1'));

  const hono = new Hono<KeycardEnv>();
  hono.use('/cors/*', cors({ origin: 'https://app.example' }));
  hono.use('/*', honoGuard(keycard));
  hono.all('/api/tickets', honoGuard(keycard, { scope: 'tickets:write' }), (c) => (ran(), c.json({ ran: true })));
  hono.all('/cors/x', (c) => (ran(), c.json({ ran: true })));
  await listen('hono', serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }));

  const mcp = express();
  // Origin check off: this is about the preflight (a foreign Origin on loopback is refused earlier, test/mcp-fail.test.ts).
  mcp.use(
    '/mcp',
    express.json(),
    mcpGate(keycard, { allowedOrigins: 'any', onWarning: expectedWarning }),
    requireBearerAuth({ verifier: mcpVerifier(keycard) }),
  );
  mcp.all('/mcp', (_req, res) => (ran(), void res.json({ ran: true })));
  await listen('mcp', mcp.listen(0, '127.0.0.1'));
});

afterAll(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  await keycard.close();
});

describe('a spoofed CORS preflight gets 204 with no body and never reaches the guarded handler', () => {
  it('the handlers run for a real request (the test can see them run)', async () => {
    const before = handlerRuns;
    for (const [name, path] of [
      ['express', '/api/tickets'],
      ['hono', '/api/tickets'],
      ['mcp', '/mcp'],
    ] as const) {
      expect((await rawRequest(ports[name]!, 'GET', path, { authorization: `Bearer ${good}` })).status).toBe(200);
    }
    expect(handlerRuns).toBe(before + 3);
  });

  it('Express (router-level and route-level guards)', async () => {
    await expectPreflightAnswered((h) => rawRequest(ports.express!, 'OPTIONS', '/api/tickets', h));
  });

  it('Hono through @hono/node-server', async () => {
    await expectPreflightAnswered((h) => rawRequest(ports.hono!, 'OPTIONS', '/api/tickets', h));
  });

  it('Next route handler', async () => {
    const handler = withKeycard(
      keycard,
      { scope: 'tickets:write' },
      () => (handlerRuns++, Response.json({ ran: true })),
    );
    await expectPreflightAnswered(async (h) => {
      const res = await handler(new Request('http://localhost/api/tickets', { method: 'OPTIONS', headers: h }), {
        params: Promise.resolve({}),
      });
      return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
    });
  });

  it('MCP gate: no token oracle through the SDK verifier fallback', async () => {
    await expectPreflightAnswered((h) => rawRequest(ports.mcp!, 'OPTIONS', '/mcp', h));
  });

  it('a CORS layer mounted before the guard answers first (Express by hand, hono/cors)', async () => {
    const h = { 'access-control-request-method': 'POST', origin: 'https://app.example' };
    for (const [name, path] of [
      ['express', '/cors'],
      ['hono', '/cors/x'],
    ] as const) {
      const runs = handlerRuns;
      const res = await rawRequest(ports[name]!, 'OPTIONS', path, h);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(handlerRuns).toBe(runs);
    }
  });

  it('with passPreflight: false a preflight is authenticated like any request (401), and the handler does not run', async () => {
    const strict = createKeycard({ prefix: 'acme', scopes: toadoScopes(), passPreflight: false });
    const handler = withKeycard(strict, undefined, () => (handlerRuns++, new Response('ran')));
    const runs = handlerRuns;
    const res = await handler(
      new Request('http://localhost/x', { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST' } }),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(401);
    expect(handlerRuns).toBe(runs);
    await strict.close();
  });
});
