/**
 * RFC 9728 §2: `bearer_methods_supported` is the list of the methods of sending a bearer token
 * (RFC 6750 §2) that the protected resource supports. keycard reads the `Authorization` header,
 * and the `access_token` query parameter only when the integrator opts in (`allowQueryToken`,
 * SPEC §8); it never reads a form body (RFC 6750 §2.2), so `body` is never listed. The document
 * says what the resource does: through a real Express server on 127.0.0.1 that serves it beside
 * a guarded route, each method it lists gets a token in, and a method it leaves out does not.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, KeycardError } from '../src/index.ts';
import { expressGuard, expressHandler } from '../src/adapters/express.ts';
import { protectedResource } from '../src/oauth/index.ts';
import { toadoScopes } from './helpers.ts';

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A resource whose metadata and keycard are configured alike, served on 127.0.0.1. */
async function resourceServer(allowQueryToken?: boolean) {
  const resource = protectedResource({
    resource: 'https://api.example.com/mcp',
    authorizationServers: ['https://auth.example.com'],
    scopesSupported: toadoScopes().names,
    ...(allowQueryToken === undefined ? {} : { allowQueryToken }),
  });
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    resourceMetadataUrl: resource.metadataUrl,
    ...(allowQueryToken === undefined ? {} : { allowQueryToken }),
  });
  const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
  const app = express();
  app.use(
    '/.well-known/oauth-protected-resource',
    expressHandler(async (request) => resource.handle(request) ?? new Response(null, { status: 404 })),
  );
  app.get('/mcp', expressGuard(keycard)({ scope: 'read' }), (_req, res) => void res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const methods = (
    (await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json()) as {
      bearer_methods_supported: string[];
    }
  ).bearer_methods_supported;
  const statusBy = {
    header: (await fetch(`${origin}/mcp`, { headers: { authorization: `Bearer ${token}` } })).status,
    query: (await fetch(`${origin}/mcp?access_token=${token}`)).status,
  };
  await keycard.close();
  return { methods, statusBy };
}

describe('bearer_methods_supported lists what the resource accepts (RFC 9728 §2)', () => {
  it('allowQueryToken: true: header and query, and a token in the query gets in', async () => {
    const { methods, statusBy } = await resourceServer(true);
    expect(methods).toEqual(['header', 'query']);
    expect(statusBy).toEqual({ header: 200, query: 200 });
  });

  it('by default (and allowQueryToken: false): header only, and a token in the query does not get in', async () => {
    for (const allow of [undefined, false]) {
      const { methods, statusBy } = await resourceServer(allow);
      expect([allow, methods]).toEqual([allow, ['header']]);
      expect([allow, statusBy]).toEqual([allow, { header: 200, query: 401 }]);
    }
  });

  it('allowQueryToken that is not a boolean is refused, naming it', () => {
    const options = {
      resource: 'https://api.example.com/mcp',
      authorizationServers: ['https://auth.example.com'],
      scopesSupported: ['read'],
      allowQueryToken: 'yes' as unknown as boolean,
    };
    expect(() => protectedResource(options)).toThrow(KeycardError);
    expect(() => protectedResource(options)).toThrow(/allowQueryToken: .*expected boolean/);
  });
});
