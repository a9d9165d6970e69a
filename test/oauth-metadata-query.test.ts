/**
 * RFC 9728 §3 and §3.1 with a query component: the metadata URL is the resource identifier with the
 * well-known path inserted "between the host component and the path and/or query components", and
 * §3.3 has a client drop a document whose `resource` is not the identifier it derived the URL from.
 * So a metadata request answers only when its query is the resource's query, byte for byte: two
 * resources on one path told apart by their query each get their own document, and a request whose
 * query names another resource is left to the app (null), never answered with this one.
 */
import type { AddressInfo } from 'node:net';
import { discoverOAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/client/auth.js';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { expressHandler } from '../src/adapters/express.ts';
import { protectedResource } from '../src/oauth/index.ts';

const WK = 'https://api.example.com/.well-known/oauth-protected-resource';
const at = (resource: string, issuer = 'https://auth.example.com') =>
  protectedResource({ resource, authorizationServers: [issuer], scopesSupported: ['read'] });
const served = async (res: Response | null) => (res ? [res.status, JSON.parse(await res.text()).resource] : null);

describe('protectedResource with a query component (RFC 9728 §3, §3.1, §3.3)', () => {
  it('a resource with a query is served at its RFC URL, query included, and only there', async () => {
    const pr = at('https://api.example.com/mcp?tenant=a');
    expect(await served(pr.handle(new Request(pr.metadataUrl)))).toEqual([200, 'https://api.example.com/mcp?tenant=a']);
    for (const url of [`${WK}/mcp?tenant=b`, `${WK}/mcp`, `${WK}/mcp?tenant=a&x=1`, `${WK}/mcp?x=1&tenant=a`])
      expect([url, pr.handle(new Request(url))]).toEqual([url, null]);
  });

  it('a metadata request with a query is not for a resource without one', () => {
    const pr = at('https://api.example.com/mcp');
    for (const url of [`${WK}/mcp?tenant=a`, `${WK}?tenant=a`, `${WK}/mcp?x`])
      expect([url, pr.handle(new Request(url))]).toEqual([url, null]);
  });

  it('two resources on one path, told apart by their query, each answer with their own document', async () => {
    const a = at('https://api.example.com/mcp?tenant=a', 'https://auth-a.example.com');
    const b = at('https://api.example.com/mcp?tenant=b', 'https://auth-b.example.com');
    const handle = (request: Request) => a.handle(request) ?? b.handle(request);
    const issuerOf = async (url: string) => {
      const res = handle(new Request(url));
      return res ? (JSON.parse(await res.text()) as { authorization_servers: string[] }).authorization_servers : null;
    };
    expect(await issuerOf(a.metadataUrl)).toEqual(['https://auth-a.example.com']);
    expect(await issuerOf(b.metadataUrl)).toEqual(['https://auth-b.example.com']);
    expect(await issuerOf(`${WK}/mcp?tenant=c`)).toBeNull();
  });

  it('a resource at the root with a query: its URL is the bare well-known path plus the query', async () => {
    const pr = at('https://api.example.com/?tenant=a');
    expect(pr.metadataUrl).toBe(`${WK}?tenant=a`);
    expect(await served(pr.handle(new Request(pr.metadataUrl)))).toEqual([200, 'https://api.example.com/?tenant=a']);
    expect(pr.handle(new Request(WK))).toBeNull();
  });

  it('OPTIONS and a wrong method follow the same rule: null when the query is another resource’s', () => {
    const pr = at('https://api.example.com/mcp?tenant=a');
    expect(pr.handle(new Request(pr.metadataUrl, { method: 'OPTIONS' }))?.status).toBe(204);
    expect(pr.handle(new Request(pr.metadataUrl, { method: 'POST' }))?.status).toBe(405);
    expect(pr.handle(new Request(`${WK}/mcp?tenant=b`, { method: 'OPTIONS' }))).toBeNull();
    expect(pr.handle(new Request(`${WK}/mcp?tenant=b`, { method: 'POST' }))).toBeNull();
  });

  it('a resource without a query is still served at every form, the MCP SDK’s included', async () => {
    const pr = at('https://api.example.com/mcp/');
    for (const url of [`${WK}/mcp/`, `${WK}/mcp`, WK])
      expect([url, await served(pr.handle(new Request(url)))]).toEqual([url, [200, 'https://api.example.com/mcp/']]);
  });
});

describe('two tenants behind real Express, found by the MCP SDK’s discovery', () => {
  it('each tenant’s server URL finds its own document, issuer included', async () => {
    const app = express();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const a = at(`${origin}/mcp?tenant=a`, 'https://auth-a.example.com');
      const b = at(`${origin}/mcp?tenant=b`, 'https://auth-b.example.com');
      app.use(
        '/.well-known/oauth-protected-resource',
        expressHandler(async (r) => a.handle(r) ?? b.handle(r) ?? new Response(null, { status: 404 })),
      );
      for (const [tenant, issuer] of [
        ['a', 'https://auth-a.example.com'],
        ['b', 'https://auth-b.example.com'],
      ]) {
        const found = await discoverOAuthProtectedResourceMetadata(`${origin}/mcp?tenant=${tenant}`);
        expect([found.resource, found.authorization_servers]).toEqual([`${origin}/mcp?tenant=${tenant}`, [issuer]]);
      }
      expect((await fetch(`${origin}/.well-known/oauth-protected-resource/mcp?tenant=c`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
