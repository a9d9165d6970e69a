/**
 * A streamed body that fails is never passed off as a complete answer (src/adapters/express-send.ts):
 * before anything was sent, Express's error handler answers (a 500, not a 200); after the status
 * went out, the connection is cut, so the client sees an aborted response and not a clean end of a
 * truncated body. Real Express on 127.0.0.1, a real HTTP client; ordering through gates the test holds.
 */
import type { IncomingMessage } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { expressHandler } from '../src/adapters/express.ts';
import { send } from './express-serve.ts';

async function get(handler: (request: Request) => Promise<Response>): Promise<IncomingMessage> {
  const app = express();
  app.get('/export', expressHandler(handler));
  app.use((_e: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).end('error handler');
  });
  return send(app, '/export');
}

/** How the client's response ended: 'end' (complete) or 'aborted' (cut), with what it received. */
const outcome = (res: IncomingMessage) =>
  new Promise<{ how: string; body: string }>((resolve) => {
    let body = '';
    res.on('data', (c: Buffer) => (body += c.toString('utf8')));
    res.on('end', () => resolve({ how: 'end', body }));
    res.on('aborted', () => resolve({ how: 'aborted', body }));
    res.on('error', () => resolve({ how: 'aborted', body }));
  });

describe('a streamed body that fails', () => {
  it('after its first chunk went out: the connection is cut, not ended as a 200', async () => {
    let fail!: (e: Error) => void;
    const later = new Promise<never>((_, reject) => (fail = reject));
    let n = 0;
    const res = await get(
      async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              if (n++ === 0) return controller.enqueue(new TextEncoder().encode('{"i":1}\n'));
              await later;
            },
          }),
        ),
    );
    expect(res.statusCode).toBe(200);
    const done = outcome(res);
    fail(new Error('store went away'));
    expect(await done).toEqual({ how: 'aborted', body: '{"i":1}\n' });
  });

  it('before anything was sent: Express’s error handler answers, no 200', async () => {
    const res = await get(
      async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"i":1}\n'));
              controller.error(new Error('store went away'));
            },
          }),
        ),
    );
    expect([res.statusCode, (await outcome(res)).body]).toEqual([500, 'error handler']);
  });
});
