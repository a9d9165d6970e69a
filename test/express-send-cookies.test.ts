/**
 * `expressHandler` writes every header field of the `Response`, each `Set-Cookie` included: a Web
 * `Headers` iterates them one by one under one name, and copying them into one record kept only the
 * last (a handler of the app's own that sets a session cookie and a CSRF cookie lost the first).
 * Real Express on 127.0.0.1, a real HTTP client.
 */
import type { AddressInfo } from 'node:net';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { expressHandler } from '../src/adapters/express.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function get(method: string, handler: (request: Request) => Promise<Response>): Promise<IncomingMessage> {
  const app = express();
  app.all('/x', expressHandler(handler));
  await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
  const { port } = server!.address() as AddressInfo;
  return new Promise((resolve, reject) =>
    httpRequest({ host: '127.0.0.1', port, path: '/x', method }, resolve).on('error', reject).end(),
  );
}

describe('expressHandler keeps every Set-Cookie', () => {
  for (const [what, body] of [
    ['a whole body', () => 'ok'],
    ['a streamed body', () => new ReadableStream({ pull: (c) => void (c.enqueue(new Uint8Array([1])), c.close()) })],
    ['no body', () => null],
  ] as const)
    it(`${what}: both cookies reach the client, in order`, async () => {
      const res = await get(
        'GET',
        async () =>
          new Response(body(), {
            headers: [
              ['set-cookie', 'sid=1; HttpOnly'],
              ['set-cookie', 'csrf=2'],
              ['x-other', 'y'],
            ],
          }),
      );
      res.resume();
      expect([res.headers['set-cookie'], res.headers['x-other']]).toEqual([['sid=1; HttpOnly', 'csrf=2'], 'y']);
    });
});
