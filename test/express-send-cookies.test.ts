/**
 * `expressHandler` writes every header field of the `Response`, each `Set-Cookie` included: a Web
 * `Headers` iterates them one by one under one name, and copying them into one record kept only the
 * last (a handler of the app's own that sets a session cookie and a CSRF cookie lost the first).
 * Real Express on 127.0.0.1, a real HTTP client.
 */
import type { IncomingMessage } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { expressHandler } from '../src/adapters/express.ts';
import { send } from './express-serve.ts';

async function get(method: string, handler: (request: Request) => Promise<Response>): Promise<IncomingMessage> {
  const app = express();
  app.all('/x', expressHandler(handler));
  return send(app, '/x', method);
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
