/**
 * A hostile or broken JWKS endpoint (SPEC §16, docs/mcp.md "What is checked"): whatever the
 * authorization server's key endpoint answers, keycard fails closed with `unavailable` (503),
 * never `invalid_token`, never accepts, and never turns a flood of requests into a flood of
 * fetches at the authorization server. The JWKS is a real HTTP server on 127.0.0.1; time is
 * faked for `Date` only (jose's cache clock), never asserted on.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKeycard } from '../src/index.ts';
import { jwtAccessTokens } from '../src/oauth/index.ts';
import { MAX_JWKS_BYTES } from '../src/oauth/jwks-fetch.ts';
import { toadoScopes } from './helpers.ts';

const ISSUER = 'https://auth.test';
const RESOURCE = 'http://127.0.0.1/mcp';
let server: Server;
let jwksUrl: string;
let fetches = 0;
let answer: (res: ServerResponse) => void;
let key: CryptoKey;
let jwk: JWK;
let privateJwk: JWK;

const good = (res: ServerResponse) =>
  res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] }));

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  privateJwk = { ...(await exportJWK(pair.privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  server = createServer((_req, res) => {
    fetches++;
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterEach(() => void vi.useRealTimers());
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

async function mint(kid = 'k1') {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISSUER, aud: RESOURCE, sub: 'u_1', client_id: 'c', jti: 'j', iat: now, exp: now + 300 })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .sign(key);
}
const verifier = () => jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, jwksUrl, jwksTimeoutMs: 1000 });
const codeOf = async (v: ReturnType<typeof verifier>, token: string) => {
  const r = await v.verify(token);
  return r.ok ? 'ok' : r.code;
};

describe('a JWKS answer that is not a key set is unavailable (503), never invalid_token', () => {
  it.each([
    ['an empty object', '{}'],
    ['keys not an array', '{"keys":"x"}'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['the signing key itself, private part and all', () => JSON.stringify({ keys: [privateJwk] })],
  ])('%s', async (_name, body) => {
    answer = (res) => res.setHeader('content-type', 'application/json').end(typeof body === 'string' ? body : body());
    expect(await codeOf(verifier(), await mint())).toBe('unavailable');
  });

  it('through authenticate(): 503 with the problem body', async () => {
    answer = (res) => res.setHeader('content-type', 'application/json').end('{}');
    const reported: unknown[] = [];
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      oauth: verifier(),
      onWarning: () => {},
      onError: (e) => void reported.push(e),
    });
    const r = await keycard.authenticate({
      method: 'GET',
      url: RESOURCE,
      headers: { authorization: `Bearer ${await mint()}` },
    });
    expect(r).toMatchObject({ ok: false, status: 503, code: 'unavailable' });
    // The operator hears why through onError (console.warn when unset), naming the key set's URL.
    expect(reported).toEqual([
      expect.objectContaining({ code: 'unavailable', message: expect.stringContaining('not a JSON Web Key Set') }),
    ]);
    await keycard.close();
  });
});

describe('a huge JWKS answer is refused before it is parsed', () => {
  it('a valid key set padded to 8 MB is unavailable, not accepted', async () => {
    const padded = JSON.stringify({ keys: [jwk], pad: 'x'.repeat(8 * 1024 * 1024) });
    answer = (res) => res.setHeader('content-type', 'application/json').end(padded);
    expect(await codeOf(verifier(), await mint())).toBe('unavailable');
  });

  it('the same without a content-length (chunked) is unavailable too', async () => {
    answer = (res) => {
      res.setHeader('content-type', 'application/json');
      res.write(`{"keys":[${JSON.stringify(jwk)}],"pad":"`);
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 128; i++) res.write(chunk);
      res.end('"}');
    };
    expect(await codeOf(verifier(), await mint())).toBe('unavailable');
  });

  it('one refused by its Content-Length has its body cancelled, not left holding the connection', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({ cancel: () => void (cancelled = true) });
    const v = jwtAccessTokens({
      issuer: ISSUER,
      audience: RESOURCE,
      jwksUrl,
      fetch: async () => new Response(body, { headers: { 'content-length': String(MAX_JWKS_BYTES + 1) } }),
    });
    const r = await v.verify(await mint());
    expect(r.ok ? 'ok' : [r.code, r.error?.message]).toEqual(['unavailable', expect.stringContaining('too large')]);
    expect(cancelled).toBe(true);
  });
});

describe('no refetch storm while the authorization server is down', () => {
  it.each([
    ['answers 503', (res: ServerResponse) => void res.writeHead(503).end()],
    ['answers invalid JSON', (res: ServerResponse) => void res.end('{nope')],
    ['answers a non key set', (res: ServerResponse) => void res.end('{}')],
  ])('it %s: 50 requests cost 1 fetch, then one more after the retry pause', async (_name, broken) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    answer = broken;
    const v = verifier();
    const before = fetches;
    const codes = new Set<string>();
    for (let i = 0; i < 50; i++) codes.add(await codeOf(v, await mint(i % 2 ? 'k1' : `random-${i}`)));
    expect(codes).toEqual(new Set(['unavailable']));
    expect(fetches - before).toBe(1);
    // The server is back: after the pause, the next request fetches once and is admitted.
    answer = good;
    vi.advanceTimersByTime(30_000);
    expect(await codeOf(v, await mint())).toBe('ok');
    expect(fetches - before).toBe(2);
  });

  it('a healthy JWKS: 200 random kids cost one refetch per 30 s cooldown, sequential or concurrent', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    answer = good;
    const v = verifier();
    expect(await codeOf(v, await mint())).toBe('ok');
    const before = fetches;
    for (let i = 0; i < 200; i++) expect(await codeOf(v, await mint(`flood-${i}`))).toBe('invalid_token');
    expect(fetches - before).toBe(0); // within the cooldown of the first fetch
    vi.advanceTimersByTime(31_000);
    for (let i = 0; i < 200; i++) await codeOf(v, await mint(`flood-${i}`));
    expect(fetches - before).toBe(1);
    vi.advanceTimersByTime(31_000);
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => mint(`burst-${i}`)));
    const codes = await Promise.all(tokens.map((t) => codeOf(v, t)));
    expect(new Set(codes)).toEqual(new Set(['invalid_token']));
    expect(fetches - before).toBe(2);
  });

  it('keys already fetched keep verifying while a refetch for an unknown kid fails', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    answer = good;
    const v = verifier();
    expect(await codeOf(v, await mint())).toBe('ok');
    vi.advanceTimersByTime(31_000); // past jose's 30 s cooldown: an unknown kid may refetch
    answer = (res) => void res.writeHead(500).end();
    const before = fetches;
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) codes.push(await codeOf(v, await mint(`rotated-${i}`)));
    expect(new Set(codes)).toEqual(new Set(['unavailable']));
    expect(fetches - before).toBe(1);
    expect(await codeOf(v, await mint('k1'))).toBe('ok');
  });
});

describe('a JWKS endpoint that redirects: the keys at the Location are never trusted', () => {
  /**
   * The configured JWKS answers 302 to another server holding someone else's key set; a token
   * signed by that key must be refused whatever the `fetch` option does with the redirect.
   */
  async function redirected() {
    const evil = await generateKeyPair('ES256', { extractable: true });
    const evilJwk = { ...(await exportJWK(evil.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    let targetHits = 0;
    const target = createServer((_req, res) => {
      targetHits++;
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [evilJwk] }));
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const location = `http://127.0.0.1:${(target.address() as AddressInfo).port}/jwks`;
    answer = (res) => void res.writeHead(302, { location }).end();
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      iss: ISSUER,
      aud: RESOURCE,
      sub: 'u_1',
      client_id: 'c',
      jti: 'j',
      iat: now,
      exp: now + 300,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .sign(evil.privateKey);
    const close = () => {
      target.closeAllConnections();
      return new Promise<void>((r) => target.close(() => r()));
    };
    return { token, hits: () => targetHits, close };
  }

  it('the default fetch is told not to follow: unavailable, the Location never asked', async () => {
    const { token, hits, close } = await redirected();
    expect(await codeOf(verifier(), token)).toBe('unavailable');
    expect(hits()).toBe(0);
    await close();
  });

  it('a fetch wrapper that drops init (and so follows) is refused all the same: unavailable, not ok', async () => {
    const { token, hits, close } = await redirected();
    const v = jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, jwksUrl, fetch: (input) => fetch(input) });
    expect(await codeOf(v, token)).toBe('unavailable');
    expect(hits()).toBe(1);
    await close();
  });
});

describe('a JWKS endpoint that hangs, behind a fetch that drops its signal', () => {
  // jose bounds the fetch by aborting the signal it passes in `init` (`AbortSignal.timeout`); a
  // wrapper that drops `init` never sees it, so the deadline must hold without the wrapper's help
  // (as the leak intake's). The deadline is the test's to fire: jose's `AbortSignal.timeout` hands
  // out a signal the test aborts once the fetch hangs where the case says. A deadline that does not
  // hold leaves `verify` pending, and the test fails on its timeout.
  afterEach(() => void vi.restoreAllMocks());

  it.each([
    ['never answers', 'request', (_res: ServerResponse) => {}],
    [
      'sends its headers, then trickles the body for ever',
      'headers',
      (res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' }).write('{"keys":[');
        const drip = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(drip));
      },
    ],
  ] as const)('it %s: unavailable (timed out) at jwksTimeoutMs, not a request held for ever', async (_n, at, hang) => {
    let reached!: () => void;
    const hanging = new Promise<void>((r) => (reached = r));
    answer = (res) => {
      hang(res);
      if (at === 'request') reached();
    };
    const deadline = new AbortController();
    const timeout = vi.spyOn(AbortSignal, 'timeout').mockReturnValue(deadline.signal);
    const v = jwtAccessTokens({
      issuer: ISSUER,
      audience: RESOURCE,
      jwksUrl,
      jwksTimeoutMs: 300,
      fetch: async (input) => {
        const response = await fetch(input); // `init` dropped: no signal, no redirect: 'manual'
        if (at === 'headers') reached();
        return response;
      },
    });
    const verified = v.verify(await mint());
    await hanging;
    expect(timeout).toHaveBeenCalledWith(300);
    deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    const r = await verified;
    expect(r.ok ? 'ok' : [r.code, r.error?.message]).toEqual(['unavailable', expect.stringMatching(/timed out$/)]);
    server.closeAllConnections();
  });
});
