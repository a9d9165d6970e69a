/**
 * The device routes to the letter of RFC 8628 and RFC 6749: a parameter sent twice is
 * `invalid_request` (RFC 6749 §3.1, §3.2, §5.2), a device code polled by another client than the
 * one it was issued to is `invalid_grant` (§5.2), and what a person types for the user code is
 * read case-insensitively with the punctuation added for readability ignored (RFC 8628 §6.1),
 * whichever dash their keyboard or autocorrect produced, so a typographic dash is not a wrong
 * entry spending their five tries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashDeviceCode, normalizeUserCode, USER_CODE_ALPHABET } from '../src/device/codes.ts';
import { SESSION, setup } from './device-fixture.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const form = (w: ReturnType<typeof setup>, path: string, body: string) =>
  w.send(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

describe('a parameter sent twice (RFC 6749 §3.1: MUST NOT be included more than once)', () => {
  it.each([
    ['client_id=a&client_id=b&scope=read', 'client_id'],
    ['client_id=a&scope=read&scope=write', 'scope'],
    ['client_id=a&host=h&host=h', 'host'],
  ])('POST /device/code %s: invalid_request naming %s, no grant stored', async (body, name) => {
    const w = setup();
    const r = await form(w, '/code', body);
    expect(r.status).toBe(400);
    const answer = (await r.json()) as { error: string; error_description: string };
    expect(answer.error).toBe('invalid_request');
    expect(answer.error_description).toContain(name);
    expect(w.audit.events.filter((e) => e.type === 'device.requested')).toHaveLength(0);
  });

  it('POST /device/token with device_code twice: invalid_request, and the grant is not polled', async () => {
    const w = setup();
    const s = await w.start();
    const r = await form(
      w,
      '/token',
      `grant_type=${GRANT}&device_code=${s.device_code}&device_code=other&client_id=toado-cli`,
    );
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: 'invalid_request' });
    // Not counted as a poll: the first real poll is not told to slow down.
    expect(await (await w.poll(s.device_code)).json()).toMatchObject({ error: 'authorization_pending' });
  });

  it('POST /device/token with grant_type twice: invalid_request', async () => {
    const w = setup();
    const s = await w.start();
    const r = await form(
      w,
      '/token',
      `grant_type=${GRANT}&grant_type=${GRANT}&device_code=${s.device_code}&client_id=toado-cli`,
    );
    expect(await r.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('a device code polled by another client (RFC 6749 §5.2 invalid_grant)', () => {
  it('a poll naming another client_id gets invalid_grant; an approved grant is not issued to it', async () => {
    const w = setup();
    const s = await w.start();
    expect((await w.approve(s.user_code)).status).toBe(200);
    const stolen = await form(w, '/token', `grant_type=${GRANT}&device_code=${s.device_code}&client_id=evil-cli`);
    expect(await stolen.json()).toMatchObject({ error: 'invalid_grant' });
    // The client it was issued to still gets its token.
    const own = await form(w, '/token', `grant_type=${GRANT}&device_code=${s.device_code}&client_id=toado-cli`);
    expect(own.status).toBe(200);
    expect(await own.json()).toHaveProperty('access_token');
  });
});

describe('user-code entry (RFC 8628 §6.1)', () => {
  const dashes = ['-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', '\uff0d', ' ', '.', '_', '\u00a0'];

  it.each(dashes.map((d) => [d.codePointAt(0)!.toString(16), d]))(
    'U+%s between the halves is ignored: the approval page, and no wrong entry counted',
    async (_hex, dash) => {
      const w = setup();
      const s = await w.start();
      const typed = s.user_code.replace('-', dash).toLowerCase();
      const r = await w.send(`?user_code=${encodeURIComponent(typed)}`, {
        headers: { cookie: SESSION.cookie, 'sec-fetch-site': 'none' },
      });
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('Approve toado-cli?');
    },
  );

  it('law: separators and case never change which code is meant, and nothing else is ignored (2,000 runs)', () => {
    const letter = fc.constantFrom(...USER_CODE_ALPHABET);
    const separator = fc.constantFrom(...dashes, '', '  ', '\t');
    fc.assert(
      fc.property(
        fc.array(letter, { minLength: 8, maxLength: 8 }),
        fc.array(separator, { minLength: 9, maxLength: 9 }),
        fc.boolean(),
        (code, seps, lower) => {
          const typed = code.map((c, i) => `${seps[i]}${lower ? c.toLowerCase() : c}`).join('') + seps[8];
          if (typed.length > 32) return;
          expect(normalizeUserCode(typed)).toBe(code.join(''));
        },
      ),
      { numRuns: 2000 },
    );
    // A letter outside the alphabet, or a ninth letter, is still no code.
    expect(normalizeUserCode('BCDF-GHJA')).toBeNull();
    expect(normalizeUserCode('BCDF-GHJKL')).toBeNull();
    expect(normalizeUserCode('BCDF/GHJK?')).toBeNull();
  });
});

describe('a poll naming no client (RFC 8628 §3.4, RFC 6749 §3.2.1: a public client MUST send client_id)', () => {
  const noClient = (w: ReturnType<typeof setup>, deviceCode: string, extra = '') =>
    form(w, '/token', `grant_type=${encodeURIComponent(GRANT)}&device_code=${deviceCode}${extra}`);

  it.each([
    ['no client_id', ''],
    ['an empty client_id', '&client_id='],
    ['a blank client_id', '&client_id=%20%20'],
  ])('%s: 400 invalid_request, no secret echoed, and the pending grant is not polled', async (_what, extra) => {
    const w = setup();
    const s = await w.start();
    const r = await noClient(w, s.device_code, extra);
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(JSON.parse(text)).toEqual({ error: 'invalid_request', error_description: 'client_id is missing' });
    expect(text).not.toContain(s.device_code);
    const grant = await w.grants.inner.get(hashDeviceCode(s.device_code));
    expect(grant).toMatchObject({ status: 'pending', lastPolledAt: null, version: 1 });
    // Not counted as a poll: the client's own first poll is not told to slow down.
    expect(await (await w.poll(s.device_code)).json()).toMatchObject({ error: 'authorization_pending' });
  });

  it('an approved grant polled without client_id is not taken: the client it was issued to still gets its token', async () => {
    const w = setup();
    const s = await w.start();
    expect((await w.approve(s.user_code)).status).toBe(200);
    expect(await (await noClient(w, s.device_code)).json()).toMatchObject({ error: 'invalid_request' });
    expect(await w.grants.inner.get(hashDeviceCode(s.device_code))).toMatchObject({ status: 'approved' });
    expect(w.audit.events.filter((e) => e.type === 'token.issued')).toHaveLength(0);
    const own = await w.poll(s.device_code);
    expect(own.status).toBe(200);
    expect(await own.json()).toHaveProperty('access_token');
  });

  it('a missing device_code and client_id are named together', async () => {
    const w = setup();
    const r = await form(w, '/token', `grant_type=${encodeURIComponent(GRANT)}`);
    expect(await r.json()).toEqual({
      error: 'invalid_request',
      error_description: 'device_code and client_id are missing',
    });
  });

  it('another client_id leaves a pending grant as it was (invalid_grant, not counted as a poll)', async () => {
    const w = setup();
    const s = await w.start();
    const r = await noClient(w, s.device_code, '&client_id=evil-cli');
    expect(await r.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await w.grants.inner.get(hashDeviceCode(s.device_code))).toMatchObject({ lastPolledAt: null, version: 1 });
  });
});
