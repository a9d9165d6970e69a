/**
 * SPEC §16 with the official MCP SDK client's own OAuth discovery (`Client` +
 * `StreamableHTTPClientTransport` + an `OAuthClientProvider`), against a dual-mode gate whose
 * resource has a path (`http://127.0.0.1:<port>/mcp`) and a local authorization server on
 * 127.0.0.1 (RFC 8414 metadata and a JWKS). The client follows keycard's bytes alone:
 * - no token: it reads `resource_metadata=` from the 401 (RFC 9728 §5.1), fetches the document
 *   at the path-suffixed well-known URL (§3.1), accepts its `resource` (§3.3), and sends the user
 *   to the authorization server with `resource=` (RFC 8707) and `scope=` from `scopes_supported`;
 * - a token gone bad (expired JWT): the 401 carries no `resource_metadata` (SPEC §16 / §8 pin
 *   that challenge), and the client still finds the same document at the same path-suffixed URL;
 * - a valid JWT from the provider: the tool call succeeds as an `oauth` identity.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, type Keycard } from '../src/index.ts';
import { identityOf, mcpGate, type McpGate } from '../src/adapters/mcp/index.ts';
import { jwtAccessTokens, protectedResource, type ProtectedResource } from '../src/oauth/index.ts';
import { toadoScopes } from './helpers.ts';
import { listening, mcpSessions, serveMetadata } from './oauth-fixture.ts';

const servers: Server[] = [];
let issuer = '';
let signingKey: CryptoKey;
let base = '';
let resource = '';
let keycard: Keycard;
let gate: McpGate;
let pr: ProtectedResource;
/** Every request the resource server saw, `METHOD path`. */
const seen: string[] = [];
/** Every 401 challenge the resource server sent. */
const challenges: string[] = [];

beforeAll(async () => {
  // The authorization server: RFC 8414 metadata and its JWKS, on 127.0.0.1.
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const as = createServer((rq, rs) => {
    rs.setHeader('content-type', 'application/json');
    if (rq.url === '/.well-known/oauth-authorization-server')
      return void rs.end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
        }),
      );
    if (rq.url === '/jwks') return void rs.end(JSON.stringify({ keys: [jwk] }));
    rs.statusCode = 404;
    rs.end('{}');
  });
  servers.push(as);
  await new Promise<void>((r) => as.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(as.address() as AddressInfo).port}`;

  const app = express();
  base = await listening(app, servers);
  resource = `${base}/mcp`;
  pr = protectedResource({ resource, authorizationServers: [issuer], scopesSupported: toadoScopes().names });
  keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    oauth: jwtAccessTokens({ issuer, audience: resource, jwksUrl: `${issuer}/jwks` }),
    resourceMetadataUrl: pr.metadataUrl,
    onWarning: () => {},
  });
  gate = mcpGate(keycard, { tools: { whoami: { scope: 'read', class: 'read' } } });
  app.use((rq, rs, next) => {
    seen.push(`${rq.method} ${rq.originalUrl}`);
    rs.on('finish', () => {
      if (rs.statusCode === 401) challenges.push(String(rs.getHeader('www-authenticate')));
    });
    next();
  });
  app.use(serveMetadata(pr, base));
  app.use('/mcp', express.json(), gate);
  mcpSessions(
    app,
    gate,
    () => {
      const mcp = new McpServer({ name: 'tickets', version: '1.0.0' });
      mcp.registerTool('whoami', { annotations: { readOnlyHint: true } }, async (extra) => ({
        content: [{ type: 'text', text: `${identityOf(extra)!.kind}:${identityOf(extra)!.ownerId}` }],
      }));
      return mcp;
    },
    400,
  );
});
afterAll(async () => {
  await gate?.close();
  await keycard?.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function jwt(expiresIn: number) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: issuer, aud: resource, sub: 'u_jason', client_id: 'c1', scope: 'read', jti: randomUUID() })
    .setIssuedAt(now - 120)
    .setExpirationTime(now + expiresIn)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .sign(signingKey);
}

/** An OAuth client provider holding `accessToken` (or none) that records where it was sent to authorize. */
function provider(accessToken?: string) {
  const sentTo: URL[] = [];
  const p: OAuthClientProvider = {
    get redirectUrl() {
      return 'http://127.0.0.1/callback';
    },
    get clientMetadata() {
      return { redirect_uris: ['http://127.0.0.1/callback'], client_name: 'spec51' };
    },
    clientInformation: () => ({ client_id: 'c1' }),
    tokens: () => (accessToken ? { access_token: accessToken, token_type: 'Bearer' } : undefined),
    saveTokens: () => {},
    redirectToAuthorization: (url) => void sentTo.push(url),
    saveCodeVerifier: () => {},
    codeVerifier: () => 'verifier',
  };
  return { p, sentTo };
}

async function connect(accessToken?: string) {
  const { p, sentTo } = provider(accessToken);
  const client = new Client({ name: 'spec51', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: p });
  let error: unknown = null;
  try {
    await client.connect(transport);
  } catch (e) {
    error = e;
  }
  return { client, sentTo, error };
}

const metadataPath = '/.well-known/oauth-protected-resource/mcp';

describe('the official SDK client follows keycard’s discovery bytes (RFC 9728, RFC 6750, RFC 8707)', () => {
  it('without a token: resource_metadata → the path-suffixed document → the authorization server, with resource and scope', async () => {
    seen.length = 0;
    challenges.length = 0;
    const { sentTo, error } = await connect();
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(challenges[0]).toBe(`Bearer realm="api", resource_metadata="${base}${metadataPath}"`);
    expect(seen).toContain(`GET ${metadataPath}`);
    expect(sentTo).toHaveLength(1);
    const url = sentTo[0]!;
    expect(`${url.origin}${url.pathname}`).toBe(`${issuer}/authorize`);
    expect(url.searchParams.get('resource')).toBe(resource);
    expect(url.searchParams.get('scope')).toBe(toadoScopes().names.join(' '));
    expect(url.searchParams.get('client_id')).toBe('c1');
  });

  it('with an expired JWT: no resource_metadata in the challenge, and the client still finds the same document', async () => {
    seen.length = 0;
    challenges.length = 0;
    const { sentTo, error } = await connect(await jwt(-60));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(challenges[0]).toBe('Bearer realm="api", error="invalid_token", error_description="Token expired"');
    expect(seen.filter((s) => s.startsWith('GET /.well-known/'))[0]).toBe(`GET ${metadataPath}`);
    expect(sentTo.map((u) => u.searchParams.get('resource'))).toEqual([resource]);
  });

  it('with a valid JWT from the provider: the tool runs as an oauth identity', async () => {
    const { client, error } = await connect(await jwt(300));
    expect(error).toBeNull();
    const out = await client.callTool({ name: 'whoami', arguments: {} });
    expect((out.content as { text: string }[])[0]!.text).toBe('oauth:u_jason');
    await client.close();
  });
});
