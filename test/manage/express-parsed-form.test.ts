/**
 * An Express app that parses forms globally (`app.use(express.urlencoded())`, common) consumes the
 * body before keycard's mount sees it. The mount re-sent such a body as JSON under the form's
 * Content-Type, so the device routes read no parameters: the program's login failed ("client_id
 * must be …") and the approval form's code was missing, a wrong entry spending the person's tries.
 * A parsed form is re-sent as the form it was.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expressHandler } from '../../src/adapters/express.ts';
import { BASE, setup } from './fixture.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const servers: Server[] = [];
const origins: Record<string, string> = {};
let world: ReturnType<typeof setup>;

beforeAll(async () => {
  world = setup();
  for (const [name, parser] of [
    ['urlencoded', express.urlencoded({ extended: false })],
    ['urlencoded extended', express.urlencoded({ extended: true })],
  ] as const) {
    const app = express();
    app.use(parser);
    app.use(BASE, expressHandler(world.handler));
    const s = app.listen(0, '127.0.0.1');
    await new Promise((r) => s.once('listening', r));
    servers.push(s);
    origins[name] = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
});

describe.each(['urlencoded', 'urlencoded extended'])('behind express.%s()', (name) => {
  test('a device login starts, is approved through the page, and the poll gets the token', async () => {
    const origin = origins[name]!;
    const started = await fetch(`${origin}${BASE}/device/code`, {
      method: 'POST',
      headers: FORM,
      body: 'client_id=cli&host=laptop&scope=read',
    });
    expect(started.status).toBe(200);
    const codes = (await started.json()) as { device_code: string; user_code: string };
    const approved = await fetch(`${origin}${BASE}/device/approve`, {
      method: 'POST',
      headers: { ...FORM, cookie: 'sid=alice', origin },
      body: new URLSearchParams({ user_code: codes.user_code, scope: 'read', expires: '30d' }).toString(),
    });
    expect(approved.status).toBe(200);
    const polled = await fetch(`${origin}${BASE}/device/token`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: codes.device_code,
        client_id: 'cli',
      }).toString(),
    });
    expect(polled.status).toBe(200);
    expect(await polled.json()).toHaveProperty('access_token');
  });

  test('a parameter sent twice is still seen twice (invalid_request), not collapsed', async () => {
    const r = await fetch(`${origins[name]}${BASE}/device/code`, {
      method: 'POST',
      headers: FORM,
      body: 'client_id=cli&scope=read&scope=comments',
    });
    const answer = (await r.json()) as { error: string; error_description: string };
    expect(answer).toMatchObject({ error: 'invalid_request' });
    expect(answer.error_description).toContain('scope');
  });

  test('a JSON management body is untouched by the form parser', async () => {
    const r = await fetch(`${origins[name]}${BASE}/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'sid=alice', origin: origins[name]! },
      body: JSON.stringify({ label: 'json', scopes: ['read'] }),
    });
    expect(r.status).toBe(201);
  });
});
