import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtAccessTokens } from './jwt.ts';

const ISSUER = 'https://auth.test';
const RESOURCE = 'http://127.0.0.1/mcp';

let server: Server;
let jwksUrl: string;
let fetches = 0;
let keys: { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK };
let other: { privateKey: CryptoKey };

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  keys = { ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' } };
  other = await generateKeyPair('ES256');
  // A local authorization server's JWKS endpoint on 127.0.0.1.
  server = createServer((_req, res) => {
    fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [keys.jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

interface Mint {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: CryptoKey | Uint8Array;
  alg?: string;
  expSeconds?: number;
}
async function mint({ claims = {}, header = {}, key = keys.privateKey, alg = 'ES256', expSeconds = 300 }: Mint = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: ISSUER,
    aud: RESOURCE,
    sub: 'u_jason',
    iat: now,
    exp: now + expSeconds,
    client_id: 'claude-code',
    scope: 'tickets:write',
    jti: crypto.randomUUID(),
    ...claims,
  };
  return new SignJWT(JSON.parse(JSON.stringify(payload)) as Record<string, unknown>)
    .setProtectedHeader({ alg, typ: 'at+jwt', kid: 'k1', ...header })
    .sign(key);
}

const verifier = () => jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, jwksUrl });

describe('jwtAccessTokens (RFC 9068 / RFC 8707)', () => {
  it('accepts a valid token and reads sub, client_id and the scope claim', async () => {
    const r = await verifier().verify(await mint({ claims: { scope: 'tickets:write read' } }));
    expect(r).toMatchObject({
      ok: true,
      subject: 'u_jason',
      clientId: 'claude-code',
      ownerId: 'u_jason',
      scopes: ['tickets:write', 'read'],
      tokenId: 'oauth:u_jason:claude-code',
    });
  });

  it('gives sub "a:b" with client "c" and sub "a" with client "b:c" distinct tokenIds (`:` and `%` escaped)', async () => {
    const id = async (sub: string, client_id: string) => {
      const r = await verifier().verify(await mint({ claims: { sub, client_id } }));
      return r.ok ? r.tokenId : r.code;
    };
    expect(await id('a:b', 'c')).toBe('oauth:a%3Ab:c');
    expect(await id('a', 'b:c')).toBe('oauth:a:b%3Ac');
    expect(await id('100%', 'https://app.example/c')).toBe('oauth:100%25:https%3A//app.example/c');
  });

  it('refuses an expired token as token_expired', async () => {
    expect(await verifier().verify(await mint({ expSeconds: -10 }))).toEqual({ ok: false, code: 'token_expired' });
  });

  it.each([
    ['another audience (a token for another resource)', { claims: { aud: 'https://other.test/mcp' } }],
    ['another issuer', { claims: { iss: 'https://evil.test' } }],
    ['an unknown key id', { header: { kid: 'nope' } }],
    ['a key the issuer never published', { key: 'other' }],
    ['no typ at+jwt (an ID token replayed)', { header: { typ: 'JWT' } }],
    ['no client_id', { claims: { client_id: undefined } }],
  ])('refuses %s as invalid_token', async (_name, spec) => {
    const s = spec as Mint & { key?: unknown };
    const token = await mint({ ...s, key: (s.key as unknown) === 'other' ? other.privateKey : keys.privateKey });
    expect(await verifier().verify(token)).toEqual({ ok: false, code: 'invalid_token' });
  });

  it('refuses alg none', async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const token = `${enc({ alg: 'none', typ: 'at+jwt' })}.${enc({ iss: ISSUER, aud: RESOURCE, sub: 'u_jason', client_id: 'c', jti: 'j', iat: now, exp: now + 60 })}.`;
    expect(await verifier().verify(token)).toEqual({ ok: false, code: 'invalid_token' });
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(keys.jwk));
    expect(await verifier().verify(await mint({ alg: 'HS256', key: secret }))).toEqual({
      ok: false,
      code: 'invalid_token',
    });
  });

  it('refuses to be configured with an HMAC algorithm or an unknown option', () => {
    expect(() => jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, jwksUrl, algorithms: ['HS256'] })).toThrow(
      /algorithms/,
    );
    expect(() => jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, jwksUrl, audiense: 'x' } as never)).toThrow(
      /audiense: unknown option/,
    );
    expect(() => jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE })).toThrow(/exactly one of/);
  });

  it('refuses a plain-http JWKS URL off loopback: anyone on the path could serve their own keys', () => {
    for (const url of ['http://auth.example.com/jwks', 'http://10.0.0.5/jwks', 'http://127.0.0.1.evil.test/jwks'])
      expect(() => jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, jwksUrl: url })).toThrow(/jwksUrl/);
    for (const url of [
      'https://auth.example.com/jwks',
      'http://127.0.0.1:8080/jwks',
      'http://localhost/jwks',
      'http://[::1]/jwks',
    ])
      expect(() => jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, jwksUrl: url })).not.toThrow();
  });

  it('maps the subject through the owner hook, and refuses when it answers null', async () => {
    const v = jwtAccessTokens({
      issuer: ISSUER,
      audience: RESOURCE,
      jwksUrl,
      owner: (c) => (c.sub === 'u_jason' ? { ownerId: 'user_42', workspaceId: 'w1' } : null),
    });
    expect(await v.verify(await mint())).toMatchObject({ ok: true, ownerId: 'user_42', workspaceId: 'w1' });
    expect(await v.verify(await mint({ claims: { sub: 'u_gone' } }))).toEqual({ ok: false, code: 'invalid_token' });
  });

  it('an owner hook that throws is unavailable with the error behind it (keycard hands it to onError)', async () => {
    const boom = new Error('user directory down');
    const v = jwtAccessTokens({
      issuer: ISSUER,
      audience: RESOURCE,
      jwksUrl,
      owner: () => Promise.reject(boom),
    });
    expect(await v.verify(await mint())).toEqual({ ok: false, code: 'unavailable', error: boom });
  });

  it('answers unavailable when the key set cannot be fetched (fail closed, not invalid)', async () => {
    const v = jwtAccessTokens({
      issuer: ISSUER,
      audience: RESOURCE,
      jwksUrl: 'http://127.0.0.1:1/jwks',
      jwksTimeoutMs: 500,
    });
    // The failed fetch travels with the answer, for keycard's onError; the next answer (refused in
    // the retry pause, no fetch) carries none.
    const first = await v.verify(await mint());
    expect(first).toMatchObject({ ok: false, code: 'unavailable', error: { name: 'JwksUnavailable' } });
    expect(!first.ok && first.error?.message).toBe('the JWKS http://127.0.0.1:1/jwks could not be fetched');
    expect(await v.verify(await mint())).toEqual({ ok: false, code: 'unavailable' });
  });

  it('fetches the key set once for many verifications', async () => {
    const v = verifier();
    const before = fetches;
    for (let i = 0; i < 5; i++) expect((await v.verify(await mint())).ok).toBe(true);
    expect(fetches - before).toBe(1);
  });
});
