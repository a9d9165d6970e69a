/**
 * The management handler's `device` option: `/device…` under the same base path is answered by
 * the device routes (built once, with the handler's `basePath`, `authorize` and `allowedOrigins`),
 * every other path by the management routes; `false` turns the device routes off; a bad or
 * duplicated device option is refused at construction, naming the field.
 */
import { describe, expect, it } from 'vitest';
import { KeycardError } from '../../src/index.ts';
import { memoryPendingGrantStore } from '../../src/device/grant-store.ts';
import { BASE, ORIGIN, setup } from './fixture.ts';

const form = (body: Record<string, string | string[]>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const x of [v].flat()) p.append(k, x);
  return p.toString();
};

describe('createManagementHandler: the device option', () => {
  it('serves the whole device flow at basePath/device with the session of authorize, and the token appears in GET /tokens', async () => {
    const { call, handler } = setup({ device: { appName: 'Acme', store: memoryPendingGrantStore() } });
    const post = (path: string, body: Record<string, string | string[]>, headers: Record<string, string> = {}) =>
      handler(
        new Request(`${ORIGIN}${BASE}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: form(body),
        }),
      );
    const code = await post('/device/code', { client_id: 'acme-cli', host: 'laptop', scope: 'read comments' });
    expect(code.status).toBe(200);
    const started = (await code.json()) as { device_code: string; user_code: string; verification_uri: string };
    expect(started.verification_uri).toBe(`${ORIGIN}${BASE}/device`);

    const signedOut = await handler(new Request(`${ORIGIN}${BASE}/device?user_code=${started.user_code}`));
    expect(signedOut.status).toBe(401);
    const page = await handler(
      new Request(`${ORIGIN}${BASE}/device?user_code=${started.user_code}`, { headers: { cookie: 'sid=alice' } }),
    );
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Acme');

    // CSRF: the handler's own origin rule (no allowedOrigins: the request's origin).
    const foreign = await post(
      '/device/approve',
      { user_code: started.user_code, scope: ['read'], expires: '30d' },
      { cookie: 'sid=alice', origin: 'https://evil.test' },
    );
    expect(foreign.status).toBe(403);
    const approved = await post(
      '/device/approve',
      { user_code: started.user_code, scope: ['read'], expires: '30d' },
      { cookie: 'sid=alice', origin: ORIGIN },
    );
    expect(approved.status).toBe(200);

    const token = await post('/device/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: started.device_code,
      client_id: 'acme-cli',
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    expect(access_token).toMatch(/^acme_sk_/);

    const list = await call('GET', '/tokens');
    const rows = ((await list.json()) as { data: { label: string; scopes: string[]; ownerId: string }[] }).data;
    expect(rows).toEqual([
      expect.objectContaining({ label: 'acme-cli on laptop', scopes: ['read'], ownerId: 'alice' }),
    ]);
  });

  it('uses the handler allowedOrigins for approve and deny', async () => {
    const { handler } = setup({ allowedOrigins: ['https://app.example'] });
    const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
      handler(
        new Request(`${ORIGIN}${BASE}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: form(body),
        }),
      );
    const { user_code } = (await (await post('/device/code', { client_id: 'cli', scope: 'read' })).json()) as {
      user_code: string;
    };
    expect((await post('/device/deny', { user_code }, { cookie: 'sid=alice', origin: ORIGIN })).status).toBe(403);
    expect(
      (await post('/device/deny', { user_code }, { cookie: 'sid=alice', origin: 'https://app.example' })).status,
    ).toBe(200);
  });

  it('is on by default, and device: false leaves /device to the management 404', async () => {
    const on = setup();
    expect((await on.handler(new Request(`${ORIGIN}${BASE}/device`))).status).toBe(401);
    const off = setup({ device: false });
    const res = await off.handler(new Request(`${ORIGIN}${BASE}/device`, { headers: { cookie: 'sid=alice' } }));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('not_found');
    // Management routes are unchanged either way.
    expect((await on.call('GET', '/tokens')).status).toBe(200);
    expect((await off.call('GET', '/tokens')).status).toBe(200);
  });

  it('refuses, naming each field, an unknown device option, a bad value, and the options the handler already sets', () => {
    const bad = (device: unknown) => {
      try {
        setup({ device: device as never });
      } catch (e) {
        expect(e).toBeInstanceOf(KeycardError);
        expect((e as KeycardError).code).toBe('invalid_config');
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ nope: 1 })).toMatch(/createManagementHandler: .*nope/);
    expect(bad({ interval: 0, appName: '' })).toMatch(
      /device\.interval.*device\.appName|device\.appName.*device\.interval/,
    );
    expect(bad({ basePath: '/x' })).toMatch(/basePath/);
    expect(bad({ authorize: () => null })).toMatch(/authorize/);
    expect(bad({ allowedOrigins: ['https://a.test'] })).toMatch(/allowedOrigins/);
    expect(bad({ onError: () => {} })).toMatch(/onError/); // the handler's own onError is used
    expect(bad(true)).toMatch(/device/);
  });
});
