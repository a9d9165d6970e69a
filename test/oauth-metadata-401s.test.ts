/**
 * Which 401s carry `resource_metadata` in dual mode. RFC 9728 §5.1 allows it on any 401 and the
 * MCP authorization spec asks for it, but SPEC §16 pins the bytes: "adds `resource_metadata` to
 * 401s that carried no credentials", and §8's table pins the challenge of an invalid, expired or
 * revoked token (docs/http.md lists this as a deliberate deviation). This pins both, byte for
 * byte, through the real Express guard, Hono's guard, Next's wrapper and `authenticate()`, for a
 * keycard token and an OAuth JWT (a local authorization server on 127.0.0.1). A client whose token
 * went bad still finds the metadata at its well-known URL, which the same app serves.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import { Hono } from 'hono';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressGuard } from '../src/adapters/express.ts';
import { honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, type Keycard } from '../src/index.ts';
import { jwtAccessTokens, protectedResource } from '../src/oauth/index.ts';
import { fakeClock } from '../src/testing/index.ts';
import { toadoScopes } from './helpers.ts';
import { listening, localAuthorizationServer } from './oauth-fixture.ts';

const ISSUER = 'https://auth.test';
let jwks: Server;
let app: Server;
let base = '';
let keycard: Keycard;
let signingKey: CryptoKey;
let metadataUrl = '';
const clock = fakeClock(Date.now());
const hono = new Hono<KeycardEnv>();
let next: (r: Request) => Promise<Response>;

beforeAll(async () => {
  let jwksUrl: string;
  ({ server: jwks, jwksUrl, signingKey } = await localAuthorizationServer('RS256'));
  const ex = express();
  const started: Server[] = [];
  base = await listening(ex, started); // routes are added below, before any request
  app = started[0]!;
  const pr = protectedResource({
    resource: `${base}/api`,
    authorizationServers: [ISSUER],
    scopesSupported: toadoScopes().names,
  });
  metadataUrl = pr.metadataUrl;
  keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    clock,
    oauth: jwtAccessTokens({ issuer: ISSUER, audience: `${base}/api`, jwksUrl, now: () => clock.now() }),
    resourceMetadataUrl: metadataUrl,
    onWarning: () => {},
  });
  ex.get('/.well-known/oauth-protected-resource/api', (_q, r) => void r.json(pr.document));
  ex.get('/api', expressGuard(keycard)({ scope: 'read' }), (_q, r) => void r.json({ ok: true }));
  hono.get('/api', honoGuard(keycard, { scope: 'read' }), (c) => c.json({ ok: true }));
  const wrapped = withKeycard(keycard, { scope: 'read' }, () => Response.json({ ok: true }));
  next = (r) => wrapped(r, { params: Promise.resolve({}) });
});
afterAll(async () => {
  await keycard.close();
  for (const s of [jwks, app].filter(Boolean)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const jwt = (exp: number) => {
  const now = Math.floor(clock.now() / 1000);
  return new SignJWT({ iss: ISSUER, aud: `${base}/api`, sub: 'u1', client_id: 'c1', scope: 'read', jti: randomUUID() })
    .setIssuedAt(now)
    .setExpirationTime(now + exp)
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })
    .sign(signingKey);
};

/** The WWW-Authenticate of each surface for `authorization` (none: no header). */
async function challenges(authorization?: string): Promise<string[]> {
  const headers: Record<string, string> = authorization ? { authorization } : {};
  const out: string[] = [];
  const e = await fetch(`${base}/api`, { headers });
  const h = await hono.request('/api', { headers });
  const n = await next(new Request(`${base}/api`, { headers }));
  const a = await keycard.authenticate(new Request(`${base}/api`, { headers }), { scope: 'read' });
  for (const r of [e, h, n]) out.push(`${r.status} ${r.headers.get('www-authenticate')}`);
  out.push(a.ok || a.skip ? 'ok' : `${a.status} ${a.headers['WWW-Authenticate']}`);
  return out;
}

describe('dual mode: resource_metadata on the 401 without credentials only (SPEC §16, §8)', () => {
  it('no credentials: every surface adds resource_metadata', async () => {
    expect(new Set(await challenges())).toEqual(
      new Set([`401 Bearer realm="api", resource_metadata="${metadataUrl}"`]),
    );
  });

  it('an invalid, expired or revoked keycard token, an expired or foreign JWT: the §8 challenge, byte for byte', async () => {
    const revoked = await keycard.issue({ ownerId: 'u1', label: 'r', scopes: ['read'] });
    await keycard.revoke(revoked.record.id, { reason: 'test' });
    const expiring = await keycard.issue({
      ownerId: 'u1',
      label: 'e',
      scopes: ['read'],
      expiresAt: clock.now() + 1000,
    });
    const oldJwt = await jwt(1);
    clock.advance(5000);
    const rows: [string, string][] = [
      ['acme_sk_1notarealtoken', 'Bearer realm="api", error="invalid_token"'],
      [expiring.token, 'Bearer realm="api", error="invalid_token", error_description="Token expired"'],
      [revoked.token, 'Bearer realm="api", error="invalid_token", error_description="Token revoked"'],
      [oldJwt, 'Bearer realm="api", error="invalid_token", error_description="Token expired"'],
      ['eyJhbGciOiJub25lIn0.e30.', 'Bearer realm="api", error="invalid_token"'],
    ];
    for (const [token, challenge] of rows)
      expect(new Set(await challenges(`Bearer ${token}`)), challenge).toEqual(new Set([`401 ${challenge}`]));
  });

  it('a client whose token went bad finds the metadata at its well-known URL', async () => {
    const res = await fetch(metadataUrl);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { authorization_servers: string[] }).authorization_servers).toEqual([ISSUER]);
  });
});
