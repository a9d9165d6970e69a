/**
 * An OAuth JWT access token issued in the future (dual mode, SPEC §16) is refused as jose refuses
 * one under `maxTokenAge`: `iat` later than now plus the clock tolerance keycard already grants
 * `exp` and `nbf` (`clockToleranceSeconds`). Before, any `iat` was accepted: a token minted by an
 * authorization server whose clock ran ahead passed, and `issuedAt` reported a time that had not
 * come (RFC 7519 §4.1.6: the time at which the JWT was issued). The boundary is a
 * property over the time (ms), the tolerance and the offset of `iat`, and one case goes through
 * `authenticate()` (401 `invalid_token`). Tokens are signed and verified for real against a local
 * key set.
 */
import { fc, test } from '@fast-check/vitest';
import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes } from '../index.ts';
import { jwtAccessTokens } from './jwt.ts';

const ISSUER = 'https://auth.test';
const RESOURCE = 'https://api.test/mcp';
let privateKey: CryptoKey;
let keys: JSONWebKeySet;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  keys = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] };
});

/** A token issued `offset` whole seconds from `nowSeconds`, expiring an hour after both. */
function mint(nowSeconds: number, offset: number): Promise<string> {
  const iat = nowSeconds + offset;
  return new SignJWT({ iss: ISSUER, aud: RESOURCE, sub: 'u1', client_id: 'c1', jti: 'j', scope: 'read', iat })
    .setExpirationTime(Math.max(iat, nowSeconds) + 3600)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .sign(privateKey);
}

describe('OAuth JWT: iat in the future', () => {
  test.prop(
    [
      fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }), // now, epoch ms (any sub-second part)
      fc.integer({ min: 0, max: 300 }), // clockToleranceSeconds
      fc.integer({ min: -400, max: 400 }), // iat - floor(now / 1000), seconds
    ],
    { numRuns: 200 },
  )(
    'accepted iff iat <= now + clockToleranceSeconds (whole seconds, as jose counts)',
    async (ms, tolerance, offset) => {
      const nowSeconds = Math.floor(ms / 1000);
      const verifier = jwtAccessTokens({
        issuer: ISSUER,
        audience: RESOURCE,
        keys,
        clockToleranceSeconds: tolerance,
        now: () => ms,
      });
      const r = await verifier.verify(await mint(nowSeconds, offset));
      expect(r.ok ? 'ok' : r.code).toBe(offset <= tolerance ? 'ok' : 'invalid_token');
      if (r.ok) expect(r.issuedAt).toBe((nowSeconds + offset) * 1000);
    },
  );

  it('through authenticate(): a token issued a minute ahead is 401 invalid_token; one issued now is let in', async () => {
    const ms = 1_700_000_000_500;
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: defineScopes({ read: {} }),
      clock: { now: () => ms, monotonic: () => 0 },
      oauth: jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, keys, clockToleranceSeconds: 5, now: () => ms }),
      onWarning: () => {},
    });
    const ask = async (offset: number) => {
      const token = await mint(Math.floor(ms / 1000), offset);
      return keycard.authenticate(
        new Request('https://api.test/mcp', { headers: { authorization: `Bearer ${token}` } }),
      );
    };
    const ahead = await ask(60);
    expect(ahead.ok).toBe(false);
    expect(ahead.ok === false && 'status' in ahead ? [ahead.status, ahead.code] : null).toEqual([401, 'invalid_token']);
    expect((await ask(0)).ok).toBe(true);
    await keycard.close();
  });
});
