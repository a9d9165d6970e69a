/**
 * deviceLogin against a hostile or broken server (a real HTTP server on 127.0.0.1, node's fetch):
 * a captive portal answering 200 with HTML, a token answer without a usable token, a
 * verification URI that is not a web page (`file:`, `javascript:`) or that carries terminal
 * escape sequences, a code answer missing its fields. Each must be a KeycardError before anything
 * is printed, opened or answered as a token; nothing from the server reaches the terminal raw.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KeycardError } from '../core/errors.ts';
import { deviceLogin } from './login.ts';

type Answer = { status: number; body: string; type?: string };
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

const CODES = {
  device_code: 'd'.repeat(43),
  user_code: 'BCDF-GHJK',
  verification_uri: 'https://app.example/api/tokens/device',
  expires_in: 600,
  interval: 1,
};
const json = (body: unknown, status = 200): Answer => ({ status, body: JSON.stringify(body) });

/** A real server answering `/device/code` and `/device/token` as told; returns the base URL. */
async function hostile(code: Answer, token: Answer = json({ error: 'authorization_pending' }, 400)): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = req.url?.endsWith('/device/code') ? code : token;
      res.writeHead(a.status, { 'content-type': a.type ?? 'application/json' });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/tokens`;
}

async function login(url: string, more: Partial<Parameters<typeof deviceLogin>[0]> = {}) {
  const lines: string[] = [];
  const opened: string[] = [];
  const outcome = await deviceLogin({
    ...more,
    url,
    clientId: 'toado-cli',
    host: 'laptop',
    output: (l) => lines.push(l),
    openBrowser: (u) => void opened.push(u),
    sleep: async () => {},
  }).then(
    (r) => r as unknown,
    (e: unknown) => e,
  );
  return { outcome, lines, opened };
}

describe('deviceLogin: the token answer must hold a token', () => {
  const cases: [string, Answer][] = [
    ['a captive portal: 200 text/html', { status: 200, body: '<html>Sign in to the Wi-Fi</html>', type: 'text/html' }],
    ['200 JSON without access_token', json({ token_type: 'Bearer' })],
    ['200 with a number as access_token', json({ access_token: 42, token_type: 'Bearer' })],
    ['200 with a token no header can carry', json({ access_token: 'toado_sk_1\r\nX-Evil: 1', token_type: 'Bearer' })],
    ['200 with an empty access_token', json({ access_token: '', token_type: 'Bearer' })],
  ];
  for (const [what, answer] of cases)
    it(`${what}: KeycardError invalid_request, never a token "undefined"`, async () => {
      const { outcome } = await login(await hostile(json(CODES), answer));
      expect(outcome).toBeInstanceOf(KeycardError);
      expect(outcome).toMatchObject({ code: 'invalid_request' });
    });
});

describe('deviceLogin: the code answer is checked before anything is printed or opened', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['a file: verification_uri', { ...CODES, verification_uri: 'file:///etc/passwd' }],
    ['a javascript: verification_uri', { ...CODES, verification_uri: 'javascript:alert(1)' }],
    ['a verification_uri_complete of another scheme', { ...CODES, verification_uri_complete: 'smb://evil/share' }],
    ['no verification_uri', { ...CODES, verification_uri: undefined }],
    ['no device_code', { ...CODES, device_code: undefined }],
    ['expires_in as a string', { ...CODES, expires_in: 'soon' }],
    ['a user_code with a terminal escape', { ...CODES, user_code: 'BCDF\u001b]0;pwned\u0007' }],
  ];
  for (const [what, body] of cases)
    it(`${what}: KeycardError invalid_request; nothing printed, nothing opened`, async () => {
      const { outcome, lines, opened } = await login(await hostile(json(body)));
      expect(outcome).toBeInstanceOf(KeycardError);
      expect(outcome).toMatchObject({ code: 'invalid_request' });
      expect(lines).toEqual([]);
      expect(opened).toEqual([]);
    });

  it('a verification_uri with escape sequences in its path is printed percent-encoded, never raw', async () => {
    const uri = 'https://app.example/device/\u001b[2J\u001b]8;;https://evil\u0007';
    const { lines, opened } = await login(await hostile(json({ ...CODES, verification_uri: uri }), json({}, 500)));
    for (const line of [...lines, ...opened]) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(lines[0]).toContain('https://app.example/device/');
  });
});

/** Control characters (C0, DEL, C1) and bidi overrides: an ESC or a CSI would drive the terminal the error is printed on. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('deviceLogin: nothing the server writes reaches the terminal raw in an error', () => {
  const escapes = 'x\u001b]52;c;cGF5bG9hZA==\u0007\u001b[2J\u009b31m\r\nFAKE: Logged in\u202etxt.exe';
  const cases: [string, Answer, Answer?][] = [
    ['an error_description from /device/code', json({ error: 'invalid_client', error_description: escapes }, 400)],
    ['an error code from /device/code', json({ error: escapes }, 400)],
    [
      'an error_description from /device/token',
      json(CODES),
      json({ error: 'server_error', error_description: escapes }, 400),
    ],
    ['an error code from /device/token', json(CODES), json({ error: escapes }, 400)],
  ];
  for (const [what, code, token] of cases)
    it(`${what} with escape sequences: the message holds no control character, the text stays`, async () => {
      const { outcome } = await login(await hostile(code, token));
      expect(outcome).toBeInstanceOf(KeycardError);
      const message = (outcome as KeycardError).message;
      expect(message).not.toMatch(CONTROL);
      expect(message).toContain('FAKE: Logged in');
    });
});

describe('deviceLogin: the page to open is as safe as the API it came from', () => {
  /** An `https://api.example` API whose requests reach the local test server (no TLS here). */
  const overTls = (local: string): Partial<Parameters<typeof deviceLogin>[0]> => ({
    fetch: (input, init) => fetch(String(input).replace('https://api.example/api/tokens', local), init),
  });

  it('an https API answering a plain-http page on another host: invalid_request, nothing printed or opened', async () => {
    const local = await hostile(json({ ...CODES, verification_uri: 'http://app.example/api/tokens/device' }));
    const { outcome, lines, opened } = await login('https://api.example/api/tokens', overTls(local));
    expect(outcome).toMatchObject({ code: 'invalid_request' });
    expect((outcome as Error).message).toMatch(/verification_uri is plain http/);
    expect([lines, opened]).toEqual([[], []]);
  });

  it('the same for verification_uri_complete alone', async () => {
    const complete = 'http://api.example/api/tokens/device?user_code=BCDF-GHJK';
    const local = await hostile(json({ ...CODES, verification_uri_complete: complete }));
    const { outcome, opened } = await login('https://api.example/api/tokens', overTls(local));
    expect(outcome).toMatchObject({ code: 'invalid_request' });
    expect(opened).toEqual([]);
  });

  it('a plain-http page on loopback, or from a plain-http API, is still opened (development)', async () => {
    const local = await hostile(json({ ...CODES, verification_uri: 'http://localhost:3000/device' }), json({}, 500));
    expect((await login('https://api.example/api/tokens', overTls(local))).opened).toEqual([
      'http://localhost:3000/device',
    ]);
    const plain = await login(
      await hostile(json({ ...CODES, verification_uri: 'http://app.example/device' }), json({}, 500)),
    );
    expect(plain.opened).toEqual(['http://app.example/device']);
  });

  it('a page with a user name (https://app.example@evil.example/): invalid_request, nothing printed', async () => {
    const uri = 'https://app.example%2Fapi%2Ftokens@evil.example/device';
    const { outcome, lines, opened } = await login(await hostile(json({ ...CODES, verification_uri: uri })));
    expect(outcome).toMatchObject({ code: 'invalid_request' });
    expect([lines, opened]).toEqual([[], []]);
  });
});

describe('deviceLogin: the server cannot stretch the wait without bound', () => {
  /** Logs in against `url`, recording each wait; a runaway loop is cut off after 10,000 polls. */
  async function waits(url: string) {
    const sleeps: number[] = [];
    const outcome = await deviceLogin({
      url,
      clientId: 'toado-cli',
      host: 'laptop',
      output: () => {},
      openBrowser: false,
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length > 10_000) throw new Error('runaway: more than 10,000 polls');
      },
    }).then(
      (r) => r as unknown,
      (e: unknown) => e,
    );
    return { outcome, sleeps, total: sleeps.reduce((a, b) => a + b, 0) };
  }

  it.each([
    ['interval 1e9 s', { ...CODES, interval: 1e9 }, 'interval (1000000000 s) is not shorter than expires_in (600 s)'],
    ['interval 2e6 s (23 days, under the timer limit)', { ...CODES, interval: 2e6 }, 'expires_in (600 s)'],
    [
      'interval 7200 s with expires_in 1e12 s',
      { ...CODES, interval: 7200, expires_in: 1e12 },
      'the longest login wait (3600 s)',
    ],
  ])('a code answer with %s: refused before anything is printed or slept', async (_what, codes, message) => {
    const { outcome, sleeps, total } = await waits(await hostile(json(codes)));
    expect(outcome).toMatchObject({ code: 'invalid_request', message: expect.stringContaining(message) as string });
    expect(sleeps).toEqual([]);
    expect(total).toBe(0);
  });

  const cases: [string, Answer][] = [
    ['slow_down answers asking for interval 1e9 s', json({ error: 'slow_down', interval: 1e9 }, 400)],
    [
      'slow_down answers asking for an infinite interval (1e999)',
      { status: 400, body: '{"error":"slow_down","interval":1e999}' },
    ],
  ];
  for (const [what, token] of cases)
    it(`${what}: no wait past expires_in, no poll after it: expired_token after the first poll`, async () => {
      const { outcome, sleeps } = await waits(await hostile(json(CODES), token));
      expect(outcome).toMatchObject({ code: 'expired_token' });
      expect(sleeps).toEqual([1000]);
    });

  it('slow_down answers without an interval, forever: each wait 5 s longer, all within expires_in', async () => {
    const { outcome, sleeps, total } = await waits(await hostile(json(CODES), json({ error: 'slow_down' }, 400)));
    expect(outcome).toMatchObject({ code: 'expired_token' });
    // 1 + 6 + 11 + … + 76 = 616 s would pass 600: the sixteenth poll is not sent.
    expect(sleeps).toEqual(Array.from({ length: 15 }, (_, i) => (1 + 5 * i) * 1000));
    expect(total).toBeLessThanOrEqual(600_000);
  });

  it('an expires_in of 1e12 s: the login gives up after at most an hour of waiting', async () => {
    const { outcome, total } = await waits(await hostile(json({ ...CODES, interval: 60, expires_in: 1e12 })));
    expect(outcome).toMatchObject({ code: 'expired_token' });
    expect(total).toBeLessThanOrEqual(3_600_000);
    expect(total).toBeGreaterThanOrEqual(3_540_000);
  });

  it('a short expires_in still ends the wait at expires_in, not at the ceiling (no poll at 60 s: expired)', async () => {
    const { outcome, total } = await waits(await hostile(json({ ...CODES, interval: 5, expires_in: 60 })));
    expect(outcome).toMatchObject({ code: 'expired_token' });
    expect(total).toBe(55_000);
  });
});
