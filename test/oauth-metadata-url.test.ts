/**
 * RFC 9728 §3.1 to the letter: where the metadata of a resource identifier lives, and the answers
 * to HEAD and to a browser's preflight of it.
 */
import { describe, expect, it } from 'vitest';
import { protectedResource } from '../src/oauth/index.ts';

const base = { authorizationServers: ['https://auth.example.com'], scopesSupported: ['read'] };
const at = (resource: string) => protectedResource({ ...base, resource });

describe('protectedResource metadata URL (RFC 9728 §3.1)', () => {
  it('inserts the well-known path between the host and the path, keeping a path’s terminating slash', () => {
    expect(at('https://api.example.com/mcp').metadataUrl).toBe(
      'https://api.example.com/.well-known/oauth-protected-resource/mcp',
    );
    expect(at('https://api.example.com/mcp/').metadataUrl).toBe(
      'https://api.example.com/.well-known/oauth-protected-resource/mcp/',
    );
    expect(at('https://api.example.com/').metadataUrl).toBe(
      'https://api.example.com/.well-known/oauth-protected-resource',
    );
    expect(at('https://api.example.com').metadataUrl).toBe(
      'https://api.example.com/.well-known/oauth-protected-resource',
    );
  });

  it('keeps a query component after the path (RFC 9728 §3.1)', () => {
    expect(at('https://api.example.com/mcp?tenant=a').metadataUrl).toBe(
      'https://api.example.com/.well-known/oauth-protected-resource/mcp?tenant=a',
    );
    expect(at('https://api.example.com/?tenant=a').metadataUrl).toBe(
      'https://api.example.com/.well-known/oauth-protected-resource?tenant=a',
    );
  });

  it('serves a slash-terminated resource at its RFC URL and where the MCP SDK looks (slash stripped)', async () => {
    const pr = at('https://api.example.com/mcp/');
    for (const path of ['/mcp/', '/mcp', '']) {
      const res = pr.handle(new Request(`https://api.example.com/.well-known/oauth-protected-resource${path}`));
      expect([path, res?.status]).toEqual([path, 200]);
      expect(JSON.parse(await res!.text()).resource).toBe('https://api.example.com/mcp/');
    }
    expect(pr.handle(new Request('https://api.example.com/.well-known/oauth-protected-resource/mcp//'))).toBeNull();
  });

  it('a resource without a terminating slash is not served at the slash-terminated path', () => {
    expect(
      at('https://api.example.com/mcp').handle(
        new Request('https://api.example.com/.well-known/oauth-protected-resource/mcp/'),
      ),
    ).toBeNull();
  });
});

describe('protectedResource HEAD and preflight', () => {
  it('HEAD is the GET without its body: 200, JSON, nosniff', async () => {
    const pr = at('https://api.example.com/mcp');
    const res = pr.handle(new Request(pr.metadataUrl, { method: 'HEAD' }))!;
    expect([res.status, res.headers.get('content-type'), res.headers.get('x-content-type-options')]).toEqual([
      200,
      'application/json',
      'nosniff',
    ]);
    expect(await res.text()).toBe('');
  });

  // The 200 and 405 headers are fixed through Express, Hono and Next in test/oauth-metadata-headers.test.ts.
  it('OPTIONS is a 204 naming the methods a browser may use (GET, HEAD)', () => {
    const pr = at('https://api.example.com/mcp');
    const res = pr.handle(new Request(pr.metadataUrl, { method: 'OPTIONS' }))!;
    expect([
      res.status,
      res.headers.get('access-control-allow-methods'),
      res.headers.get('access-control-allow-origin'),
    ]).toEqual([204, 'GET, HEAD', '*']);
  });
});
