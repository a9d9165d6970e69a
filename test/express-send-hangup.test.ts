/**
 * `expressHandler` cancels a streamed body when the client hangs up, so its source stops reading
 * (src/adapters/express-send.ts) — also when the client hung up while the handler was still working,
 * before `send` ran: the response's `close` has fired already then, and a listener added after it
 * never hears it. Real Express on 127.0.0.1, a real HTTP client; ordering only, through gates the
 * test holds (a failure is a 5 s wait for the cancel).
 */
import { request as httpRequest } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { expressHandler } from '../src/adapters/express.ts';
import { listen } from './express-serve.ts';
import { within } from './mcp-helpers.ts';

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

/** A body still being produced: one chunk, then `more` decides (a source that always has one, or one that waits). */
function body(more: 'always' | 'waits', cancelled: () => void): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ === 0 || more === 'always') controller.enqueue(new TextEncoder().encode(`{"i":${sent}}\n`));
      else return new Promise<void>(() => {}); // the next page never comes
    },
    cancel: () => cancelled(),
  });
}

describe('a client that hung up while the handler worked: the body the handler returns is cancelled', () => {
  for (const more of ['waits', 'always'] as const)
    it(`a source that ${more === 'waits' ? 'waits for its next page' : 'always has a chunk ready'}`, async () => {
      const [arrived, hungUp, cancelled] = [gate(), gate(), gate()];
      const app = express();
      app.get(
        '/export',
        (_req, res, next) => {
          res.on('close', hungUp.open);
          arrived.open();
          next();
        },
        expressHandler(async () => {
          await hungUp.opened; // the handler's own work (a query) outlasts the client
          return new Response(body(more, cancelled.open), { headers: { 'content-type': 'application/x-ndjson' } });
        }),
      );
      const port = await listen(app);
      const client = httpRequest({ host: '127.0.0.1', port, path: '/export' });
      client.on('error', () => {});
      client.end();
      await arrived.opened;
      client.destroy();
      await within(cancelled.opened, 'the body to be cancelled', 5000);
      expect(true).toBe(true);
    });
});
