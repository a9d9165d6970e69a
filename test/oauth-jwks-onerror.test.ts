/**
 * A JWKS outage reaches the integrator's `onError` (SPEC §16, docs/mcp.md "What is checked"):
 * requests answer 503 and are audited, and each failed fetch of the key set is reported once,
 * however many requests waited on it or were refused during the retry pause, and without the
 * bearer token in the report. The JWKS is a real HTTP server on 127.0.0.1 that starts failing
 * mid-test; `Date` (jose's cache clock, and the keycard clock here) is faked, never asserted on.
 * jose's fetch deadline (`AbortSignal.timeout(jwksTimeoutMs)`) is the test's to fire: it passes
 * when the JWKS has been asked (or has sent its headers), never because a loaded machine was slow
 * to answer a good or broken JWKS within 300 ms.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKeycard, memoryAuditSink } from '../src/index.ts';
import { jwtAccessTokens } from '../src/oauth/index.ts';
import { toadoScopes } from './helpers.ts';
import { holdDeadlines, type HeldDeadline } from './deadlines.ts';

const ISSUER = 'https://auth.test';
const RESOURCE = 'http://127.0.0.1/mcp';
let server: Server;
let jwksUrl: string;
let fetches = 0;
let answer: (res: ServerResponse) => void;
/** Resolved by each request the JWKS server gets, and by each response whose headers reached the client. */
let requested: () => void = () => {};
let headersIn: () => void = () => {};
/** The deadlines jose set, in order: the ms it asked for and the test's hand on it. */
let deadlines: HeldDeadline[] = [];
let key: CryptoKey;
let jwk: JWK;

const good = (res: ServerResponse) =>
  res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] }));

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  server = createServer((_req, res) => {
    fetches++;
    requested();
    res.setHeader('connection', 'close'); // no pooled socket carries over from one case to the next
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
beforeEach(() => {
  deadlines = holdDeadlines();
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  server.closeAllConnections();
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function mint() {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISSUER, aud: RESOURCE, sub: 'u_1', client_id: 'c', jti: 'j', iat: now, exp: now + 3600 })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .sign(key);
}

/** A keycard over the local JWKS whose clocks both read the faked `Date`, reporting into `errors`. */
function world() {
  const errors: unknown[] = [];
  const sink = memoryAuditSink();
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    audit: sink,
    oauth: jwtAccessTokens({
      issuer: ISSUER,
      audience: RESOURCE,
      jwksUrl,
      jwksTimeoutMs: 300,
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        headersIn();
        return response;
      },
    }),
    onError: (e) => errors.push(e),
    onWarning: () => {},
    clock: { now: () => Date.now(), monotonic: () => Date.now() },
  });
  const call = async (token: string) =>
    keycard.authenticate({ method: 'GET', url: RESOURCE, headers: { authorization: `Bearer ${token}` } });
  return { keycard, sink, errors, call };
}

/** Everything a report carries, cause chain and stacks included. */
function reportText(e: unknown): string {
  const parts: string[] = [];
  for (let c = e, depth = 0; c !== undefined && c !== null && depth < 8; depth++) {
    const err = c as { name?: unknown; message?: unknown; stack?: unknown; cause?: unknown };
    parts.push(String(err.name), String(err.message), String(err.stack), JSON.stringify(c) ?? '');
    c = err.cause;
  }
  return parts.join('\n');
}

describe('a JWKS that starts failing is reported through onError, once per failed fetch', () => {
  /**
   * When the test fires jose's deadline: never (the JWKS answers, however late), once the JWKS is
   * asked, or once its headers have reached the client.
   */
  type Expiry = 'never' | 'asked' | 'headers';
  it.each<[string, (res: ServerResponse) => void, RegExp, Expiry]>([
    ['answers 503', (res: ServerResponse) => void res.writeHead(503).end(), /503/, 'never'],
    [
      'drops the connection (a network error)',
      (res: ServerResponse) => void res.socket?.destroy(),
      /could not be fetched/,
      'never',
    ],
    ['answers invalid JSON', (res: ServerResponse) => void res.end('{nope'), /not JSON/, 'never'],
    ['never answers (a timeout)', () => {}, /timed out/, 'asked'],
    [
      'starts its answer, then stalls past the deadline (a timeout too)',
      (res: ServerResponse) => void res.writeHead(200, { 'content-type': 'application/json' }).write('{"keys":['),
      /timed out$/,
      'headers',
    ],
  ])('it %s', async (_name, broken, message, expiry) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    answer = good;
    const { keycard, sink, errors, call } = world();
    const token = await mint();
    expect((await call(token)).ok).toBe(true);
    expect(errors).toEqual([]);

    answer = broken;
    vi.advanceTimersByTime(11 * 60_000); // past jose's 10 min cache: every request needs a fetch
    const before = fetches;
    /** `requests`, with jose's newest deadline fired once the broken JWKS is where `expiry` says. */
    const meetingTheDeadline = async <T>(requests: Promise<T>): Promise<T> => {
      if (expiry !== 'never') {
        await new Promise<void>((r) => (expiry === 'asked' ? (requested = r) : (headersIn = r)));
        deadlines.at(-1)!.fire();
      }
      return requests;
    };
    // 20 concurrent requests share one fetch, 20 more fall in the retry pause after it failed.
    const concurrent = await meetingTheDeadline(Promise.all(Array.from({ length: 20 }, () => call(token))));
    for (let i = 0; i < 20; i++) concurrent.push(await call(token));
    expect(new Set(concurrent.map((r) => (r.ok ? 200 : 'status' in r ? r.status : r.skip)))).toEqual(new Set([503]));
    expect(fetches - before).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'KeycardError', code: 'unavailable' });
    expect((errors[0] as Error).message).toMatch(message);

    vi.advanceTimersByTime(6_000); // past the 5 s retry pause: one more fetch, which fails too
    expect(await meetingTheDeadline(call(token))).toMatchObject({ ok: false, status: 503 });
    expect(fetches - before).toBe(2);
    // jose gave every fetch it tried (those refused in the pause too) the deadline of jwksTimeoutMs.
    expect(new Set(deadlines.map((d) => d.ms))).toEqual(new Set([300]));
    expect(errors).toHaveLength(2);

    for (const e of errors) {
      const text = reportText(e);
      for (const secret of [token, ...token.split('.')]) expect(text).not.toContain(secret);
    }
    await keycard.close();
    expect(errors).toHaveLength(2); // nothing coalesced that close() would flush
    // Every refused request is still audited (denials may be coalesced into one event with a count).
    const denied = sink.events.filter((e) => e.type === 'request.denied' && e.reason === 'unavailable');
    expect(denied.reduce((n, e) => n + ('count' in e ? (e.count ?? 1) : 1), 0)).toBe(41);
  });
});
