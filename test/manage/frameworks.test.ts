/**
 * The management handler mounted on real Express and Hono servers (127.0.0.1) and through a Next.js
 * catch-all route module: the same requests give the same status, headers and body bytes.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expressHandler } from '../../src/adapters/express.ts';
import { BASE } from './fixture.ts';
import { app as shared } from './next-app/manage.ts';
import * as nextRoute from './next-app/api/tokens/[...path]/route.ts';

let expressServer: Server;
let honoServer: ServerType;
let expressOrigin = '';
let honoOrigin = '';

beforeAll(async () => {
  const e = express();
  e.use(BASE, expressHandler(shared.handler));
  await new Promise<void>((resolve) => {
    expressServer = e.listen(0, '127.0.0.1', () => resolve());
  });
  expressOrigin = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;
  const h = new Hono();
  h.mount(BASE, shared.handler, { replaceRequest: false });
  await new Promise<void>((resolve) => {
    honoServer = serve({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  honoOrigin = `http://127.0.0.1:${(honoServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => expressServer.close(r));
  await new Promise((r) => honoServer.close(r));
});

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: string;
}
const pick = async (res: Response): Promise<Answer> => ({
  status: res.status,
  headers: Object.fromEntries(
    ['content-type', 'cache-control', 'allow', 'www-authenticate', 'x-content-type-options'].map((h) => [
      h,
      res.headers.get(h),
    ]),
  ),
  body: await res.text(),
});

type Call = { method: string; path: string; body?: string; headers?: Record<string, string>; crossOrigin?: boolean };

/** One request through each of the three mounts; `Origin` is each server's own unless `crossOrigin`. */
async function all(c: Call): Promise<Answer[]> {
  const send = async (origin: string, viaFetch: boolean) => {
    const headers = {
      cookie: 'sid=alice',
      origin: c.crossOrigin ? 'http://evil.test' : origin,
      ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...c.headers,
    };
    const init = { method: c.method, headers, ...(c.body !== undefined ? { body: c.body } : {}) };
    // The CSRF refusal names the request's own origin (newcomer53), which is each server's own:
    // read as `<own origin>` so the rest of the bytes still compare.
    const own = (a: Answer): Answer => ({ ...a, body: a.body.split(origin).join('<own origin>') });
    if (viaFetch) return own(await pick(await fetch(`${origin}${BASE}${c.path}`, init)));
    // Next answers a HEAD with the GET export when the route has no HEAD export of its own.
    const exports = nextRoute as unknown as Record<string, (r: Request) => Promise<Response>>;
    const fn = exports[c.method] ?? (c.method === 'HEAD' ? exports.GET : undefined)!;
    return own(await pick(await fn(new Request(`${origin}${BASE}${c.path}`, init))));
  };
  return [await send(expressOrigin, true), await send(honoOrigin, true), await send('http://next.test', false)];
}

describe('management API on Express, Hono and Next: identical bytes', () => {
  let id = '';
  beforeAll(async () => {
    id = (await shared.create({ label: 'shared', scopes: ['comments'], expiresIn: '30d' })).record.id;
  });

  const calls: (() => Call)[] = [
    () => ({ method: 'GET', path: '/tokens' }),
    () => ({ method: 'GET', path: `/tokens/${id}` }),
    () => ({ method: 'GET', path: '/tokens/tok_nope' }),
    () => ({ method: 'GET', path: '/tokens?limit=500&bogus=1' }),
    () => ({ method: 'POST', path: '/tokens', body: JSON.stringify({ scopes: 'x', extra: true }) }),
    () => ({ method: 'POST', path: '/tokens', body: JSON.stringify({ label: 'x'.repeat(20_000) }) }),
    () => ({ method: 'POST', path: '/tokens', body: '{"label":' }),
    () => ({ method: 'POST', path: '/tokens', body: JSON.stringify({ label: 'x' }), crossOrigin: true }),
    () => ({ method: 'POST', path: '/tokens', body: JSON.stringify({ label: 'x', scopes: ['tickets:assign'] }) }),
    () => ({ method: 'PATCH', path: `/tokens/${id}`, body: JSON.stringify({ label: 'shared' }) }),
    () => ({ method: 'POST', path: `/tokens/${id}/rotate`, body: JSON.stringify({ graceMs: -5 }) }),
    () => ({ method: 'GET', path: '/scopes' }),
    () => ({ method: 'GET', path: '/openapi.json' }),
    () => ({ method: 'DELETE', path: `/tokens/${id}` }),
    () => ({ method: 'HEAD', path: '/tokens' }),
    () => ({ method: 'HEAD', path: `/tokens/${id}` }),
    () => ({ method: 'HEAD', path: '/tokens/tok_nope' }),
    () => ({ method: 'HEAD', path: '/scopes' }),
    () => ({ method: 'HEAD', path: '/openapi.json' }),
    () => ({ method: 'HEAD', path: '/tokens', headers: { cookie: 'sid=nobody' } }),
    () => ({ method: 'HEAD', path: '/device' }),
    () => ({ method: 'DELETE', path: '/scopes' }),
    () => ({ method: 'GET', path: '/tokens', headers: { cookie: 'sid=nobody' } }),
    () => ({
      method: 'POST',
      path: '/tokens',
      body: JSON.stringify({ label: 'x' }),
      headers: { cookie: '', authorization: 'Bearer acme_sk_1nottherightlength' },
    }),
    () => ({ method: 'POST', path: `/tokens/${id}/revoke`, body: JSON.stringify({ reason: 'done' }) }),
    () => ({
      method: 'POST',
      path: '/tokens/revoke-all',
      body: JSON.stringify({ target: { ownerId: 'alice' }, reason: 'x', expectCount: 99 }),
    }),
  ];

  test.each(calls.map((c, i) => [i, c] as const))('request %i gives the same answer everywhere', async (_i, c) => {
    const [ex, ho, nx] = await all(c());
    expect(ho).toEqual(ex);
    expect(nx).toEqual(ex);
    expect(ex!.status).toBeLessThan(500);
  });

  test('create and rotate answer 201 with no-store everywhere', async () => {
    const answers = await all({
      method: 'POST',
      path: '/tokens',
      body: JSON.stringify({ label: 'new', scopes: ['read'] }),
    });
    for (const a of answers) {
      expect(a.status).toBe(201);
      expect(a.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(a.body).token).toMatch(/^acme_sk_/);
    }
  });

  test.each(['/tokens', '/scopes', '/openapi.json', '/device', '/tokens/tok_nope'])(
    'HEAD %s on 127.0.0.1: the GET status and header fields, no body, on Express and Hono',
    async (path) => {
      // Fields of the connection, not of the answer: the server sets them per exchange.
      const TRANSPORT = ['date', 'connection', 'keep-alive', 'transfer-encoding'];
      const fields = (r: Response) => [...r.headers].filter(([k]) => !TRANSPORT.includes(k));
      for (const origin of [expressOrigin, honoOrigin]) {
        const init = (method: string) => ({ method, headers: { cookie: 'sid=alice', origin } });
        const get = await fetch(`${origin}${BASE}${path}`, init('GET'));
        const body = await get.text();
        expect(body.length, origin).toBeGreaterThan(0);
        // A buffered answer says its length: not sent chunked.
        expect(get.headers.get('content-length'), origin).toBe(String(Buffer.byteLength(body)));
        const head = await fetch(`${origin}${BASE}${path}`, init('HEAD'));
        expect(head.status, origin).toBe(get.status);
        expect(fields(head), origin).toEqual(fields(get));
        expect(await head.text()).toBe('');
      }
    },
  );

  test('Express refuses a chunked body over the cap without reading it all', async () => {
    const big = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"label":"'));
        for (let i = 0; i < 64; i++) c.enqueue(new Uint8Array(1024).fill(0x61));
        c.close();
      },
    });
    const res = await fetch(`${expressOrigin}${BASE}/tokens`, {
      method: 'POST',
      headers: { cookie: 'sid=alice', origin: expressOrigin, 'content-type': 'application/json' },
      body: big,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('payload_too_large');
  });
});
