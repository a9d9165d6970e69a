/**
 * Shared by the deviceLogin tests over real sockets: a login with no browser, no output and no
 * real sleeps, and a fetch handler (such as the device routes) served over HTTP on 127.0.0.1.
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { deviceLogin, type DeviceLoginOptions } from '../src/cli/login.ts';

/** A `/device/code` answer with a 3 s life, polled every second. */
export const CODES = {
  device_code: 'd'.repeat(43),
  user_code: 'BCDF-GHJK',
  verification_uri: 'https://app.example/api/tokens/device',
  expires_in: 3,
  interval: 1,
};

/** deviceLogin with no browser, no output and no real sleeps unless `options` say otherwise; the outcome or the error. */
export const quietLogin = (url: string, options: Partial<DeviceLoginOptions> = {}): Promise<unknown> =>
  deviceLogin({
    url,
    clientId: 'toado-cli',
    host: 'laptop',
    output: () => {},
    openBrowser: false,
    sleep: async () => {},
    ...options,
  }).catch((e: unknown) => e);

/** `handler` served by @hono/node-server on a free port of 127.0.0.1 (404 where it answers nothing). */
export async function serveLoopback(
  handler: (r: Request) => Promise<Response | null | undefined>,
): Promise<{ origin: string; close: () => void }> {
  const server = serve({
    fetch: async (r: Request) => (await handler(r)) ?? new Response(null, { status: 404 }),
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise((r) => server.once('listening', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
