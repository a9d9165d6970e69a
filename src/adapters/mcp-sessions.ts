// The SDK side of keycard/mcp: the AuthInfo tools see, and sessions bound to their token. keycard hooks the session's
// transport, which sees every message with its AuthInfo, to filter tools/list, refuse calls lacking a scope, keep the
// secret from tools, and end the sessions of revoked and expired tokens. Guide: docs/mcp.md.
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { coveredByRevokeAll, describeMissing, KeycardError, type Identity, type Keycard, type LimitClass, type Requirement } from '../index.ts';

/** What a tool needs, keyed by tool name in `mcpGate(keycard, { tools })`. */
export interface McpToolRule {
  /** Scopes a call needs. Without them the call is a tool error naming them, and `tools/list` omits the tool. */
  readonly scope?: Requirement;
  /** The budget a call is charged to. @default 'read' if the server lists the tool with `readOnlyHint: true`, else 'write' */
  readonly class?: LimitClass;
}
type Msg = { id?: RequestId; method?: string; params?: { name?: unknown }; result?: { tools?: { name: string; annotations?: { readOnlyHint?: boolean } }[] } };
type Bound = { readonly identity: Identity; readonly transport: Transport; sid?: string; timer?: ReturnType<typeof setTimeout> };
const infos = new WeakMap<AuthInfo, Identity>();
const MAX_DELAY = 2 ** 31 - 1; // setTimeout's ceiling: longer waits re-arm
const MAX_NAME = 2 ** 7; // audit keeps 128 characters of a client-sent name (the MCP spec's longest tool name)
/** The SDK's view of a token (docs/mcp.md): scopes are the closure; `token` and `clientId` the id, never the secret. */
export function authInfoOf(identity: Identity, recheckSeconds: number, now: number): AuthInfo {
  const until = Math.min(identity.expiresAt ?? Number.POSITIVE_INFINITY, now + recheckSeconds * 1000);
  const { tokenId, label, ownerId, kind, workspaceId, restrictions } = identity;
  const info: AuthInfo = { token: tokenId, clientId: tokenId, scopes: [...identity.scopes], expiresAt: Math.ceil(until / 1000), extra: { label, ownerId, kind, workspaceId, restrictions } };
  infos.set(info, identity);
  return info;
}
/** The identity behind a tool handler's `extra`, or null when keycard did not authenticate it.
 * @example Restricting a tool to the token's projects: `identityOf(extra)!.assert({ company, project }, 'write')` (a throw becomes a tool error) */
export const identityOf = (extra?: { readonly authInfo?: AuthInfo }): Identity | null => (extra?.authInfo && infos.get(extra.authInfo)) ?? null;
/** Tool handlers never see the secret: their request info loses `Authorization` and `access_token`. */
function scrub(extra: MessageExtraInfo | undefined): MessageExtraInfo | undefined {
  if (!extra?.requestInfo) return extra;
  const { headers: { authorization: _secret, ...headers }, url } = extra.requestInfo;
  const clean = url && new URL(url);
  clean?.searchParams.delete('access_token');
  return { ...extra, requestInfo: { headers, ...(clean && { url: clean }) } };
}
export function createSessions(keycard: Keycard, tools: Readonly<Record<string, McpToolRule>>) {
  const [all, bySession, learned] = [new Set<Bound>(), new Map<string, Bound>(), new Map<string, LimitClass>()];
  const rule = (name: string) => (Object.hasOwn(tools, name) ? tools[name] : undefined);
  for (const r of Object.values(tools)) if (r.scope !== undefined) keycard.scopes.assertRequirement(r.scope); // typos fail at start
  const missing = (name: string, who: Identity | null) => keycard.scopes.missing(rule(name)?.scope ?? { allOf: [] }, who?.scopes ?? new Set());
  const toolOf = (m: Msg) => (m.method === 'tools/call' && typeof m.params?.name === 'string' ? m.params.name : undefined);
  const end = (match: (i: Identity) => boolean) => all.forEach((b) => match(b.identity) && void b.transport.close());
  const arm = (b: Bound, at: number | null, left = at === null ? 0 : Math.max(0, at - keycard.clock.now())): void => {
    clearTimeout(b.timer);
    if (at !== null) b.timer = setTimeout(() => (left > MAX_DELAY ? arm(b, at) : void b.transport.close()), Math.min(left, MAX_DELAY)).unref();
  };
  const rearm = (id: string, at: number | null) => all.forEach((b) => b.identity.tokenId === id && arm(b, at));
  const off = [
    keycard.on('token.revoked', ({ tokenId }) => end((i) => i.tokenId === tokenId)),
    keycard.on('token.expired', ({ record }) => end((i) => i.tokenId === record.id)),
    keycard.on('token.revokedAll', ({ filter: f }) => end((i) => coveredByRevokeAll(f, i))),
    keycard.on('owner.gone', ({ principalId, status }) => status !== 'invalidated' && end((i) => (i.kind === 'personal' ? i.ownerId : i.workspaceId) === principalId)),
    keycard.on('token.updated', ({ record }) => rearm(record.id, record.expiresAt)),
    keycard.on('token.rotated', ({ previous }) => rearm(previous.id, previous.expiresAt)), // the grace ends
  ];
  return {
    /** What a body (a message, a batch, or none for GET/DELETE) asks: a `tools/call` is charged by its tool's class, the rest as reads. */
    requirementOf(body: unknown) {
      const calls = (Array.isArray(body) ? body : [body]).filter((m): m is Msg => typeof (m as Msg | null)?.method === 'string');
      const tool = calls.length === 1 ? toolOf(calls[0]!) : undefined;
      const write = calls.some((m) => toolOf(m) !== undefined && (rule(toolOf(m)!)?.class ?? learned.get(toolOf(m)!) ?? 'write') === 'write');
      const rpcMethod = calls.length > 1 ? 'batch' : calls[0]?.method?.slice(0, MAX_NAME);
      return { need: { surface: 'mcp', rpcMethod, tool: tool?.slice(0, MAX_NAME), class: write ? 'write' : 'read' } as const, scope: tool === undefined ? undefined : rule(tool)?.scope };
    },
    /** False when `sid` is a session another token opened. */
    allows: (sid: string, identity: Identity) => (bySession.get(sid)?.identity.tokenId ?? identity.tokenId) === identity.tokenId,
    bound: (sid: string | undefined) => sid !== undefined && bySession.has(sid),
    /** Connects `server` to `transport`, then hooks the transport's callbacks and `send`, as the SDK's own Protocol hooks its callbacks. */
    async connect(server: { connect(transport: Transport): Promise<void> }, transport: Transport, identity: Identity | undefined): Promise<void> {
      if (!identity) throw new KeycardError('invalid_argument', 'connect() needs the identity that opens the session (req.keycard, set by mcpGate)');
      const [b, lists] = [{ identity, transport } as Bound, new Map<RequestId, Identity | null>()]; // lists: tools/list in flight → who asked
      await server.connect(transport);
      const [deliver, closed, send] = [transport.onmessage, transport.onclose, transport.send.bind(transport)];
      transport.onclose = () => {
        clearTimeout(b.timer);
        if (all.delete(b) && b.sid !== undefined) bySession.delete(b.sid);
        closed?.();
      };
      transport.onmessage = (message, extra) => {
        if (b.sid === undefined && transport.sessionId !== undefined) bySession.set((b.sid = transport.sessionId), b);
        const [m, who] = [message as Msg, identityOf(extra)];
        if (m.id !== undefined && m.method === 'tools/list') lists.set(m.id, who);
        const lacking = m.id !== undefined && toolOf(m) !== undefined ? missing(toolOf(m)!, who) : [];
        if (!lacking.length) return deliver?.(message, scrub(extra));
        const result = { content: [{ type: 'text', text: describeMissing(lacking) }], isError: true };
        send({ jsonrpc: '2.0', id: m.id!, result }, { relatedRequestId: m.id! }).catch((e: Error) => transport.onerror?.(e));
      };
      transport.send = (message, options) => {
        const m = message as Msg;
        const who = m.id !== undefined && ('result' in m || 'error' in m) ? lists.get(m.id) : undefined;
        if (who !== undefined && lists.delete(m.id!) && m.result?.tools) {
          for (const t of m.result.tools) if (learned.size < 10_000) learned.set(t.name, t.annotations?.readOnlyHint === true ? 'read' : 'write');
          message = { ...message, result: { ...m.result, tools: m.result.tools.filter((t) => missing(t.name, who).length === 0) } } as JSONRPCMessage;
        }
        return send(message, options);
      };
      all.add(b);
      arm(b, identity.expiresAt);
    },
    /** Closes every bound session (and its streams) and stops listening to keycard's events. */
    async close(): Promise<void> {
      for (const f of off) f();
      await Promise.all([...all].map((b) => b.transport.close()));
    },
  };
}
