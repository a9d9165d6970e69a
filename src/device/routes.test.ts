/**
 * The device routes through Web Requests with an injected clock: RFC 8628 §3.5 error paths, approval
 * with narrowing and no escalation, CSRF, the entry limit against guessed user codes, and the audit. */
import { describe, expect, it } from 'vitest';
import {
  createKeycard,
  defineScopes,
  memoryAuditSink,
  memoryTokenStore,
  KeycardError,
  type Actor,
  type TokenStore,
} from '../index.ts';
import { fakeClock } from '../testing/clock.ts';
import { normalizeUserCode, USER_CODE_ALPHABET } from './codes.ts';
import { createDeviceRoutes } from './routes.ts';
import type { DeviceRoutesOptions } from './options.ts';

const ORIGIN = 'https://app.example';
const scopes = defineScopes({
  read: { description: 'Read tickets' },
  comments: { implies: ['read'], description: 'Post comments' },
  'tickets:write': { implies: ['read', 'comments'], description: 'Create and edit tickets' },
  admin: { description: 'Administer' },
});
const jason: Actor = { kind: 'user', id: 'u_jason', scopes: ['tickets:write'] };

function setup(over: Partial<DeviceRoutesOptions> = {}, store?: TokenStore) {
  const clock = fakeClock();
  const sink = memoryAuditSink();
  const keycard = createKeycard({
    prefix: 'toado',
    scopes,
    clock,
    audit: [sink],
    resources: ['company', 'project'],
    ...(store && { store }),
  });
  const routes = createDeviceRoutes(keycard, {
    basePath: '/api/tokens',
    authorize: (r) => (r.headers.get('cookie') === 'session=jason' ? jason : null),
    ...over,
  });
  const call = async (path: string, init: RequestInit = {}) => {
    const answer = await routes(new Request(`${ORIGIN}${path}`, init));
    if (answer === null) throw new Error(`not a device route: ${path}`);
    return answer;
  };
  const form = (body: Record<string, string | string[]>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) for (const x of [v].flat()) p.append(k, x);
    return p.toString();
  };
  const post = (path: string, body: Record<string, string | string[]>, headers: Record<string, string> = {}) =>
    call(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: form(body),
    });
  const start = async (
    body: Record<string, string> = { client_id: 'toado-cli', host: 'laptop', scope: 'read comments tickets:write' },
  ) => {
    const r = await post('/api/tokens/device/code', body);
    expect(r.status).toBe(200);
    return (await r.json()) as {
      device_code: string;
      user_code: string;
      verification_uri: string;
      verification_uri_complete: string;
      expires_in: number;
      interval: number;
    };
  };
  const poll = async (deviceCode: string, clientId = 'toado-cli') => {
    const r = await post('/api/tokens/device/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: deviceCode,
      client_id: clientId,
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown>, headers: r.headers };
  };
  const session = { cookie: 'session=jason', origin: ORIGIN };
  const approve = (userCode: string, picked: string[], expires = '90d', headers: Record<string, string> = session) =>
    post('/api/tokens/device/approve', { user_code: userCode, scope: picked, expires }, headers);
  return { clock, sink, keycard, routes, call, post, start, poll, approve, session };
}

describe('POST /device/code (RFC 8628 §3.2)', () => {
  it('answers a device code, an XXXX-XXXX user code of the consonant alphabet, the URIs, expires_in 600 and interval 5', async () => {
    const { start } = setup();
    const a = await start();
    expect(a.user_code).toMatch(new RegExp(`^[${USER_CODE_ALPHABET}]{4}-[${USER_CODE_ALPHABET}]{4}$`));
    expect(a.device_code.length).toBeGreaterThanOrEqual(40);
    expect(a.verification_uri).toBe(`${ORIGIN}/api/tokens/device`);
    expect(a.verification_uri_complete).toBe(`${ORIGIN}/api/tokens/device?user_code=${a.user_code}`);
    expect(a.expires_in).toBe(600);
    expect(a.interval).toBe(5);
  });

  it('refuses unknown scopes, a missing client_id and a JSON body', async () => {
    const { post } = setup();
    const r = await post('/api/tokens/device/code', { client_id: 'x', scope: 'read nope' });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: 'invalid_scope' });
    expect(await (await post('/api/tokens/device/code', { scope: 'read' })).json()).toMatchObject({
      error: 'invalid_request',
    });
  });

  it('stores only the hash of the device code', async () => {
    const store = (await import('./grant-store.ts')).memoryPendingGrantStore();
    const { start } = setup({ store });
    const a = await start();
    const grant = await store.getByUserCode(normalizeUserCode(a.user_code)!);
    expect(JSON.stringify(grant)).not.toContain(a.device_code);
  });
});

describe('POST /device/token error paths (RFC 8628 §3.5), injected clock', () => {
  it('keeps an approval when the token store is briefly unavailable: 503, then the next poll gets the token', async () => {
    const inner = memoryTokenStore();
    // Down for the whole first poll (issue tries the create again a few times before answering).
    let down = true;
    const create: TokenStore['create'] = (token) => {
      if (down) throw new KeycardError('unavailable', 'Token store unavailable');
      return inner.create(token);
    };
    const store: TokenStore = new Proxy(inner, {
      get: (target, key, receiver) => (key === 'create' ? create : (Reflect.get(target, key, receiver) as unknown)),
    });
    const reported: unknown[] = [];
    const { start, poll, approve, clock } = setup({ onError: (e) => void reported.push(e) }, store);
    const a = await start();
    expect((await approve(a.user_code, ['read'])).status).toBe(200);
    const first = await poll(a.device_code);
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ error: 'temporarily_unavailable' });
    // The operator hears of the outage through onError (console.warn when unset), once.
    expect(reported).toEqual([expect.objectContaining({ code: 'unavailable', message: 'Token store unavailable' })]);
    clock.advance(5000);
    down = false;
    const second = await poll(a.device_code);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ token_type: 'Bearer', scope: 'read' });
    expect((await poll(a.device_code)).body.error).toBe('invalid_grant'); // still single-use
  });

  it('authorization_pending while waiting; slow_down when polled faster than interval, which then grows by 5 s', async () => {
    const { start, poll, clock } = setup();
    const a = await start();
    expect((await poll(a.device_code)).body.error).toBe('authorization_pending');
    clock.advance(4999);
    const fast = await poll(a.device_code);
    expect(fast.status).toBe(400);
    expect(fast.body).toMatchObject({ error: 'slow_down', interval: 10 });
    expect(fast.headers.get('cache-control')).toBe('no-store');
    clock.advance(9999); // the new interval is 10 s
    expect((await poll(a.device_code)).body.error).toBe('slow_down');
    clock.advance(15_000);
    expect((await poll(a.device_code)).body.error).toBe('authorization_pending');
  });

  it('expired_token once the device code has lived expires_in', async () => {
    const { start, poll, clock, approve } = setup();
    const a = await start();
    clock.advance(600_000);
    expect((await poll(a.device_code)).body.error).toBe('expired_token');
    expect((await approve(a.user_code, ['read'])).status).toBe(400); // the page no longer takes it either
  });

  it('access_denied after the person denies, then invalid_grant: the code is single-use', async () => {
    const { start, poll, post, session, sink } = setup();
    const a = await start();
    const r = await post('/api/tokens/device/deny', { user_code: a.user_code }, session);
    expect(r.status).toBe(200);
    expect((await poll(a.device_code)).body.error).toBe('access_denied');
    expect((await poll(a.device_code)).body.error).toBe('invalid_grant');
    await Promise.resolve();
    expect(sink.events.find((e) => e.type === 'device.denied')).toMatchObject({
      actor: { kind: 'user', id: 'u_jason' },
      label: 'toado-cli on laptop',
    });
  });

  it('approval issues one token with exactly the approved scopes; reusing the device code gets invalid_grant', async () => {
    const { start, poll, approve, keycard, clock, sink } = setup();
    const a = await start();
    const ok = await approve(a.user_code, ['read', 'tickets:write'], '30d');
    expect(ok.status).toBe(200);
    clock.advance(5000);
    const got = await poll(a.device_code);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ token_type: 'Bearer', scope: 'read tickets:write', expires_in: 30 * 86_400 - 5 });
    const record = await keycard.get(got.body['token_id'] as string);
    expect(record).toMatchObject({
      ownerId: 'u_jason',
      createdBy: 'u_jason',
      label: 'toado-cli on laptop',
      scopes: ['read', 'tickets:write'],
      metadata: { via: 'device' },
    });
    const verified = await keycard.verify(got.body['access_token'] as string);
    expect(verified.ok).toBe(true);
    expect((await poll(a.device_code)).body.error).toBe('invalid_grant');
    await Promise.resolve();
    const types = sink.events.map((e) => e.type);
    expect(types).toEqual(['device.requested', 'device.approved', 'token.issued']);
    expect(sink.events[1]).toMatchObject({ actor: { kind: 'user', id: 'u_jason' }, scopes: ['read', 'tickets:write'] });
    expect(JSON.stringify(sink.events)).not.toContain(a.device_code);
    expect(JSON.stringify(sink.events)).not.toContain(got.body['access_token'] as string);
  });

  it('default token expiry is 90 days', async () => {
    const { start, poll, approve, keycard, clock } = setup();
    const a = await start({ client_id: 'c', scope: 'read' });
    await approve(a.user_code, ['read']);
    const got = await poll(a.device_code, 'c');
    expect((await keycard.get(got.body['token_id'] as string))?.expiresAt).toBe(clock.now() + 90 * 86_400_000);
  });

  it('refuses a wrong grant_type and an unknown device code', async () => {
    const { post, poll } = setup();
    expect(
      await (await post('/api/tokens/device/token', { grant_type: 'password', device_code: 'x' })).json(),
    ).toMatchObject({ error: 'unsupported_grant_type' });
    expect((await poll('nope')).body.error).toBe('invalid_grant');
  });
});

describe('approval: narrowing, no escalation, CSRF', () => {
  it('cannot grant a scope the approver lacks (403) nor one the program did not request (400)', async () => {
    const { start, approve } = setup();
    const a = await start({ client_id: 'c', scope: 'read admin' });
    expect((await approve(a.user_code, ['read', 'admin'])).status).toBe(403);
    expect((await approve(a.user_code, ['comments'])).status).toBe(400);
    expect((await approve(a.user_code, ['read'], '400d')).status).toBe(400); // longer than offered
  });

  it('refuses approve and deny from a foreign origin or without Origin; passes Sec-Fetch-Site same-origin', async () => {
    const { start, approve, poll } = setup();
    const a = await start();
    expect(
      (await approve(a.user_code, ['read'], '90d', { cookie: 'session=jason', origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await approve(a.user_code, ['read'], '90d', { cookie: 'session=jason' })).status).toBe(403);
    expect((await poll(a.device_code)).body.error).toBe('authorization_pending');
    expect(
      (await approve(a.user_code, ['read'], '90d', { cookie: 'session=jason', 'sec-fetch-site': 'same-origin' }))
        .status,
    ).toBe(200);
  });

  // `Origin: null` comes from sandboxed iframes and cross-origin redirects, so any page can send it;
  // it must never match an allowed origin whose URL serialises to "null" (app://…, file:).
  for (const allowed of ['app://desktop', 'file:///Applications/Toado.app'])
    it(`refuses Origin: null even when allowedOrigins lists ${allowed}`, async () => {
      const { start, approve } = setup({ allowedOrigins: [allowed, ORIGIN] });
      const a = await start();
      expect((await approve(a.user_code, ['read'], '90d', { cookie: 'session=jason', origin: 'null' })).status).toBe(
        403,
      );
      expect((await approve(a.user_code, ['read'], '90d')).status).toBe(200);
    });

  it('refuses Sec-Fetch-Site same-site, none and cross-site without an allowed Origin', async () => {
    const { start, approve } = setup();
    const a = await start();
    for (const site of ['same-site', 'none', 'cross-site'])
      expect(
        (await approve(a.user_code, ['read'], '90d', { cookie: 'session=jason', 'sec-fetch-site': site })).status,
      ).toBe(403);
  });

  it('needs a session: 401 page without one, or a redirect to loginUrl', async () => {
    const { call } = setup();
    expect((await call('/api/tokens/device')).status).toBe(401);
    const { call: call2 } = setup({ loginUrl: '/login' });
    const r = await call2('/api/tokens/device?user_code=BCDF-GHJK');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/login?next=%2Fapi%2Ftokens%2Fdevice%3Fuser_code%3DBCDF-GHJK');
  });

  it('a loginUrl that already has a query gets next= as one more parameter', async () => {
    const { call } = setup({ loginUrl: '/login?via=device' });
    const r = await call('/api/tokens/device');
    expect(r.headers.get('location')).toBe('/login?via=device&next=%2Fapi%2Ftokens%2Fdevice');
  });

  it("the page names the app's account in words that read with the default appName too", async () => {
    const { start, call } = setup();
    const a = await start({ client_id: 'toado-cli', host: 'laptop', scope: 'read' });
    const html = await (
      await call(`/api/tokens/device?user_code=${a.user_code}`, { headers: { cookie: 'session=jason' } })
    ).text();
    expect(html).toContain('asks for access to your account on this app.');
    expect(html).not.toContain('your this app account');
  });

  it('the page lists client, host, every scope with its description, restrictions and expiry, never the device code', async () => {
    const { start, call, session } = setup();
    const a = await start({
      client_id: 'toado-cli',
      host: 'laptop',
      scope: 'read admin',
      restrictions: '{"company":["c1"]}',
      token_lifetime: '30d',
    });
    const r = await call(`/api/tokens/device?user_code=${a.user_code.toLowerCase()}`, { headers: session });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    const body = await r.text();
    for (const s of [
      'toado-cli',
      'laptop',
      'Read tickets',
      'Administer',
      'company: <bdi><code>c1</code></bdi>',
      'In 30 days (as requested)',
      'gives a program a token',
    ])
      expect(body).toContain(s);
    expect(body).not.toContain('In 90 days');
    expect(body).not.toContain(a.device_code);
  });
});

describe('user-code entry is throttled per session', () => {
  it('after 5 wrong codes even the right code is refused (429) until the window passes', async () => {
    const { start, call, approve, session, clock } = setup({ codeLifetimeSeconds: 3600 });
    const a = await start();
    const wrong = a.user_code.startsWith('B') ? 'CCCC-CCCC' : 'BBBB-BBBB';
    for (let i = 0; i < 5; i++)
      expect((await call(`/api/tokens/device?user_code=${wrong}`, { headers: session })).status).toBe(400);
    expect((await call(`/api/tokens/device?user_code=${a.user_code}`, { headers: session })).status).toBe(429);
    expect((await approve(a.user_code, ['read'])).status).toBe(429);
    clock.advance(900_000);
    expect((await call(`/api/tokens/device?user_code=${a.user_code}`, { headers: session })).status).toBe(200);
  });

  // RFC 9110 §10.2.3 / RFC 6585 §4: the 429 says when to come back, to the second, on the page
  // and on the approve form alike: when the oldest of the five failures leaves the window.
  it('the 429 carries Retry-After: the seconds until the oldest wrong entry leaves the window', async () => {
    const { start, call, approve, session, clock } = setup({ codeLifetimeSeconds: 3600 });
    const a = await start();
    const wrong = a.user_code.startsWith('B') ? 'CCCC-CCCC' : 'BBBB-BBBB';
    for (let i = 0; i < 5; i++) {
      expect((await call(`/api/tokens/device?user_code=${wrong}`, { headers: session })).status).toBe(400);
      clock.advance(61_500); // the oldest failure leaves 900 s after it: 900 − 5 × 61.5 = 592.5 s from here
    }
    const page = await call(`/api/tokens/device?user_code=${a.user_code}`, { headers: session });
    expect([page.status, page.headers.get('retry-after')]).toEqual([429, '593']);
    expect(await page.text()).toContain('Try again in 10 minute(s).');
    const posted = await approve(a.user_code, ['read']);
    expect([posted.status, posted.headers.get('retry-after')]).toEqual([429, '593']);
    clock.advance(592_000);
    const late = await call(`/api/tokens/device?user_code=${a.user_code}`, { headers: session });
    expect([late.status, late.headers.get('retry-after')]).toEqual([429, '1']);
    clock.advance(500);
    const back = await call(`/api/tokens/device?user_code=${a.user_code}`, { headers: session });
    expect([back.status, back.headers.get('retry-after')]).toEqual([200, null]);
  });

  it('a brute force of 1,000 guesses gets at most 5 looked up', async () => {
    const store = (await import('./grant-store.ts')).memoryPendingGrantStore();
    let lookups = 0;
    const counting = { ...store, getByUserCode: (c: string) => (lookups++, store.getByUserCode(c)) };
    const { call, session } = setup({ store: counting });
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const guess = Array.from({ length: 8 }, (_, j) => USER_CODE_ALPHABET[(i * 7 + j * 3) % 20]).join('');
      const s = (await call(`/api/tokens/device?user_code=${guess}`, { headers: session })).status;
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    expect(lookups).toBe(5);
    expect(statuses.get(429)).toBe(995);
  });
});

describe('routing', () => {
  it('answers null outside basePath/device, 405 for a wrong method', async () => {
    const { routes } = setup();
    expect(await routes(new Request(`${ORIGIN}/api/tokens/tokens`))).toBe(null);
    expect(await routes(new Request(`${ORIGIN}/api/tokens/devices`))).toBe(null);
    expect((await routes(new Request(`${ORIGIN}/api/tokens/device/token`)))?.status).toBe(405);
  });
});

describe('bounded memory store', () => {
  it('answers 503 temporarily_unavailable once maxGrants grants are pending', async () => {
    const { memoryPendingGrantStore } = await import('./grant-store.ts');
    const { post } = setup({ store: memoryPendingGrantStore({ maxGrants: 2 }) });
    const body = { client_id: 'c', scope: 'read' };
    expect((await post('/api/tokens/device/code', body)).status).toBe(200);
    expect((await post('/api/tokens/device/code', body)).status).toBe(200);
    const full = await post('/api/tokens/device/code', body);
    expect(full.status).toBe(503);
    expect(await full.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });
});
