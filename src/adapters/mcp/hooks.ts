// keycard/mcp: the hooks on a bound session's transport. Every message passes here with its
// AuthInfo: tools/list answers are filtered to the tools the token may call, a call lacking a scope
// is answered as a tool error, and the secret never reaches a tool (`scrub`).
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { KeycardError, type Identity, type Keycard, type LimitClass } from '../../index.ts';
import { describeMissing } from '../../adapter-kit.ts';
import { identityOf, scrub } from './info.ts';

/** A JSON-RPC message as the hooks read it. */
export type Msg = {
  id?: RequestId;
  method?: string;
  params?: { name?: unknown };
  result?: { tools?: { name: string; annotations?: { readOnlyHint?: boolean } }[] };
};
/** A session bound to the token that opened it. */
export type Bound = {
  readonly identity: Identity;
  readonly transport: Transport;
  sid?: string;
  timer?: ReturnType<typeof setTimeout>;
  /** When the expiry timer closes the session (epoch ms), null for never. */
  until?: number | null;
  idle?: ReturnType<typeof setTimeout>;
  last: number;
};
/** The session registry's parts the hooks use (see ./sessions.ts). */
export interface SessionParts {
  readonly keycard: Keycard;
  readonly all: Set<Bound>;
  readonly bySession: Map<string, Bound>;
  readonly learned: Map<string, LimitClass>;
  readonly missing: (name: string, who: Identity | null) => readonly string[];
  readonly toolOf: (m: Msg) => string | undefined;
  readonly opened: (b: Bound, sid: string) => void;
  readonly arm: (b: Bound, at: number | null) => void;
}

/**
 * A request of session `b` shows an expiry its timer does not know, so the timer must move:
 * a refreshed OAuth JWT (the same subject and client, the session's tokenId, with a later `exp`:
 * MCP authorization sends a token on every request of a session, so the session lasts until the
 * latest expiry it presented, not the first JWT's), or a keycard token whose expiry another
 * process moved nearer (`rotate`'s grace, `update()`), which fired no `token.rotated`/`token.updated`
 * here. A keycard token's end only moves nearer: an identity read before an `update()` (a request in
 * flight, a cache) carries the old expiry, and must not undo the shortening `token.updated` armed;
 * a later expiry set in another process ends the session at the one it knew (the client reconnects).
 */
export const refreshed = (b: Bound, who: Identity): boolean =>
  who.tokenId === b.identity.tokenId &&
  (who.kind === 'oauth'
    ? (who.expiresAt ?? 0) > (b.until ?? Infinity)
    : who.expiresAt !== null && who.expiresAt < (b.until ?? Infinity));

/** Connects `server` to `transport`, then hooks the transport's callbacks and `send`, as the SDK's own Protocol hooks its callbacks. */
export async function connectBound(
  { keycard, all, bySession, learned, missing, toolOf, opened, arm }: SessionParts,
  server: { connect(transport: Transport): Promise<void> },
  transport: Transport,
  identity: Identity | undefined,
): Promise<void> {
  if (!identity)
    throw new KeycardError(
      'invalid_argument',
      'connect() needs the identity that opens the session (req.keycard, set by mcpGate)',
    );
  const b: Bound = { identity, transport, last: keycard.clock.monotonic() };
  const lists = new Map<RequestId, Identity | null>(); // tools/list in flight → who asked
  await server.connect(transport);
  const [deliver, closed, send] = [transport.onmessage, transport.onclose, transport.send.bind(transport)];
  transport.onclose = () => {
    clearTimeout(b.timer);
    clearTimeout(b.idle);
    if (all.delete(b) && b.sid !== undefined) bySession.delete(b.sid);
    closed?.();
  };
  transport.onmessage = (message, extra) => {
    if (b.sid === undefined && transport.sessionId !== undefined) opened(b, transport.sessionId);
    const [m, who] = [message as Msg, identityOf(extra)];
    if (m.id !== undefined && m.method === 'tools/list') lists.set(m.id, who);
    const lacking = m.id !== undefined && toolOf(m) !== undefined ? missing(toolOf(m)!, who) : [];
    if (!lacking.length) return deliver?.(message, scrub(extra));
    const result = { content: [{ type: 'text', text: describeMissing(lacking) }], isError: true };
    send({ jsonrpc: '2.0', id: m.id!, result }, { relatedRequestId: m.id! }).catch((e: Error) =>
      transport.onerror?.(e),
    );
  };
  transport.send = (message, options) => {
    const m = message as Msg;
    const who = m.id !== undefined && ('result' in m || 'error' in m) ? lists.get(m.id) : undefined;
    if (who !== undefined && lists.delete(m.id!) && m.result?.tools) {
      for (const t of m.result.tools)
        if (learned.size < 10_000) learned.set(t.name, t.annotations?.readOnlyHint === true ? 'read' : 'write');
      message = {
        ...message,
        result: { ...m.result, tools: m.result.tools.filter((t) => missing(t.name, who).length === 0) },
      } as JSONRPCMessage;
    }
    return send(message, options);
  };
  all.add(b);
  arm(b, identity.expiresAt);
}
