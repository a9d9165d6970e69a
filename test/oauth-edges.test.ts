/**
 * Edges of `jwtAccessTokens` that the other OAuth tests leave: claims RFC 9068 requires present
 * but sent empty, the clock tolerance as the rest of keycard sees it (the SDK's requireBearerAuth
 * behind the gate, the MCP session's expiry timer), and `keycard.verify()` in dual mode (what
 * `mcpVerifier` without a gate relies on). A local authorization server: jose keys, a JWKS on
 * 127.0.0.1, real Express and the official MCP SDK client and server.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import { SignJWT } from 'jose';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKeycard, type KeycardOptions } from '../src/index.ts';
import { identityOf, mcpGate, mcpVerifier } from '../src/adapters/mcp/index.ts';
import { jwtAccessTokens, type JwtAccessTokenOptions } from '../src/oauth/index.ts';
import { toadoScopes } from './helpers.ts';
import { expectedWarning, mcpClient, mcpHeaders, openStream, rawSession, within } from './mcp-helpers.ts';
import { listening, localAuthorizationServer, mcpSessions, type LocalAuthorizationServer } from './oauth-fixture.ts';

const ISSUER = 'https://auth.test';
const RESOURCE = 'http://127.0.0.1/mcp';
let as: LocalAuthorizationServer;
const servers: Server[] = [];

beforeAll(async () => {
  as = await localAuthorizationServer('ES256');
  servers.push(as.server);
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const now = () => Math.floor(Date.now() / 1000);
async function jwt(claims: Record<string, unknown> = {}, audience = RESOURCE) {
  const payload = {
    iss: ISSUER,
    aud: audience,
    sub: 'u_jason',
    client_id: 'claude-code',
    scope: 'read',
    jti: randomUUID(),
    iat: now(),
    exp: now() + 300,
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' }).sign(as.signingKey);
}

function dual(oauth: Partial<JwtAccessTokenOptions> = {}, extra: Partial<KeycardOptions> = {}, audience = RESOURCE) {
  const errors: unknown[] = [];
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    oauth: jwtAccessTokens({ issuer: ISSUER, audience, jwksUrl: as.jwksUrl, ...oauth }),
    onError: (e) => errors.push(e),
    onWarning: () => {},
    ...extra,
  });
  return { keycard, errors };
}
const get = (token: string) => ({
  method: 'GET',
  url: `${RESOURCE}/tickets`,
  headers: { authorization: `Bearer ${token}` },
});

describe('required claims sent empty (RFC 9068 §2.2)', () => {
  it.each([
    ['client_id ""', { client_id: '' }, undefined],
    ['sub "" with an owner hook that maps every subject', { sub: '' }, () => ({ ownerId: 'u_1' })],
  ])('%s is a 401 invalid_token, not a 503 blamed on the verifier', async (_name, claims, owner) => {
    const { keycard, errors } = dual(owner ? { owner } : {});
    const r = await keycard.authenticate(get(await jwt(claims)));
    expect(r.ok || r.skip ? 'passed' : [r.status, r.code]).toEqual([401, 'invalid_token']);
    expect(errors).toEqual([]);
    await keycard.close();
  });
});

describe('clockToleranceSeconds: a token the verifier accepts is live everywhere else too', () => {
  it('an identity accepted within the tolerance after exp expires at exp + tolerance, not in the past', async () => {
    const { keycard } = dual({ clockToleranceSeconds: 60 });
    const exp = now() - 20;
    const r = await keycard.authenticate(get(await jwt({ exp })));
    expect(r.ok && r.identity.expiresAt).toBe((exp + 60) * 1000);
    await keycard.close();
  });

  // Before: behind requireBearerAuth, 401 "Token has expired"; behind the gate alone, the session
  // was closed as it opened (its expiry timer armed in the past), so the next POST was a 404.
  it.each([
    ['mcpGate and the SDK’s requireBearerAuth', true],
    ['mcpGate alone', false],
  ])('the SDK client calls a tool through %s with such a token', async (_name, sdkAuth) => {
    const app = express();
    const base = await listening(app, servers);
    const { keycard } = dual({ clockToleranceSeconds: 60 }, {}, `${base}/mcp`);
    const gate = mcpGate(keycard, { tools: { whoami: { scope: 'read', class: 'read' } }, onWarning: expectedWarning });
    app.use('/mcp', express.json(), gate, ...(sdkAuth ? [requireBearerAuth({ verifier: mcpVerifier(keycard) })] : []));
    mcpSessions(app, gate, () => {
      const mcp = new McpServer({ name: 'tickets', version: '1.0.0' });
      mcp.registerTool('whoami', { annotations: { readOnlyHint: true } }, async (extra) => ({
        content: [{ type: 'text', text: identityOf(extra)!.tokenId }],
      }));
      return mcp;
    });
    const said = async () => {
      const { client } = await mcpClient(base, await jwt({ exp: now() - 20 }, `${base}/mcp`), []);
      const out = await client.callTool({ name: 'whoami', arguments: {} });
      await client.close();
      return (out.content as { text: string }[])[0]!.text;
    };
    expect(await said().catch((e: Error) => e.message)).toBe('oauth:u_jason:claude-code');
    await gate.close();
    await keycard.close();
  });
});

describe('keycard.verify() in dual mode', () => {
  it('verifies an OAuth JWT as authenticate() does, without a charge', async () => {
    const { keycard } = dual();
    const r = await keycard.verify(await jwt());
    expect(r.ok ? [r.identity.kind, r.identity.tokenId, [...r.identity.scopes]] : r).toEqual([
      'oauth',
      'oauth:u_jason:claude-code',
      ['read'],
    ]);
    expect(await keycard.verify(await jwt({ exp: now() - 1 }))).toEqual({ ok: false, code: 'token_expired' });
    expect(await keycard.verify(await jwt({}, 'https://other.test/mcp'))).toEqual({ ok: false, code: 'invalid_token' });
    await keycard.close();
  });

  // Before (the strings after the 16 KB ones): verify() handed every string without the prefix to
  // the verifier, so a keycard token read with a leading space or its quotes reached a custom (say,
  // introspecting) verifier, which saw 6 of them; authenticate() refuses them all unread.
  it('sends the verifier no keycard token, nothing over 16 KB, nothing authenticate() refuses unread', async () => {
    const seen: string[] = [];
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      oauth: { kind: 'oauth', verify: async (t) => (seen.push(t), { ok: false, code: 'invalid_token' }) },
    });
    const { token } = await keycard.issue({ ownerId: 'u_1', label: 'ci', scopes: ['read'] });
    expect((await keycard.verify(token)).ok).toBe(true);
    expect(await keycard.verify('x'.repeat(16_385))).toEqual({ ok: false, code: 'invalid_token' });
    expect(await keycard.verify('x'.repeat(16_384))).toEqual({ ok: false, code: 'invalid_token' });
    for (const x of [`${token}\n`, ` ${token}`, `"${token}"`, '', 'a b', 'é'.repeat(16_000), '=abc'])
      expect(await keycard.verify(x)).toEqual({ ok: false, code: 'invalid_token' });
    expect(seen.map((t) => t.length)).toEqual([16_384]);
    await keycard.close();
  });

  it('mcpVerifier without a gate accepts the JWT (docs/mcp.md: alone it verifies with keycard.verify())', async () => {
    const { keycard } = dual();
    const info = await mcpVerifier(keycard).verifyAccessToken(await jwt());
    expect([info.token, info.scopes]).toEqual(['oauth:u_jason:claude-code', ['read']]);
    await keycard.close();
  });
});

describe('an OAuth subject whose owner is gone', () => {
  // Before: owner.gone matched an oauth identity by its workspaceId, not its owner, so the
  // subject's open SSE stream outlived the refusal (the case timed out waiting for its end).
  it('loses its open MCP sessions as a personal token’s owner does (owner.gone)', async () => {
    const app = express();
    const base = await listening(app, servers);
    let status: 'active' | 'gone' = 'active';
    const { keycard } = dual({}, { resolveOwner: () => ({ status }), ownerCacheMs: 0 }, `${base}/mcp`);
    const gate = mcpGate(keycard, { onWarning: expectedWarning });
    app.use('/mcp', express.json(), gate);
    mcpSessions(app, gate, () => new McpServer({ name: 'tickets', version: '1.0.0' }));
    const token = await jwt({}, `${base}/mcp`);
    const stream = await openStream(base, token, await rawSession(base, token));
    status = 'gone';
    const refused = await fetch(`${base}/mcp`, { method: 'POST', headers: mcpHeaders(token), body: '{}' });
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([401, 'token_revoked']);
    await within(stream.ended, 'the gone subject’s stream to end');
    await gate.close();
    await keycard.close();
  });

  // The same owner.gone closes its transports in one pass: had it matched another owner's session,
  // that session would be gone (404) by the time the gone subject's stream has ended.
  it('leaves the sessions of another OAuth subject and of another owner’s keycard token open', async () => {
    const app = express();
    const base = await listening(app, servers);
    const gone = new Set<string>();
    const resolveOwner = (id: string) => ({ status: gone.has(id) ? ('gone' as const) : ('active' as const) });
    const { keycard } = dual({}, { resolveOwner, ownerCacheMs: 0 }, `${base}/mcp`);
    const gate = mcpGate(keycard, { onWarning: expectedWarning });
    app.use('/mcp', express.json(), gate);
    mcpSessions(app, gate, () => new McpServer({ name: 'tickets', version: '1.0.0' }));
    const jason = await jwt({}, `${base}/mcp`);
    const others = [
      await jwt({ sub: 'u_ana' }, `${base}/mcp`),
      (await keycard.issue({ ownerId: 'u_maria', label: 'ci', scopes: ['read'] })).token,
    ];
    const stream = await openStream(base, jason, await rawSession(base, jason));
    const kept = await Promise.all(others.map(async (t) => [t, await rawSession(base, t)] as const));
    gone.add('u_jason');
    const refused = await fetch(`${base}/mcp`, { method: 'POST', headers: mcpHeaders(jason), body: '{}' });
    expect(refused.status).toBe(401);
    await within(stream.ended, 'the gone subject’s stream to end');
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
    for (const [token, sid] of kept) {
      const res = await fetch(`${base}/mcp`, { method: 'POST', headers: mcpHeaders(token, sid), body: ping });
      expect([res.status, await res.text()]).toEqual([200, expect.stringContaining('"result":{}')]);
    }
    await gate.close();
    await keycard.close();
  });
});

describe('an owner hook that never settles (your user directory hung)', () => {
  afterEach(() => void vi.useRealTimers());

  it('is a 503 unavailable after 5 s, reported through onError, not a request held for ever', async () => {
    // Only setTimeout is faked: the JWKS fetch and jose's own deadline run on real I/O, and the
    // owner hook's 5 s is the test's to pass once the hook has been called.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let called!: () => void;
    const asked = new Promise<void>((r) => (called = r));
    const { keycard, errors } = dual({ owner: () => (called(), new Promise<never>(() => {})) });
    let settled: unknown = 'held';
    const answer = keycard.authenticate(get(await jwt())).then((r) => (settled = r));
    await asked;
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe('held'); // not before the bound
    await vi.advanceTimersByTimeAsync(1);
    const r = await answer;
    expect(r.ok || r.skip ? 'passed' : [r.status, r.code]).toEqual([503, 'unavailable']);
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'unavailable',
        message: expect.stringContaining('jwtAccessTokens: owner() timed out after 5000 ms'),
      }),
    ]);
    await keycard.close();
  });
});
