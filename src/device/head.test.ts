/**
 * The device routes mounted on their own (`createDeviceRoutes`), to the letter of RFC 9110: a
 * HEAD of the approval page is its GET without content (the redirect to `loginUrl` included),
 * and every JSON answer and page says `X-Content-Type-Options: nosniff`.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, type Actor } from '../index.ts';
import { fakeClock } from '../testing/clock.ts';
import { createDeviceRoutes } from './routes.ts';
import type { DeviceRoutesOptions } from './options.ts';

const ORIGIN = 'https://app.example';
const jason: Actor = { kind: 'user', id: 'u_jason', scopes: ['read'] };
const session = { cookie: 'session=jason' };

function setup(over: Partial<DeviceRoutesOptions> = {}) {
  const keycard = createKeycard({ prefix: 'toado', scopes: defineScopes({ read: {} }), clock: fakeClock() });
  const routes = createDeviceRoutes(keycard, {
    basePath: '/api/tokens',
    authorize: (r) => (r.headers.get('cookie') === session.cookie ? jason : null),
    ...over,
  });
  return async (path: string, init: RequestInit = {}) => (await routes(new Request(`${ORIGIN}${path}`, init)))!;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('HEAD /device', () => {
  it.each([
    ['signed in', {}, session],
    ['signed out', {}, {}],
    ['signed out, with loginUrl (303)', { loginUrl: '/login' }, {}],
  ] as const)('%s: the GET status and headers, no body', async (_name, over, headers) => {
    const call = setup(over);
    const get = await call('/api/tokens/device', { headers });
    const head = await call('/api/tokens/device', { method: 'HEAD', headers });
    expect(head.status).toBe(get.status);
    const body = await get.text();
    const length = [['content-length', String(new TextEncoder().encode(body).length)]];
    // The GET's fields, plus the length of the GET's body (a server sends it for the GET).
    expect([...head.headers]).toEqual([...get.headers, ...length].sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)));
    expect(await head.text()).toBe('');
  });

  it('the 405s allow HEAD beside GET on the page, POST on the rest', async () => {
    const call = setup();
    expect((await call('/api/tokens/device', { method: 'POST' })).headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    const token = await call('/api/tokens/device/token', { method: 'HEAD' });
    expect([token.status, token.headers.get('allow'), await token.text()]).toEqual([405, 'POST, OPTIONS', '']);
  });
});

describe('X-Content-Type-Options: nosniff', () => {
  it('on the JSON of the program routes, success and error', async () => {
    const call = setup();
    const body = new URLSearchParams({ client_id: 'cli', scope: 'read' }).toString();
    const ok = await call('/api/tokens/device/code', { method: 'POST', headers: FORM, body });
    const bad = await call('/api/tokens/device/token', { method: 'POST', headers: FORM, body: 'grant_type=x' });
    expect([ok.status, bad.status]).toEqual([200, 400]);
    for (const r of [ok, bad]) expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('on the pages: the form, sign in, and a refused approval', async () => {
    const call = setup();
    const pages = [
      await call('/api/tokens/device', { headers: session }),
      await call('/api/tokens/device'),
      await call('/api/tokens/device/approve', {
        method: 'POST',
        headers: { ...FORM, ...session },
        body: 'user_code=x',
      }),
    ];
    for (const r of pages) {
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});
