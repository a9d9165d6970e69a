/**
 * The approval page and its form, read by a person deciding what to let a program do: text the
 * program (or a link) chose cannot hide or reorder itself there, and a form that names a field
 * twice is refused rather than read by its first value.
 *
 * Restriction ids are checked only for NUL and lone surrogates (they are the integrator's ids), so
 * a program could ask for `{"company":["acme\u202Egpj.exe"]}`: U+202E RIGHT-TO-LEFT OVERRIDE
 * shows the rest backwards ("Trojan Source", CVE-2021-42574), and U+200B or U+2066 hide
 * themselves. The page names each such character (`U+202E`) instead of rendering it.
 */
import { describe, expect, it } from 'vitest';
import { hashDeviceCode } from '../src/device/codes.ts';
import { SESSION, setup } from './device-fixture.ts';

/** Bidi embeddings, overrides, isolates and marks; zero-width and BOM; a C0 control (BEL). */
const HIDDEN = /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u061C\uFEFF\u0007\u00AD]/u;
const PAGE = { cookie: SESSION.cookie, 'sec-fetch-site': 'none' };

async function withRestrictions(ids: string[]) {
  const w = setup({ resources: ['company'] });
  const r = await w.post('/code', {
    client_id: 'toado-cli',
    host: 'laptop',
    scope: 'read',
    restrictions: JSON.stringify({ company: ids }),
  });
  expect(r.status).toBe(200);
  return { w, s: (await r.json()) as { device_code: string; user_code: string } };
}

describe('the approval page names invisible and reordering characters instead of rendering them', () => {
  it('a restriction id with U+202E (and U+2066, U+200B, U+FEFF, BEL, a soft hyphen): none reaches the HTML', async () => {
    const { w, s } = await withRestrictions([
      'acme\u202Egpj.exe',
      'a\u2066b\u2069',
      'c\u200Bd',
      '\uFEFFe\u0007\u00ADf',
    ]);
    const r = await w.send(`?user_code=${s.user_code}`, { headers: PAGE });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).not.toMatch(HIDDEN);
    for (const named of ['acme', 'U+202E', 'gpj.exe', 'U+2066', 'U+2069', 'U+200B', 'U+FEFF', 'U+0007', 'U+00AD'])
      expect(text).toContain(named);
  });

  it('ids of visible text, from any script, are shown as they are', async () => {
    const { w, s } = await withRestrictions(['acme', 'société-générale', 'שלום', '株式会社']);
    const text = await (await w.send(`?user_code=${s.user_code}`, { headers: PAGE })).text();
    const ids = ['acme', 'société-générale', 'שלום', '株式会社'].map((id) => `<bdi><code>${id}</code></bdi>`);
    expect(text).toContain(`company: ${ids.join(', ')}`);
    expect(text).not.toContain('U+');
  });

  it('each id is isolated in its own <bdi>: a right-to-left id cannot reorder its neighbours, "a, b" is one id', async () => {
    const { w, s } = await withRestrictions(['a, b', 'שלום']);
    const text = await (await w.send(`?user_code=${s.user_code}`, { headers: PAGE })).text();
    expect(text).toContain('company: <bdi><code>a, b</code></bdi>, <bdi><code>שלום</code></bdi>');
  });

  it('a scope the form names but the program never asked for is reported without its hidden characters', async () => {
    const w = setup();
    const s = await w.start();
    const r = await w.post('/approve', { user_code: s.user_code, scope: 'read\u202Eetirw', expires: '30d' }, SESSION);
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(text).toContain('Not requested by the program');
    expect(text).not.toMatch(HIDDEN);
  });

  it('a code typed with a hidden character is given back, on the entry form, named', async () => {
    const w = setup();
    const r = await w.send(`?user_code=${encodeURIComponent('\u202EBCDF')}`, { headers: PAGE });
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(text).not.toMatch(HIDDEN);
    expect(text).toContain('U+202E');
  });
});

describe('a field of the approval form sent twice (as RFC 6749 §3.1 has the token endpoint refuse it)', () => {
  const cases: [string, 'approve' | 'deny', (code: string) => string][] = [
    [
      'user_code twice (the real code first)',
      'approve',
      (c) => `user_code=${c}&user_code=ZZZZ-ZZZZ&scope=read&expires=30d`,
    ],
    ['the same user_code twice', 'approve', (c) => `user_code=${c}&user_code=${c}&scope=read&expires=30d`],
    ['expires twice', 'approve', (c) => `user_code=${c}&scope=read&expires=30d&expires=1d`],
    ['user_code twice, to deny', 'deny', (c) => `user_code=${c}&user_code=ZZZZ-ZZZZ`],
  ];
  it.each(cases)(
    '%s: 400 naming the field; the grant stays pending, no wrong entry counted',
    async (_what, verdict, body) => {
      const w = setup();
      const s = await w.start();
      const send = () =>
        w.send(`/${verdict}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...SESSION },
          body: body(s.user_code),
        });
      for (let i = 0; i < 6; i++) {
        const r = await send();
        expect(r.status).toBe(400);
        const text = await r.text();
        expect(text).toMatch(/sent more than once: (user_code|expires)/);
        expect(text).not.toContain('Already answered');
      }
      expect(await w.grants.inner.get(hashDeviceCode(s.device_code))).toMatchObject({ status: 'pending', version: 1 });
      expect(w.audit.events.filter((e) => e.type === 'device.approved' || e.type === 'device.denied')).toEqual([]);
      // Six refusals counted no wrong entry (five lock the session out): the person can still approve.
      expect((await w.approve(s.user_code)).status).toBe(200);
    },
  );

  it('several ticked scopes are one field sent several times on purpose, and still approve', async () => {
    const w = setup();
    const started = await w.post('/code', { client_id: 'toado-cli', host: 'laptop', scope: 'read write' });
    const s = (await started.json()) as { device_code: string; user_code: string };
    const r = await w.send('/approve', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...SESSION },
      body: `user_code=${s.user_code}&scope=read&scope=write&expires=30d`,
    });
    expect(r.status).toBe(200);
    const token = (await (await w.poll(s.device_code)).json()) as { scope: string };
    expect(token.scope.split(' ').sort()).toEqual(['read', 'write']);
  });
});
