/**
 * The RFC 9728 metadata handler's OPTIONS to the letter of RFC 9110 §9.3.7 ("A server generating a
 * successful response to OPTIONS SHOULD send any header that might indicate optional features
 * implemented by the server and applicable to the target resource (e.g., Allow)"): the 204 says
 * `Allow: GET, HEAD, OPTIONS`, the same list its 405 gives, beside the CORS fields it already had.
 * Through real Express and Hono servers (127.0.0.1) and `handle()` itself.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { expressHandler } from '../src/adapters/express.ts';
import { protectedResource } from '../src/oauth/index.ts';

const resource = protectedResource({
  resource: 'https://api.example.com/mcp',
  authorizationServers: ['https://auth.example.com'],
  scopesSupported: ['read'],
});
const PATH = '/.well-known/oauth-protected-resource/mcp';
const handle = async (request: Request) => resource.handle(request) ?? new Response(null, { status: 404 });

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
