/**
 * Hostile bearer tokens against `jwtAccessTokens` (RFC 9068 §4, RFC 8707, RFC 7515/7519) and
 * through authenticate(): algorithm confusion, crit, embedded keys, kid injection, malformed
 * compact serialisation, and claim edge cases. Each row is refused as `invalid_token` (or
 * `token_expired`) — never accepted, never `unavailable` (a bad token is the caller's fault, not
 * an outage). The authorization server is a JWKS on 127.0.0.1 and jose's SignJWT, or raw WebCrypto
 * where jose refuses to sign the hostile header.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes } from '../src/index.ts';
import { jwtAccessTokens } from '../src/oauth/index.ts';

const ISSUER = 'https://auth.test';
const RESOURCE = 'http://127.0.0.1/mcp';
let server: Server;
let jwksUrl: string;
let ec: CryptoKeyPair;
let rsa: CryptoKeyPair;
let ecJwk: JWK;
let rsaJwk: JWK;

beforeAll(async () => {
  ec = await generateKeyPair('ES256', { extractable: true });
  rsa = await generateKeyPair('RS256', { extractable: true });
  ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'r1', use: 'sig' };
  server = createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [ecJwk, rsaJwk] })),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) =>
  JSON.parse(
    JSON.stringify({
      iss: ISSUER,
      aud: RESOURCE,
      sub: 'u_1',
      client_id: 'c',
      jti: 'j',
      scope: 'read',
      iat: now(),
      exp: now() + 300,
      ...extra,
    }),
  ) as Record<string, unknown>;
type Key = CryptoKey | Uint8Array;
const mint = (extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key?: Key, alg = 'ES256') =>
  new SignJWT(claims(extra))
    .setProtectedHeader(JSON.parse(JSON.stringify({ alg, typ: 'at+jwt', kid: 'k1', ...header })))
    .sign(key ?? ec.privateKey);
/** Signs exactly the header and payload text given, with the published EC key. */
async function raw(header: string, payload: string = JSON.stringify(claims())) {
  const input = `${enc(header)}.${enc(payload)}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, Buffer.from(input));
  return `${input}.${Buffer.from(sig).toString('base64url')}`;
}
const verifier = () => jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, jwksUrl });
const outcome = async (token: string) => {
  const r = await verifier().verify(token);
  return r.ok ? 'ok' : r.code;
};
const HEADER = '{"alg":"ES256","typ":"at+jwt","kid":"k1"}';

describe('hostile headers and serialisations', () => {
  const rows: (readonly [string, () => Promise<string>])[] = [
    ...['none', 'None', 'NONE'].map(
      (alg) => [`alg ${alg}`, async () => `${enc({ alg, typ: 'at+jwt', kid: 'k1' })}.${enc(claims())}.`] as const,
    ),
    ['HS256 with the JWK text as secret', async () => mint({}, {}, Buffer.from(JSON.stringify(ecJwk)), 'HS256')],
    [
      'HS256 with the RSA SPKI PEM as secret',
      async () => mint({}, { kid: 'r1' }, Buffer.from(await exportSPKI(rsa.publicKey)), 'HS256'),
    ],
    ['RS256 header on the EC key id', () => mint({}, { kid: 'k1' }, rsa.privateKey, 'RS256')],
    ['ES256 header on the RSA key id', () => mint({}, { kid: 'r1' })],
    ['crit naming an unknown extension', () => raw('{"alg":"ES256","typ":"at+jwt","kid":"k1","crit":["exp"],"exp":1}')],
    ['crit empty', () => raw('{"alg":"ES256","typ":"at+jwt","kid":"k1","crit":[]}')],
    ['duplicate alg, none last', () => raw('{"alg":"ES256","typ":"at+jwt","kid":"k1","alg":"none"}')],
    ['duplicate typ, JWT last', () => raw('{"alg":"ES256","typ":"at+jwt","kid":"k1","typ":"JWT"}')],
    [
      'an embedded jwk of the attacker',
      async () => {
        const evil = await generateKeyPair('ES256', { extractable: true });
        return mint({}, { kid: undefined, jwk: await exportJWK(evil.publicKey) }, evil.privateKey);
      },
    ],
    [
      'jku to the attacker',
      async () => mint({}, { jku: `${jwksUrl}?evil`, kid: 'x' }, (await generateKeyPair('ES256')).privateKey),
    ],
    [
      'x5u to the attacker',
      async () => mint({}, { x5u: 'https://evil.test/x', kid: 'k1' }, (await generateKeyPair('ES256')).privateKey),
    ],
    ...['../../etc/passwd', "' OR 1=1 --", 'k1\u0000', 'K1', 'x'.repeat(4000), 1, null, ['k1'], { k: 'k1' }].map(
      (kid) => [`kid ${JSON.stringify(kid).slice(0, 24)}`, () => mint({}, { kid } as never, undefined)] as const,
    ),
    ['a header that is a string', async () => `${enc('"x"')}.${enc(claims())}.AAAA`],
    [
      'a header that is not UTF-8',
      async () => `${Buffer.from([0xff, 0xfe]).toString('base64url')}.${enc(claims())}.AAAA`,
    ],
    ['a payload that is an array', () => raw(HEADER, '[1]')],
    ['a payload that is not JSON', () => raw(HEADER, 'nope')],
    ['a trailing dot', async () => `${await mint()}.`],
    ['a leading dot', async () => `.${await mint()}`],
    ['five parts (JWE-shaped)', async () => `${await mint()}.a.b`],
    ['a signature in standard base64', async () => (await mint()).replace(/-/g, '+').replace(/_/g, '/') + '+'],
    [
      'a changed signature character',
      async () => {
        // Not the last one: its low bits can be padding that a lenient decoder ignores, so a flip
        // there may leave the signature's bytes as they were (a flaky test, not a forgery).
        const t = await mint();
        const i = t.length - 10;
        return t.slice(0, i) + (t[i] === 'A' ? 'g' : 'A') + t.slice(i + 1);
      },
    ],
    ['empty', async () => ''],
    ['dots only', async () => '..'],
  ];
  it.each(rows)('%s is invalid_token', async (_name, make) => {
    expect(await outcome(await make())).toBe('invalid_token');
  });
});

describe('claims (RFC 9068 §2.2, §4; RFC 8707)', () => {
  it.each([
    ['aud for another resource', { aud: 'https://other.test/mcp' }],
    ['aud array without this resource', { aud: ['https://other.test/mcp'] }],
    ['aud with a trailing slash', { aud: `${RESOURCE}/` }],
    ['aud in another case', { aud: RESOURCE.toUpperCase() }],
    ['aud empty', { aud: '' }],
    ['aud missing', { aud: undefined }],
    ['iss with a trailing slash', { iss: `${ISSUER}/` }],
    ['iss as an array', { iss: [ISSUER] }],
    ['iss missing', { iss: undefined }],
    ['exp missing', { exp: undefined }],
    ['exp as a string', { exp: String(now() + 100) }],
    ['nbf in the future', { nbf: now() + 100 }],
    ['iat missing', { iat: undefined }],
    ['sub empty', { sub: '' }],
    ['sub a number', { sub: 1 }],
    ['client_id a number', { client_id: 1 }],
    ['jti missing', { jti: undefined }],
  ])('%s is invalid_token', async (_name, extra) => {
    expect(await outcome(await mint(extra))).toBe('invalid_token');
  });

  it('exp equal to now, or past, is token_expired', async () => {
    expect(await outcome(await mint({ exp: now() }))).toBe('token_expired');
    expect(await outcome(await mint({ exp: -1 }))).toBe('token_expired');
  });

  it('aud as an array holding this resource is accepted (RFC 9068 §3)', async () => {
    expect(await outcome(await mint({ aud: ['https://other.test/mcp', RESOURCE] }))).toBe('ok');
  });
});

describe('scopes through authenticate()', () => {
  const scopes = (onWarning: (m: string) => void = () => {}) =>
    defineScopes({ read: {}, write: { implies: ['read'] } }, { onWarning });
  const authenticate = async (token: string, scope: 'read' | 'write', onWarning: (m: string) => void = () => {}) => {
    const keycard = createKeycard({ prefix: 'acme', scopes: scopes(onWarning), oauth: verifier() });
    const r = await keycard.authenticate(
      { method: 'GET', url: RESOURCE, headers: { authorization: `Bearer ${token}` } },
      { scope },
    );
    await keycard.close();
    return r.ok ? 'ok' : r.skip ? 'skip' : r.code;
  };

  it('scope wins over scp; scopes the catalogue does not know grant nothing', async () => {
    expect(await authenticate(await mint({ scope: 'admin *', scp: ['write'] }), 'read')).toBe('insufficient_scope');
    expect(await authenticate(await mint({ scope: '', scp: ['write'] }), 'read')).toBe('insufficient_scope');
    expect(await authenticate(await mint({ scope: 'read\twrite' }), 'read')).toBe('insufficient_scope');
    expect(await authenticate(await mint({ scope: '__proto__ constructor toString' }), 'read')).toBe(
      'insufficient_scope',
    );
    expect(await authenticate(await mint({ scope: 5 }), 'read')).toBe('insufficient_scope');
    expect(await authenticate(await mint({ scope: undefined, scp: ['write'] }), 'write')).toBe('ok');
    expect(await authenticate(await mint({ scope: 'write' }), 'read')).toBe('ok'); // the closure
  });

  it('a keycard-prefixed credential never reaches the JWT verifier, and a JWT never the store', async () => {
    expect(await authenticate('acme_sk_eyJhbGciOiJub25lIn0.e30.', 'read')).toBe('invalid_token');
    expect(await authenticate(`${await mint()}`.replace(/^eyJ/, 'acme_'), 'read')).toBe('invalid_token');
  });

  it('unknown scope names from tokens cannot grow the warnings without bound, nor forge log lines', async () => {
    const warnings: string[] = [];
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: scopes((m) => warnings.push(m)),
      oauth: verifier(),
    });
    const ask = async (scope: string) =>
      keycard.authenticate({
        method: 'GET',
        url: RESOURCE,
        headers: { authorization: `Bearer ${await mint({ scope })}` },
      });
    for (let t = 0; t < 6; t++) await ask(Array.from({ length: 1000 }, (_, i) => `${t}.${i}`).join(' '));
    expect(warnings.length).toBeLessThanOrEqual(1001); // 6,000 distinct names
    await keycard.close();
    const fresh: string[] = [];
    const again = createKeycard({
      prefix: 'acme',
      scopes: scopes((m) => fresh.push(m)),
      oauth: verifier(),
    });
    await again.authenticate({
      method: 'GET',
      url: RESOURCE,
      headers: { authorization: `Bearer ${await mint({ scope: `read\nkeycard:forged-line-${'x'.repeat(3000)}` })}` },
    });
    await again.close();
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).not.toMatch(/[\n\r]/);
    expect(fresh[0]!.length).toBeLessThan(400);
  });
});
