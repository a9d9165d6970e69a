/**
 * The RFC 9728 metadata answers (SPEC §16) carry what every other answer keycard writes carries:
 * the document `X-Content-Type-Options: nosniff` (a browser never sniffs it into something else),
 * and a wrong method a problem+json 405 with a `code`, `Allow`, `Cache-Control: no-store` and
 * `nosniff`, as the leak intake's and the management handler's 405s. Before, the 405 was an
 * empty body with `Allow` only, and neither had `nosniff`. Through real Express and Hono servers
 * (mounted as docs/mcp.md shows), a Next route handler, and `handle()` itself.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expressHandler } from '../src/adapters/express.ts';
import { protectedResource } from '../src/oauth/index.ts';

const resource = protectedResource({
  resource: 'https://api.example.com/mcp',
  authorizationServers: ['https://auth.example.com'],
  scopesSupported: ['read'],
});
const PATH = '/.well-known/oauth-protected-resource/mcp';
const handle = async (request: Request) => resource.handle(request) ?? new Response(null, { status: 404 });
/** A Next.js route module at app/.well-known/oauth-protected-resource/mcp/route.ts. */
const nextRoute: Record<string, (r: Request) => Promise<Response>> = { GET: handle, POST: handle, DELETE: handle };

let expressServer: Server;
let honoServer: ServerType;
const origins: string[] = [];
beforeAll(async () => {
  const e = express();
  e.use('/.well-known/oauth-protected-resource', expressHandler(handle));
  await new Promise<void>((resolve) => {
    expressServer = e.listen(0, '127.0.0.1', () => resolve());
  });
  const h = new Hono();
  h.all('/.well-known/*', (c) => handle(c.req.raw));
  await new Promise<void>((resolve) => {
    honoServer = serve({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  for (const s of [expressServer, honoServer]) origins.push(`http://127.0.0.1:${(s.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await new Promise((r) => expressServer.close(r));
  await new Promise((r) => honoServer.close(r));
});

const pick = async (r: Response) => ({
  status: r.status,
  type: r.headers.get('content-type'),
  cache: r.headers.get('cache-control'),
  nosniff: r.headers.get('x-content-type-options'),
  allow: r.headers.get('allow'),
  body: await r.text(),
});

async function everywhere(method: string) {
  const out = await Promise.all(origins.map(async (o) => pick(await fetch(`${o}${PATH}`, { method }))));
  out.push(await pick(await nextRoute[method]!(new Request(`https://api.example.com${PATH}`, { method }))));
  out.push(await pick(resource.handle(new Request(`https://api.example.com${PATH}`, { method }))!));
  return out;
}

describe('protected resource metadata: the letter of its answers', () => {
  test('GET: the document, with nosniff', async () => {
    for (const seen of await everywhere('GET'))
      expect(seen).toEqual({
        status: 200,
        type: 'application/json',
        cache: 'max-age=3600',
        nosniff: 'nosniff',
        allow: null,
        body: JSON.stringify(resource.document),
      });
  });

  test.each(['POST', 'DELETE'])('%s: 405 problem+json with a code, Allow, no-store and nosniff', async (method) => {
    for (const seen of await everywhere(method))
      expect(seen).toEqual({
        status: 405,
        type: 'application/problem+json',
        cache: 'no-store',
        nosniff: 'nosniff',
        allow: 'GET, HEAD, OPTIONS',
        body: '{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"Use GET, HEAD, OPTIONS","code":"method_not_allowed"}',
      });
  });
});

// RFC 9110 §9.3.7: "A server generating a successful response to OPTIONS SHOULD send any header
// that might indicate optional features implemented by the server and applicable to the target
// resource (e.g., Allow)": the 204 names the list its 405 gives, beside the CORS fields.
test('OPTIONS: 204 with Allow: GET, HEAD, OPTIONS and the CORS fields, no body', async () => {
  const answers = [
    ...(await Promise.all(origins.map((o) => fetch(`${o}${PATH}`, { method: 'OPTIONS' })))),
    await handle(new Request(`https://api.example.com${PATH}`, { method: 'OPTIONS' })),
  ];
  for (const r of answers)
    expect({
      status: r.status,
      allow: r.headers.get('allow'),
      methods: r.headers.get('access-control-allow-methods'),
      origin: r.headers.get('access-control-allow-origin'),
      body: await r.text(),
    }).toEqual({ status: 204, allow: 'GET, HEAD, OPTIONS', methods: 'GET, HEAD', origin: '*', body: '' });
});
