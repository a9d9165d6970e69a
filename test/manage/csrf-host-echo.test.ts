/**
 * The CSRF refusal's detail names the request's own origin (without `allowedOrigins`), and that
 * origin comes from the URL the adapter built: from `Host` (Express, Hono's Node server), or from
 * an absolute-form request target. A client chooses those bytes, so the echo must be bounded and
 * masked as any other client text a message quotes (`excerpt`): a token's secret part pasted
 * without its prefix (66 hex digits, the URL parser lower-cases a host) or a 16 KB Host came back
 * whole in the 403 body. Real servers on 127.0.0.1, raw sockets (a client sends any Host).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expressHandler } from '../../src/adapters/express.ts';
import { sendRaw } from '../raw-http.ts';
import { BASE, setup } from './fixture.ts';

let world: ReturnType<typeof setup>;
let expressServer: Server;
let honoServer: ServerType;
const ports: Record<string, number> = {};

beforeAll(async () => {
  world = setup();
  const e = express();
  e.use(BASE, expressHandler(world.handler));
  expressServer = e.listen(0, '127.0.0.1');
  await new Promise((r) => expressServer.once('listening', r));
  ports.express = (expressServer.address() as AddressInfo).port;
  const h = new Hono();
  h.mount(BASE, world.handler, { replaceRequest: false });
  await new Promise<void>((resolve) => {
    honoServer = serve({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  ports.hono = (honoServer.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => expressServer.close(r));
  await new Promise((r) => honoServer.close(r));
});

/** A cookie-authorized create with `Host: host` and a foreign Origin: the 403 body's detail. */
async function refusal(port: number, host: string, target = `${BASE}/tokens`) {
  const text = await sendRaw(
    port,
    `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nCookie: sid=alice\r\nOrigin: https://evil.example\r\n` +
      'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
  );
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status: Number(text.split(' ')[1]), detail: (JSON.parse(body) as { detail: string }).detail };
}

const HEX66 = '0f'.repeat(33); // a token's version and body in hex: SECRET_RUN's 64+ hex digits with a digit

describe.each(['express', 'hono'])('the 403 detail on %s never echoes a client-chosen Host whole', (name) => {
  test('a token secret in hex as the Host: masked', async () => {
    const a = await refusal(ports[name]!, `${HEX66}.example`);
    expect(a.status).toBe(403);
    expect(a.detail).not.toContain(HEX66);
    expect(a.detail).toMatch(/^Cross-origin request refused: Origin is not /);
  });

  test('a 12 KB Host: the detail stays bounded', async () => {
    const a = await refusal(ports[name]!, `${'a'.repeat(60)}.`.repeat(200) + 'example');
    expect(a.status).toBe(403);
    expect(a.detail.length).toBeLessThanOrEqual(300);
  });

  test('an ordinary Host is still named', async () => {
    const a = await refusal(ports[name]!, '127.0.0.1:3002');
    expect(a.detail).toBe('Cross-origin request refused: Origin is not http://127.0.0.1:3002');
  });
});

test('express: an absolute-form target carrying a secret-shaped authority: masked too', async () => {
  const a = await refusal(ports.express!, 'localhost', `http://${HEX66}.example${BASE}/tokens`);
  expect(a.status).toBe(403);
  expect(a.detail).not.toContain(HEX66);
});
