/**
 * deviceLogin against a server that redirects, and a token answer of the wrong shape (real
 * node:http servers on 127.0.0.1, node's fetch). A 307 or 308 re-sends the POST body, device
 * code included, to wherever `Location` points; a 301, 302 or 303 turns the poll into a GET whose
 * answer (another server's) would be taken as the token. So no redirect is followed: the login
 * fails with a KeycardError, and the other server hears nothing.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KeycardError } from '../core/errors.ts';
import { CODES, quietLogin } from '../../test/login-fixture.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A real server answering each request with `answer(req, body)`; returns its origin. */
async function serve(answer: (req: IncomingMessage, body: string) => [number, Record<string, string>, string]) {
  const s = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const [status, headers, text] = answer(req, body);
      res.writeHead(status, headers);
      res.end(text);
    });
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const SECRET_CODE = 'S3cretDeviceCode'.padEnd(43, 'x');

/** The other origin: records what it hears, and answers as a keycard server would (codes, then a token). */
async function elsewhere() {
  const heard: string[] = [];
  const origin = await serve((req, body) => {
    heard.push(`${req.method} ${req.url} ${body}`);
    return req.url?.endsWith('/device/code')
      ? [200, JSON_TYPE, JSON.stringify(CODES)]
      : [200, JSON_TYPE, JSON.stringify({ access_token: 'other_sk_1', token_type: 'Bearer', token_id: 'tok_x' })];
  });
  return { heard, origin };
}

describe('deviceLogin: redirects are not followed', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`a ${status} on the poll: invalid_request naming the redirect; the other origin never sees the device code`, async () => {
      const other = await elsewhere();
      const origin = await serve((req) =>
        req.url?.endsWith('/device/code')
          ? [200, JSON_TYPE, JSON.stringify({ ...CODES, device_code: SECRET_CODE })]
          : [status, { location: `${other.origin}${req.url}` }, ''],
      );
      const outcome = await quietLogin(`${origin}/api/tokens`);
      expect(outcome).toBeInstanceOf(KeycardError);
      expect(outcome).toMatchObject({
        code: 'invalid_request',
        message: `Could not finish the login: the server answered ${status}, a redirect; deviceLogin follows none (url must be the device routes' own URL)`,
      });
      expect(other.heard).toEqual([]);
    });

    it(`a ${status} on /device/code: invalid_request, nothing printed, the other origin hears nothing`, async () => {
      const other = await elsewhere();
      const origin = await serve((req) => [status, { location: `${other.origin}${req.url}` }, '']);
      const lines: string[] = [];
      const outcome = await quietLogin(`${origin}/api/tokens`, { output: (l) => lines.push(l) });
      expect(outcome).toMatchObject({
        code: 'invalid_request',
        message: `Could not start the login: the server answered ${status}, a redirect; deviceLogin follows none (url must be the device routes' own URL)`,
      });
      expect(lines).toEqual([]);
      expect(other.heard).toEqual([]);
    });
  }
});

describe('deviceLogin: the token answer’s other fields', () => {
  const token = { access_token: 'toado_sk_1', token_type: 'Bearer' };
  const cases: [string, Record<string, unknown>, string][] = [
    ['a scope holding escape sequences', { scope: 'read \u001b]52;c;cm0gLXJmIH4K\u0007\u001b[2J' }, 'scope'],
    ['a scope that is a list', { scope: ['read'] }, 'scope'],
    ['a token_id that is an object', { token_id: { id: 1 } }, 'token_id'],
    ['a token_id holding a line break', { token_id: 'tok_1\nTOADO_API_URL=https://evil.example' }, 'token_id'],
    ['an expires_in of 1e999 (Infinity)', { expires_in: '__INF__' }, 'expires_in'],
    ['a negative expires_in', { expires_in: -5 }, 'expires_in'],
    ['an expires_in that is text', { expires_in: '3600' }, 'expires_in'],
  ];
  for (const [what, extra, field] of cases)
    it(`${what}: invalid_request naming ${field}, never a result to print or save`, async () => {
      const body = JSON.stringify({ ...token, ...extra }).replace('"__INF__"', '1e999');
      const origin = await serve((req) =>
        req.url?.endsWith('/device/code') ? [200, JSON_TYPE, JSON.stringify(CODES)] : [200, JSON_TYPE, body],
      );
      const outcome = await quietLogin(`${origin}/api/tokens`);
      expect(outcome).toBeInstanceOf(KeycardError);
      expect(outcome).toMatchObject({ code: 'invalid_request' });
      const message = (outcome as Error).message;
      expect(message).toContain(field);
      expect(message).not.toMatch(/[\u0000-\u001f]/);
      expect(message).not.toContain('toado_sk_1');
    });

  it('what keycard answers reads as before: scopes split, token_id kept, expires_in as a date', async () => {
    const origin = await serve((req) =>
      req.url?.endsWith('/device/code')
        ? [200, JSON_TYPE, JSON.stringify(CODES)]
        : [200, JSON_TYPE, JSON.stringify({ ...token, token_id: 'tok_AbC', scope: 'read comments', expires_in: 60 })],
    );
    const outcome = await quietLogin(`${origin}/api/tokens`);
    expect(outcome).toMatchObject({ token: 'toado_sk_1', tokenId: 'tok_AbC', scopes: ['read', 'comments'] });
    expect((outcome as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now());
  });
});
