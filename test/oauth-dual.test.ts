/**
 * Issue 20 / SPEC §16: dual mode. One server takes OAuth JWT access tokens from a local
 * authorization server (jose SignJWT + a JWKS on 127.0.0.1) and keycard tokens; both reach
 * handlers as one `Identity` through the same authenticate(), limiter and audit. Without an
 * authorization server, 401s point at the settings page.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import { SignJWT } from 'jose';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, memoryAuditSink, type KeycardOptions, type RequestAuditEvent } from '../src/index.ts';
import { expressGuard } from '../src/adapters/express.ts';
import { identityOf, mcpGate } from '../src/adapters/mcp/index.ts';
import { jwtAccessTokens, protectedResource } from '../src/oauth/index.ts';
import { toadoScopes } from './helpers.ts';
import { mcpClient } from './mcp-helpers.ts';
import { listening, localAuthorizationServer, mcpSessions, serveMetadata } from './oauth-fixture.ts';

const ISSUER = 'https://auth.test';
let jwks: Server;
let jwksUrl: string;
let signingKey: CryptoKey;
const servers: Server[] = [];

beforeAll(async () => {
  ({ server: jwks, jwksUrl, signingKey } = await localAuthorizationServer('RS256'));
});
afterAll(async () => {
  for (const s of [jwks, ...servers]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function jwt(audience: string, claims: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: ISSUER,
    aud: audience,
    sub: 'u_jason',
    client_id: 'claude-code',
    scope: 'tickets:write',
    jti: randomUUID(),
    iat: now,
    exp: now + 300,
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' }).sign(signingKey);
}

function dual(audience: string, extra: Partial<KeycardOptions> = {}) {
  const sink = memoryAuditSink();
  const pr = protectedResource({
    resource: audience,
    authorizationServers: [ISSUER],
    scopesSupported: toadoScopes().names,
  });
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    audit: sink,
    oauth: jwtAccessTokens({ issuer: ISSUER, audience, jwksUrl }),
    resourceMetadataUrl: pr.metadataUrl,
    onWarning: () => {},
    ...extra,
  });
  return { keycard, sink, pr };
}

const RESOURCE = 'http://127.0.0.1:9/api';
const req = (token?: string, method = 'GET') => ({
  method,
  url: `${RESOURCE}/tickets`,
  headers: token ? { authorization: `Bearer ${token}` } : {},
});

describe('dual mode through authenticate()', () => {
  it('accepts an OAuth JWT as an oauth identity whose scopes are the catalogue closure of its scope claim', async () => {
    const { keycard } = dual(RESOURCE);
    const r = await keycard.authenticate(req(await jwt(RESOURCE)), { scope: 'read' }); // tickets:write ⇒ read
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.identity.kind).toBe('oauth');
    expect(r.identity.ownerId).toBe('u_jason');
    expect([...r.identity.scopes].sort()).toEqual(['comments', 'read', 'tickets:write']);
    expect(r.headers['RateLimit-Policy']).toBeDefined();
    await keycard.close();
  });

  it('still verifies keycard tokens in-process, and never sends them to the OAuth verifier', async () => {
    let calls = 0;
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      oauth: { kind: 'oauth', verify: async () => (calls++, { ok: false, code: 'invalid_token' }) },
    });
    const { token } = await keycard.issue({ ownerId: 'u_1', label: 'ci', scopes: ['read'] });
    expect((await keycard.authenticate(req(token))).ok).toBe(true);
    expect((await keycard.authenticate(req('acme_sk_1forged'))).ok).toBe(false);
    expect(calls).toBe(0);
    expect(await keycard.authenticate(req('eyJhbGciOiJub25lIn0.e30.'))).toMatchObject({
      ok: false,
      status: 401,
      code: 'invalid_token',
    });
    expect(calls).toBe(1);
    await keycard.close();
  });

  it('answers a JWT for another resource, an expired one and one missing a scope exactly as for keycard tokens', async () => {
    const { keycard } = dual(RESOURCE);
    expect(await keycard.authenticate(req(await jwt('https://other.test/api')))).toMatchObject({
      status: 401,
      code: 'invalid_token',
    });
    expect(
      await keycard.authenticate(req(await jwt(RESOURCE, { exp: Math.floor(Date.now() / 1000) - 5 }))),
    ).toMatchObject({ status: 401, code: 'token_expired' });
    const denied = await keycard.authenticate(req(await jwt(RESOURCE, { scope: 'read' })), { scope: 'tickets:assign' });
    expect(denied).toMatchObject({ status: 403, code: 'insufficient_scope' });
    if (!denied.ok && !denied.skip)
      expect(denied.headers['WWW-Authenticate']).toBe(
        'Bearer realm="api", error="insufficient_scope", scope="tickets:assign"',
      );
    await keycard.close();
  });

  it('applies the owner bound to the subject: a gone owner is token_revoked, a narrower one narrows', async () => {
    const gone = dual(RESOURCE, { resolveOwner: () => ({ status: 'gone' }) });
    expect(await gone.keycard.authenticate(req(await jwt(RESOURCE)))).toMatchObject({
      status: 401,
      code: 'token_revoked',
    });
    const narrow = dual(RESOURCE, { resolveOwner: () => ({ status: 'active', scopes: ['read'] }) });
    const r = await narrow.keycard.authenticate(req(await jwt(RESOURCE)), { scope: 'tickets:write' });
    expect(r).toMatchObject({ status: 403, code: 'insufficient_scope' });
    await gone.keycard.close();
    await narrow.keycard.close();
  });

  it('charges one budget per subject, whatever the client (test/oauth-limits.test.ts)', async () => {
    const { keycard } = dual(RESOURCE, { rateLimit: { limit: 2, window: 60 } });
    const a = await jwt(RESOURCE);
    expect((await keycard.authenticate(req(a))).ok).toBe(true);
    expect((await keycard.authenticate(req(await jwt(RESOURCE)))).ok).toBe(true); // another JWT, same subject and client
    expect(await keycard.authenticate(req(a))).toMatchObject({ status: 429, code: 'rate_limited' });
    const cursor = await jwt(RESOURCE, { client_id: 'cursor' }); // another client of the same person
    expect(await keycard.authenticate(req(cursor))).toMatchObject({ status: 429, code: 'rate_limited' });
    expect((await keycard.authenticate(req(await jwt(RESOURCE, { sub: 'u_ana' })))).ok).toBe(true);
    await keycard.close();
  });

  it('charges subject "a:b" with client "c" and subject "a" with client "b:c" separately (no tokenId collision)', async () => {
    const { keycard } = dual(RESOURCE, { rateLimit: { limit: 1, window: 60 } });
    const first = await keycard.authenticate(req(await jwt(RESOURCE, { sub: 'a:b', client_id: 'c' })));
    const second = await keycard.authenticate(req(await jwt(RESOURCE, { sub: 'a', client_id: 'b:c' })));
    expect([first.ok, second.ok]).toEqual([true, true]);
    if (first.ok && second.ok) expect(first.identity.tokenId).not.toBe(second.identity.tokenId);
    await keycard.close();
  });

  it('adds resource_metadata to 401s without credentials only', async () => {
    const { keycard, pr } = dual(RESOURCE);
    const none = await keycard.authenticate(req());
    expect(none).toMatchObject({ status: 401, code: 'missing_token' });
    if (!none.ok && !none.skip) {
      expect(none.headers['WWW-Authenticate']).toBe(`Bearer realm="api", resource_metadata="${pr.metadataUrl}"`);
      expect(JSON.parse(none.body!).detail).toBe('Missing bearer token');
    }
    const bad = await keycard.authenticate(req('nope'));
    if (!bad.ok && !bad.skip) expect(bad.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="invalid_token"');
    await keycard.close();
  });

  it('API keys only: a 401 without credentials says where to create a token, and serves no metadata', async () => {
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      settingsUrl: 'https://app.example.com/settings/tokens',
    });
    const r = await keycard.authenticate(req());
    expect(r.ok).toBe(false);
    if (r.ok || r.skip) return;
    expect(r.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error_description="Create a token at https://app.example.com/settings/tokens"',
    );
    expect(r.body).toBe(
      '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Missing bearer token; create one at https://app.example.com/settings/tokens","code":"missing_token"}',
    );
    expect(r.headers['WWW-Authenticate']).not.toContain('resource_metadata');
    await keycard.close();
  });
});

describe('protected resource metadata (RFC 9728)', () => {
  it('serves the document at the well-known path and its path-suffixed form, nothing else', async () => {
    const { pr } = dual('https://api.example.com/mcp');
    expect(pr.metadataUrl).toBe('https://api.example.com/.well-known/oauth-protected-resource/mcp');
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const res = pr.handle(new Request(`https://api.example.com${path}`))!;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        resource: 'https://api.example.com/mcp',
        authorization_servers: [ISSUER],
        scopes_supported: ['read', 'comments', 'tickets:write', 'tickets:assign'],
        bearer_methods_supported: ['header'],
      });
    }
    expect(pr.handle(new Request('https://api.example.com/mcp'))).toBeNull();
  });
});

describe('one MCP server, two kinds of token (official SDK client)', () => {
  it('calls a tool with an OAuth JWT and with a keycard token; both are audited with their kind', async () => {
    const app = express();
    const base = await listening(app, servers);
    const { keycard, sink, pr } = dual(`${base}/mcp`);
    const gate = mcpGate(keycard, { tools: { whoami: { scope: 'read', class: 'read' } } });
    app.use(serveMetadata(pr, base));
    app.use('/mcp', express.json(), gate);
    mcpSessions(
      app,
      gate,
      () => {
        const mcp = new McpServer({ name: 'tickets', version: '1.0.0' });
        mcp.registerTool('whoami', { annotations: { readOnlyHint: true } }, async (extra) => {
          const id = identityOf(extra)!;
          return { content: [{ type: 'text', text: `${id.kind}:${id.ownerId}` }] };
        });
        return mcp;
      },
      400,
    );

    const { token } = await keycard.issue({ ownerId: 'u_maria', label: 'ci agent', scopes: ['read'] });
    const texts: string[] = [];
    for (const bearer of [await jwt(`${base}/mcp`), token]) {
      const errors: unknown[] = [];
      const { client } = await mcpClient(base, bearer, errors);
      const out = await client.callTool({ name: 'whoami', arguments: {} });
      texts.push((out.content as { text: string }[])[0]!.text);
      await client.close();
    }
    expect(texts).toEqual(['oauth:u_jason', 'personal:u_maria']);
    // A client without a token is told where the metadata is.
    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${pr.metadataUrl}"`);
    const meta = await fetch(pr.metadataUrl);
    expect((await meta.json()).resource).toBe(`${base}/mcp`);
    await gate.close();
    await keycard.close(); // flushes the audit queue
    const calls = sink.events.filter(
      (e): e is RequestAuditEvent => e.type === 'request.allowed' && (e as RequestAuditEvent).tool === 'whoami',
    );
    expect(calls.map((e) => [e.tokenKind ?? 'keycard', e.ownerId])).toEqual([
      ['oauth', 'u_jason'],
      ['keycard', 'u_maria'],
    ]);
    expect(JSON.stringify(sink.events)).not.toMatch(/eyJ/); // no JWT in any event
  });
});

describe('beyond MCP: the same option on a REST guard', () => {
  it('Express accepts both kinds through expressGuard', async () => {
    const app = express();
    const base = await listening(app, servers);
    const { keycard } = dual(`${base}/api`);
    app.get('/api/me', expressGuard(keycard)({ scope: 'read' }), (rq, rs) => void rs.json({ kind: rq.keycard!.kind }));
    const { token } = await keycard.issue({ ownerId: 'u_1', label: 'ci', scopes: ['read'] });
    for (const [bearer, kind] of [
      [await jwt(`${base}/api`), 'oauth'],
      [token, 'personal'],
    ] as const) {
      const res = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${bearer}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ kind });
    }
    await keycard.close();
  });
});
