/**
 * RFC 9728 protected resource metadata under attack (SPEC §16): the document's bytes and URLs come
 * from configuration only, never from the request (Host, X-Forwarded-*), and identifiers are
 * https (RFC 9728 §2, RFC 8414 §2), http only on loopback for development.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard } from '../src/index.ts';
import { protectedResource } from '../src/oauth/index.ts';
import { toadoScopes } from './helpers.ts';

const options = {
  resource: 'https://api.example.com/mcp',
  authorizationServers: ['https://auth.example.com'],
  scopesSupported: ['read', 'tickets:write'],
};
const DOCUMENT =
  '{"resource":"https://api.example.com/mcp","authorization_servers":["https://auth.example.com"],"scopes_supported":["read","tickets:write"],"bearer_methods_supported":["header"]}';

describe('protectedResource under attack', () => {
  it('answers the same bytes whatever Host or forwarded headers say', async () => {
    const pr = protectedResource(options);
    expect(pr.metadataUrl).toBe('https://api.example.com/.well-known/oauth-protected-resource/mcp');
    const spoofs = [
      new Request('https://api.example.com/.well-known/oauth-protected-resource/mcp'),
      new Request('https://evil.test/.well-known/oauth-protected-resource/mcp'),
      new Request('https://api.example.com/.well-known/oauth-protected-resource', {
        headers: {
          host: 'evil.test',
          'x-forwarded-host': 'evil.test',
          'x-forwarded-proto': 'http',
          forwarded: 'host=evil.test',
        },
      }),
    ];
    for (const request of spoofs) {
      const res = pr.handle(request)!;
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.text()).toBe(DOCUMENT);
    }
  });

  it('serves nothing at look-alike paths', () => {
    const pr = protectedResource(options);
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp/',
      '/.well-known/oauth-protected-resource/other',
      '/.well-known/oauth-protected-resource/mcp/../../admin',
      '//.well-known/oauth-protected-resource',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/.well-known/OAUTH-PROTECTED-RESOURCE',
    ])
      expect([path, pr.handle(new Request(`https://api.example.com${path}`))]).toEqual([path, null]);
    expect(pr.handle(new Request(`${pr.metadataUrl}`, { method: 'POST', body: '{}' }))!.status).toBe(405);
  });

  it('the challenge names the configured URL, whatever the request says', async () => {
    const pr = protectedResource(options);
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      oauth: { kind: 'oauth', verify: async () => ({ ok: false, code: 'invalid_token' }) },
      resourceMetadataUrl: pr.metadataUrl,
    });
    const r = await keycard.authenticate({
      method: 'GET',
      url: 'http://evil.test/mcp',
      headers: { host: 'evil.test', 'x-forwarded-host': 'evil.test' },
    });
    expect(r.ok || r.skip ? null : r.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp"',
    );
    await keycard.close();
  });

  it('refuses plain-http identifiers off loopback (RFC 9728 §2: the resource is an https URL)', () => {
    expect(() => protectedResource({ ...options, resource: 'http://api.example.com/mcp' })).toThrow(/resource/);
    expect(() => protectedResource({ ...options, authorizationServers: ['http://auth.example.com'] })).toThrow(
      /authorizationServers/,
    );
    expect(protectedResource({ ...options, resource: 'http://127.0.0.1:3000/mcp' }).metadataUrl).toBe(
      'http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp',
    );
    expect(() => protectedResource({ ...options, resource: 'https://api.example.com/mcp#x' })).toThrow(/fragment/);
  });
});
