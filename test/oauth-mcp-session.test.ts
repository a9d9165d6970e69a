/**
 * An MCP session opened with an OAuth JWT, and the client refreshing its access token (MCP
 * authorization, 2025-06-18: a token on every request, "even if they are part of the same logical
 * session"). The session is bound to `oauth:<sub>:<client_id>`, so a refreshed JWT of the same
 * subject and client may use it; it must then last as long as the newest JWT it presented, not
 * end at the first one's `exp`. A client that does not refresh still loses it at that `exp`.
 * Real HTTP on 127.0.0.1 and the SDK's server transport; the JWTs live 1–2 s, so this waits ~2 s.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, type Keycard } from '../src/index.ts';
import { mcpGate, type McpGate } from '../src/adapters/mcp/index.ts';
import { jwtAccessTokens } from '../src/oauth/index.ts';
import { toadoScopes } from './helpers.ts';
import { expectedWarning, mcpHeaders, openStream, rawSession, until } from './mcp-helpers.ts';
import { mcpSessions } from './oauth-fixture.ts';

const ISSUER = 'https://auth.test';
let signingKey: CryptoKey;
let server: Server;
let base: string;
let keycard: Keycard;
let gate: McpGate;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  const keys = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] };
  const app = express();
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => void server.once('listening', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    oauth: jwtAccessTokens({ issuer: ISSUER, audience: `${base}/mcp`, keys }),
    onWarning: () => {},
  });
  gate = mcpGate(keycard, { onWarning: expectedWarning });
  app.use('/mcp', express.json(), gate);
  mcpSessions(app, gate, () => new McpServer({ name: 'tickets', version: '1.0.0' }));
});
afterAll(async () => {
  await gate.close();
  await keycard.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** An access token of subject u_jason for client claude-code, expiring `seconds` from now. */
async function jwt(seconds: number) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, aud: `${base}/mcp`, sub: 'u_jason', client_id: 'claude-code', scope: 'read' };
  return new SignJWT({ ...claims, jti: randomUUID(), iat: now, exp: now + seconds })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .sign(signingKey);
}
const ping = async (token: string, sid: string) => {
  const res = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(token, sid),
    body: '{"jsonrpc":"2.0","id":7,"method":"ping"}',
  });
  await res.text();
  return res.status;
};

/**
 * Two sessions and their streams opened with one short-lived JWT, and a refreshed JWT (same
 * subject and client: the same tokenId, a later exp) sent to the first session before that JWT's
 * exp. On a loaded machine the five requests can outlast a 2 s JWT (CI saw `initialize` answer
 * 401): then the set-up is made again with a JWT living twice as long (up to 32 s); a failure
 * while the JWT was still live is thrown.
 */
async function sessions(seconds = 2): Promise<{
  first: string;
  exp: { exp: number };
  refreshing: string;
  quiet: string;
  stream: Awaited<ReturnType<typeof openStream>>;
  quietStream: Awaited<ReturnType<typeof openStream>>;
  refreshed: string;
  status: number;
}> {
  const first = await jwt(seconds);
  const exp = JSON.parse(Buffer.from(first.split('.')[1]!, 'base64url').toString()) as { exp: number };
  try {
    const [refreshing, quiet] = [await rawSession(base, first), await rawSession(base, first)];
    const [stream, quietStream] = [await openStream(base, first, refreshing), await openStream(base, first, quiet)];
    const refreshed = await jwt(300);
    const status = await ping(refreshed, refreshing);
    if (Date.now() < exp.exp * 1000) return { first, exp, refreshing, quiet, stream, quietStream, refreshed, status };
    await Promise.all([stream.cancel(), quietStream.cancel()]);
  } catch (error) {
    if (Date.now() < exp.exp * 1000 || seconds >= 32) throw error;
  }
  // Up to 32 s on both paths: a set-up that answered only after the JWT's exp stops here too.
  if (seconds >= 32) throw new Error(`the set-up outlasted a ${seconds} s JWT`);
  return sessions(seconds * 2);
}

describe('an MCP session opened with an OAuth JWT', () => {
  it('outlives that JWT when the client refreshes; without a refresh it ends at its exp', async () => {
    const { first, exp, refreshing, quiet, stream, quietStream, refreshed, status } = await sessions();
    expect(status).toBe(200); // the refreshed JWT, sent to the session before the first one's exp

    await until(() => Date.now() > exp.exp * 1000 + 300 || null, 'the first JWT to expire');
    await until(async () => !quietStream.isOpen() || null, 'the un-refreshed session to end');
    expect(await ping(first, refreshing)).toBe(401); // the old JWT is refused, as any expired token
    expect(await ping(refreshed, quiet)).toBe(404); // the quiet session ended at the first exp
    expect(await ping(refreshed, refreshing)).toBe(200); // the refreshed one goes on
    expect(stream.isOpen()).toBe(true);
    await stream.cancel();
  }, 120_000);
});
