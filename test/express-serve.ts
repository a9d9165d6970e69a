/**
 * Real Express at 127.0.0.1 for the `expressHandler` tests (test/express-*.test.ts): listen, send a
 * request with a real HTTP client, and close the server (and its connections) after each test.
 */
import type { AddressInfo } from 'node:net';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { Express } from 'express';
import { afterEach } from 'vitest';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Serves `app` at 127.0.0.1 until the test ends; answers its port. */
export async function listen(app: Express): Promise<number> {
  await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
  return (server!.address() as AddressInfo).port;
}

/** Serves `app`, sends `method path` with no body, and answers the response (its body unread). */
export async function send(app: Express, path: string, method = 'GET'): Promise<IncomingMessage> {
  const port = await listen(app);
  return new Promise((resolve, reject) =>
    httpRequest({ host: '127.0.0.1', port, path, method }, resolve).on('error', reject).end(),
  );
}
