/**
 * The OAuth tokenId law (SPEC §16, docs/mcp.md "Identity"): `tokenId` keys the limiter budget,
 * audit and MCP session binding, so distinct (sub, client_id) pairs must get distinct ids, and
 * ids of the usual values (no `:` and no `%`) keep their documented form `oauth:<sub>:<client_id>`.
 * Tokens are signed and verified for real against a local key set.
 */
import { fc, test } from '@fast-check/vitest';
import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect } from 'vitest';
import { jwtAccessTokens } from './jwt.ts';

const ISSUER = 'https://auth.test';
const RESOURCE = 'https://api.test/mcp';
let privateKey: CryptoKey;
let verifier: ReturnType<typeof jwtAccessTokens>;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  const keys: JSONWebKeySet = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] };
  verifier = jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, keys });
});

async function tokenIdOf(sub: string, clientId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({
    iss: ISSUER,
    aud: RESOURCE,
    sub,
    client_id: clientId,
    jti: 'j',
    iat: now,
    exp: now + 300,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .sign(privateKey);
  const r = await verifier.verify(jwt);
  if (!r.ok) throw new Error(`not verified: ${r.code}`);
  return r.tokenId;
}

// Few characters, separators and escapes among them, so that colliding pairs are drawn often.
const part = fc.string({ unit: fc.constantFrom('a', 'b', ':', '%', '3', 'A', 'é'), minLength: 1, maxLength: 6 });
// Any two pairs, and pairs that join to the same `<sub>:<client_id>` text when split at another `:`.
const pairs = fc.oneof(
  fc.tuple(part, part, part, part),
  fc.tuple(part, part, part).map(([x, y, z]) => [`${x}:${y}`, z, x, `${y}:${z}`] as const),
);
const plain = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '|', '/', '.', '@', '-', '_', ' ', 'é'), minLength: 1 });

describe('OAuth tokenId', () => {
  test.prop([pairs])(
    'distinct (sub, client_id) pairs give distinct tokenIds',
    async ([sub1, client1, sub2, client2]) => {
      fc.pre(sub1 !== sub2 || client1 !== client2);
      expect(await tokenIdOf(sub1, client1)).not.toBe(await tokenIdOf(sub2, client2));
    },
  );

  test.prop([plain, plain])(
    'a sub and client_id without `:` or `%` keep the form oauth:<sub>:<client_id>',
    async (sub, client) => {
      expect(await tokenIdOf(sub, client)).toBe(`oauth:${sub}:${client}`);
    },
  );

  test.prop([part, part])(
    '`:` and `%` are percent-encoded in each part, so the id splits back',
    async (sub, client) => {
      const [kind, s, c, ...rest] = (await tokenIdOf(sub, client)).split(':');
      expect([kind, rest.length]).toEqual(['oauth', 0]);
      expect([decodeURIComponent(s!), decodeURIComponent(c!)]).toEqual([sub, client]);
    },
  );
});
