/**
 * @module keycard/mcp
 * MCP (official SDK, Streamable HTTP on Express): a gate that runs keycard.authenticate() once per request, and a
 * verifier for the SDK's requireBearerAuth that reuses its result. Guide: docs/mcp.md.
 */
import type { RequestHandler, Response } from 'express';
import type {} from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js'; // declares req.auth
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { KeycardError, type Identity, type Keycard } from '../../index.ts';
import { checkKeycard, mcpRefusal } from '../../adapter-kit.ts';
import { metadataHint } from './discovery.ts';
import { authInfoOf } from './info.ts';
import { resolveMcpOptions, type McpOptions } from './options.ts';
import { originCheck } from './origin.ts';
import { createSessions } from './sessions.ts';
import { nodeRequest } from '../node.ts';
import { held } from './verifier.ts';

export { identityOf } from './info.ts';
export { mcpVerifier } from './verifier.ts';
export type { McpOptions, McpToolRule } from './options.ts';
declare global {
  namespace Express {
    interface Request {
      /** The verified token, set by keycard's guards and this gate (undefined on unguarded routes; see keycard/express). */ keycard: Identity;
    }
  }
}

/** Express middleware for the MCP endpoint, plus the session binding. */
export interface McpGate extends RequestHandler {
  /** Use instead of `server.connect(transport)`: binds the session to the token that opens it (`req.keycard`). */
  connect(
    server: { connect(transport: Transport): Promise<void> },
    transport: Transport,
    identity: Identity | undefined,
  ): Promise<void>;
  /** Closes every bound session and its streams, and stops listening to keycard's events (for shutdown). */
  close(): Promise<void>;
}

const sessionError = (id: string) =>
  new KeycardError('forbidden_resource', 'This MCP session was opened by another token', {
    resource: { type: 'session', id },
  });

/** writeHead + end: Express's `send` would append "; charset=utf-8" to the problem type. */
const send = (res: Response, p: { status: number; headers: Readonly<Record<string, string>>; body: string | null }) =>
  void res.writeHead(p.status, p.headers).end(p.body ?? undefined);

/**
 * Middleware for the MCP endpoint (after `express.json()`): sets `req.auth` (the SDK's AuthInfo) and
 * `req.keycard`, or answers keycard's problem. `gate.connect(server, transport, req.keycard)`
 * replaces `server.connect(transport)` and binds the session to the token.
 * @example Mounting the gate and the SDK's own bearer middleware
 * ```ts
 * const gate = mcpGate(keycard, { tools: { create_ticket: { scope: 'tickets:write' } } });
 * app.use('/mcp', express.json(), gate, requireBearerAuth({ verifier: mcpVerifier(keycard) }));
 * ```
 */
export function mcpGate(keycard: Keycard, options: McpOptions = {}): McpGate {
  const resolve = () => resolveMcpOptions(options, 'mcpGate');
  checkKeycard(keycard, 'mcpGate', 'mcpGate(keycard, { … })', undefined, options, resolve);
  const o = resolve();
  const metadata = metadataHint(keycard, o); // warns when a client could find no way to authenticate
  const [sessions, foreign] = [createSessions(keycard, o), originCheck(o)];
  const gate: RequestHandler = async (req, res, next) => {
    // Before any token is read: a rebound Host/Origin, and JSON-RPC batches (one message, one check, one charge, one event).
    const refused =
      foreign({ host: req.headers.host, origin: req.headers.origin, localAddress: req.socket.localAddress }) ??
      (Array.isArray(req.body) ? 'batch' : null);
    if (refused) return send(res, mcpRefusal(refused));
    const noBody = 'mcpGate reads the JSON-RPC message: mount express.json() before it';
    if (req.method === 'POST' && req.body === undefined && req.is('application/json'))
      return next(new KeycardError('invalid_config', noBody));
    // The request as keycard reads it: the object `expressGuard` uses, so a guard before the gate costs no second lookup.
    const [{ need, scope }, input] = [sessions.requirementOf(req.body), nodeRequest(req)];
    const sid = req.get('mcp-session-id');
    const forbid =
      sid === undefined ? undefined : (i: Identity) => (sessions.allows(sid, i) ? null : { type: 'session', id: sid });
    // `direct`: a cached token is answered without a promise (the adapters' path).
    const first = keycard.authenticate.direct(input, { ...need, scope, forbid });
    let r = first instanceof Promise ? await first : first;
    // A missing tool scope is audited here and answered by the bound session as a tool error (a
    // second check of one request is free); a session not connected through gate.connect gets the 403.
    if (!r.ok && !r.skip && r.code === 'insufficient_scope' && sessions.bound(sid))
      r = await keycard.authenticate(input, { ...need, forbid }); // a later check: no lookup, no charge
    if (!r.ok) {
      // Another issuer's token (`onForeignToken: 'next'`) is handed on, never into a session a keycard token opened (audited).
      if (r.skip && !sessions.bound(sid)) return next();
      const p = r.skip ? keycard.authenticate.problemFor(sessionError(sid!), input)! : r;
      // SPEC §16: only a 401 that carried no credentials points at the metadata.
      const challenge = p.headers['WWW-Authenticate'];
      return send(
        res,
        metadata && challenge && !challenge.includes('resource_metadata=') && p.code === 'missing_token'
          ? { ...p, headers: { ...p.headers, 'WWW-Authenticate': challenge + metadata } }
          : p,
      );
    }
    for (const [name, value] of Object.entries(r.headers)) res.setHeader(name, value);
    sessions.touch(sid, r.identity);
    // A restriction denial a tool raises (identityOf(extra).assert) is audited as a denial of this request, as over REST.
    const info = (req.auth = authInfoOf((req.keycard = r.identity), o.recheckSeconds, keycard.clock.now(), (e) =>
      keycard.authenticate.problemFor(e, input),
    ));
    held.run({ keycard, header: req.headers.authorization, info }, next);
  };
  return Object.assign(gate, { connect: sessions.connect, close: sessions.close });
}
