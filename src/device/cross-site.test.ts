/**
 * The device routes over real HTTP (@hono/node-server on 127.0.0.1, node's fetch), attacked from
 * another site and by racing clients. A page elsewhere can make the signed-in person's browser
 * GET `/device?user_code=…` (an image, a link, a redirect): with the session cookie attached,
 * each wrong code used to count against the person, so five of them locked the person out of
 * entering their real code for 15 minutes, and each was a store lookup. Then the races: one
 * approved grant exchanged by concurrent polls issues exactly one token, and approve and deny
 * sent together leave exactly one answer.
 */
import { serveLoopback } from '../../test/login-fixture.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, type Actor, type Keycard } from '../index.ts';
import { memoryPendingGrantStore, type PendingGrantStore } from './grant-store.ts';
import { createDeviceRoutes } from './routes.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const scopes = defineScopes({ read: { description: 'Read tickets' } });
const jason: Actor = { kind: 'user', id: 'u_jason', scopes: ['read'] };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let keycard: Keycard;
let base: string;
let origin: string;
let lookups = 0;
let close: () => void;
beforeAll(async () => {
  keycard = createKeycard({ prefix: 'toado', scopes });
  const inner = memoryPendingGrantStore();
  const store: PendingGrantStore = { ...inner, getByUserCode: (c) => (lookups++, inner.getByUserCode(c)) };
  // A session per cookie value, so each test has its own entry budget.
  const device = createDeviceRoutes(keycard, {
    basePath: '/api/tokens',
    store,
    authorize: (r) => {
      const id = /session=(\w+)/.exec(r.headers.get('cookie') ?? '')?.[1];
      return id ? { ...jason, id } : null;
    },
  });
  ({ origin, close } = await serveLoopback(device));
  base = `${origin}/api/tokens/device`;
});
afterAll(async () => {
  close();
  await keycard.close();
});

const start = async () =>
  (await (
    await fetch(`${base}/code`, { method: 'POST', headers: FORM, body: 'client_id=toado-cli&host=laptop&scope=read' })
  ).json()) as { device_code: string; user_code: string };
const page = (userCode: string, who: string, site?: string) =>
  fetch(`${base}?user_code=${encodeURIComponent(userCode)}`, {
    headers: { cookie: `session=${who}`, ...(site ? { 'sec-fetch-site': site } : {}) },
  });
const decide = (verdict: 'approve' | 'deny', userCode: string, who: string) =>
  fetch(`${base}/${verdict}`, {
    method: 'POST',
    headers: { ...FORM, cookie: `session=${who}`, origin },
    body: new URLSearchParams({ user_code: userCode, scope: 'read', expires: '90d' }).toString(),
  });
const poll = (deviceCode: string) =>
  fetch(`${base}/token`, {
    method: 'POST',
    headers: FORM,
    body: new URLSearchParams({ grant_type: GRANT, device_code: deviceCode, client_id: 'toado-cli' }).toString(),
  });
const wrongFor = (code: string) => (code.startsWith('B') ? 'CCCC-CCCC' : 'BBBB-BBBB');

describe('GET /device from another site: no lookup, no count, one more click', () => {
  for (const site of ['cross-site', 'same-site'])
    it(`five ${site} GETs with wrong codes do not lock the person out of their real code`, async () => {
      const a = await start();
      for (let i = 0; i < 5; i++)
        expect((await page(wrongFor(a.user_code), `victim${site[0]}`, site)).status).toBe(200);
      const own = await page(a.user_code, `victim${site[0]}`, 'same-origin');
      expect(own.status).toBe(200);
      expect(await own.text()).toContain('Approve toado-cli?');
    });

  it('a cross-site link with the right code shows the code to confirm, not the approval form, and looks nothing up', async () => {
    const a = await start();
    const before = lookups;
    const r = await page(a.user_code, 'linked', 'cross-site');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    const body = await r.text();
    expect(body).toContain(`value="${a.user_code}"`);
    expect(body).not.toContain('Approve toado-cli?');
    expect(body).not.toContain('/device/approve');
    expect(lookups).toBe(before);
  });

  it('a script claiming Sec-Fetch-Site: cross-site gets no oracle: 200 guesses, no lookup', async () => {
    const before = lookups;
    for (let i = 0; i < 200; i++) {
      const r = await page(`BCDF-${'GHJKLMNP'.slice(i % 4, (i % 4) + 4)}`, 'scripted', 'cross-site');
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    expect(lookups).toBe(before);
  });

  it('a page opened from the terminal (Sec-Fetch-Site: none) or by an old browser (no header) goes straight to approval', async () => {
    const a = await start();
    expect(await (await page(a.user_code, 'terminal', 'none')).text()).toContain('Approve toado-cli?');
    expect(await (await page(a.user_code, 'terminal')).text()).toContain('Approve toado-cli?');
  });

  it('a reflected code is escaped in the confirm form', async () => {
    const r = await page('"><script>x</script>', 'reflected', 'cross-site');
    const body = await r.text();
    expect(body).not.toContain('<script>x');
  });
});

describe('races over real HTTP', () => {
  it('an approved grant polled by 20 concurrent requests issues exactly one token', async () => {
    const a = await start();
    expect((await decide('approve', a.user_code, 'racer')).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const r = await poll(a.device_code);
        return { status: r.status, body: (await r.json()) as Record<string, unknown> };
      }),
    );
    expect(answers.filter((x) => x.status === 200)).toHaveLength(1);
    expect(answers.filter((x) => x.status !== 200).every((x) => x.body['error'] === 'invalid_grant')).toBe(true);
    const issued = await keycard.list({ ownerId: 'racer' });
    expect(issued.records).toHaveLength(1);
  });

  it('approve and deny sent together: exactly one wins, and the poll agrees with it', async () => {
    const a = await start();
    const [ok, no] = await Promise.all([decide('approve', a.user_code, 'both'), decide('deny', a.user_code, 'both')]);
    // The loser is told the login was answered elsewhere (409), not that its code is wrong.
    expect([ok.status, no.status].sort()).toEqual([200, 409]);
    const answer = await poll(a.device_code);
    if (ok.status === 200) expect(answer.status).toBe(200);
    else expect(((await answer.json()) as { error: string }).error).toBe('access_denied');
  });

  it('a code answered in another window is 409 "Already answered", and spends no wrong-entry budget', async () => {
    const a = await start();
    expect((await decide('approve', a.user_code, 'twice')).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      const again = await decide('approve', a.user_code, 'twice');
      expect([again.status, (await again.text()).includes('answered in another window')]).toEqual([409, true]);
      expect((await page(a.user_code, 'twice')).status).toBe(409);
    }
    const b = await start(); // five wrong entries would have locked this person out (429)
    expect((await page(b.user_code, 'twice')).status).toBe(200);
  });
});
