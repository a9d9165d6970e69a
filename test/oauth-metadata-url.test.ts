/**
 * RFC 9728 §3.1 to the letter: where the metadata of a resource identifier lives, and the headers
 * every answer of `protectedResource().handle` carries (as its sibling routes' answers do).
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

describe('protectedResource answers’ headers', () => {
  const pr = at('https://api.example.com/mcp');

  it('the document is never sniffed into something else (nosniff, as every sibling route)', () => {
    for (const method of ['GET', 'HEAD']) {
      const res = pr.handle(new Request(pr.metadataUrl, { method }))!;
      expect(res.status).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-type')).toBe('application/json');
    }
  });

  it('another method is a 405 problem+json naming the allowed methods', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = pr.handle(new Request(pr.metadataUrl, { method, body: '{}' }))!;
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        type: 'about:blank',
        title: 'Method Not Allowed',
        status: 405,
        detail: 'Use GET, HEAD, OPTIONS',
        code: 'method_not_allowed',
      });
    }
  });
});
