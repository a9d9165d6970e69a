/**
 * A local authorization server for the OAuth tests: a key pair from jose and its JWKS served on
 * 127.0.0.1 (real HTTP, not a mock); and the Express route that runs MCP sessions behind a gate.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, RequestHandler } from 'express';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpGate } from '../src/adapters/mcp/index.ts';
import type { ProtectedResource } from '../src/oauth/index.ts';

export interface LocalAuthorizationServer {
  readonly jwksUrl: string;
  readonly signingKey: CryptoKey;
  readonly server: Server;
}

/** A fresh `alg` key pair (kid `k1`) and a JWKS endpoint on 127.0.0.1 that serves its public half. */
export async function localAuthorizationServer(alg: 'ES256' | 'RS256'): Promise<LocalAuthorizationServer> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg, use: 'sig' };
  const server = createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  return { jwksUrl, signingKey: pair.privateKey, server };
}

/**
 * `app.all('/mcp')` running one MCP session per initialize, bound through `gate.connect`; a
 * request of an unknown session (or a first request that is not an initialize) gets `unknown`.
 */
export function mcpSessions(app: Express, gate: McpGate, makeServer: () => McpServer, unknown = 404): void {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  app.all('/mcp', async (rq, rs) => {
    const sid = rq.get('mcp-session-id');
    let transport = sid === undefined ? undefined : sessions.get(sid);
    if (!transport) {
      if (sid !== undefined || !isInitializeRequest(rq.body)) return void rs.status(unknown).end();
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, created),
      });
      created.onclose = () => void sessions.delete(created.sessionId!);
      await gate.connect(makeServer(), created, rq.keycard);
      transport = created;
    }
    await transport.handleRequest(rq, rs, rq.body);
  });
}

/** `app` listening on 127.0.0.1 (port 0), pushed on `servers` for the file's afterAll to close; its base URL. */
export async function listening(app: Express, servers: Server[]): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise<void>((r) => void server.once('listening', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Express middleware serving `pr`'s well-known metadata documents (its Web Response, copied as is); other paths go on. */
export function serveMetadata(pr: ProtectedResource, base: string): RequestHandler {
  return (rq, rs, next) => {
    const answer = pr.handle(new Request(`${base}${rq.originalUrl}`, { method: rq.method }));
    if (!answer) return next();
    rs.status(answer.status);
    answer.headers.forEach((v, k) => rs.setHeader(k, v));
    void answer.text().then((t) => rs.end(t));
  };
}
