// The SDK side of keycard/mcp: sessions bound to their token. keycard hooks the session's transport, which sees every
// message with its AuthInfo, to filter tools/list, refuse calls lacking a scope, keep the secret from tools, end the
// sessions of revoked and expired tokens, cap each token's sessions and close idle ones. Guide: docs/mcp.md.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Identity, Keycard, LimitClass } from '../../index.ts';
import { coveredByRevokeAll } from '../../store-kit.ts';
import { connectBound, refreshed, type Bound, type Msg } from './hooks.ts';
import type { ResolvedMcpOptions } from './options.ts';

const MAX_DELAY = 2 ** 31 - 1; // setTimeout's ceiling: longer waits re-arm
export function createSessions(
  keycard: Keycard,
  { tools, maxSessionsPerToken, sessionIdleSeconds }: ResolvedMcpOptions,
) {
  const [all, bySession, learned] = [new Set<Bound>(), new Map<string, Bound>(), new Map<string, LimitClass>()];
  const rule = (name: string) => (Object.hasOwn(tools, name) ? tools[name] : undefined);
  // Typos fail at start; so does a scope nested in itself (assertRequirement's shape check: invalid_config).
  for (const r of Object.values(tools)) if (r.scope !== undefined) keycard.scopes.assertRequirement(r.scope);
  const missing = (name: string, who: Identity | null) =>
    keycard.scopes.missing(rule(name)?.scope ?? { allOf: [] }, who?.scopes ?? new Set());
  const toolOf = (m: Msg) =>
    m.method === 'tools/call' && typeof m.params?.name === 'string' ? m.params.name : undefined;
  const end = (match: (i: Identity) => boolean) => all.forEach((b) => match(b.identity) && void b.transport.close());
  const arm = (b: Bound, at: number | null, left = at === null ? 0 : Math.max(0, at - keycard.clock.now())): void => {
    clearTimeout(b.timer);
    b.until = at;
    if (at !== null)
      b.timer = setTimeout(
        () => (left > MAX_DELAY ? arm(b, at) : void b.transport.close()),
        Math.min(left, MAX_DELAY),
      ).unref();
  };
  const rearm = (id: string, at: number | null) => all.forEach((b) => b.identity.tokenId === id && arm(b, at));
  // Idleness on the monotonic clock; the timer only wakes the check, so a fake clock that stands still keeps sessions.
  const idleMs = sessionIdleSeconds * 1000;
  const watch = (b: Bound, wait = idleMs): void => {
    clearTimeout(b.idle);
    b.idle = setTimeout(
      () => {
        const left = idleMs - (keycard.clock.monotonic() - b.last);
        return left > 0 ? watch(b, left) : void b.transport.close();
      },
      Math.min(wait, MAX_DELAY),
    ).unref();
  };
  /** A session got its id: bind it, watch its idleness, and close the token's least recently used sessions over the cap. */
  const opened = (b: Bound, sid: string) => {
    bySession.set((b.sid = sid), b);
    watch(b);
    const mine = [...bySession.values()]
      .filter((o) => o.identity.tokenId === b.identity.tokenId)
      .sort((x, y) => x.last - y.last);
    for (const o of mine.slice(0, Math.max(0, mine.length - maxSessionsPerToken))) void o.transport.close();
  };
  const off = [
    keycard.on('token.revoked', ({ tokenId }) => end((i) => i.tokenId === tokenId)),
    keycard.on('token.expired', ({ record }) => end((i) => i.tokenId === record.id)),
    keycard.on('token.revokedAll', ({ filter: f }) => end((i) => coveredByRevokeAll(f, i))),
    keycard.on(
      'owner.gone',
      ({ principalId, status }) =>
        // An OAuth identity is bound by its owner, as a personal token is (the owner bound of its subject).
        status !== 'invalidated' && end((i) => (i.kind === 'workspace' ? i.workspaceId : i.ownerId) === principalId),
    ),
    keycard.on('token.updated', ({ record }) => rearm(record.id, record.expiresAt)),
    keycard.on('token.rotated', ({ previous }) => rearm(previous.id, previous.expiresAt)), // the grace ends
  ];
  return {
    /** What a message (or none, for GET/DELETE) asks: a `tools/call` is charged by its tool's class, the rest as reads. Batches never get here. */
    requirementOf(body: unknown) {
      const m = typeof (body as Msg | null)?.method === 'string' ? (body as Msg) : undefined;
      const tool = m && toolOf(m);
      const write = tool !== undefined && (rule(tool)?.class ?? learned.get(tool) ?? 'write') === 'write';
      return {
        need: {
          surface: 'mcp',
          // Whole: the core masks a name, then cuts it (cut first, a token could escape the mask).
          rpcMethod: m?.method,
          tool,
          class: write ? 'write' : 'read',
        } as const,
        scope: tool === undefined ? undefined : rule(tool)?.scope,
      };
    },
    /** False when `sid` is a session another token opened. */
    allows: (sid: string, identity: Identity) =>
      (bySession.get(sid)?.identity.tokenId ?? identity.tokenId) === identity.tokenId,
    bound: (sid: string | undefined) => sid !== undefined && bySession.has(sid),
    /** A request of the session passed the gate: not idle; a refreshed OAuth JWT (same tokenId) moves the expiry (docs/mcp.md). */
    touch(sid: string | undefined, who: Identity): void {
      const b = sid === undefined ? undefined : bySession.get(sid);
      if (b) b.last = keycard.clock.monotonic();
      if (b && refreshed(b, who)) arm(b, who.expiresAt);
    },
    /** Connects `server` to `transport`, then hooks the transport's callbacks and `send` (./hooks.ts). */
    connect: (
      server: { connect(transport: Transport): Promise<void> },
      transport: Transport,
      identity: Identity | undefined,
    ): Promise<void> =>
      connectBound({ keycard, all, bySession, learned, missing, toolOf, opened, arm }, server, transport, identity),
    /** Closes every bound session (and its streams) and stops listening to keycard's events. */
    async close(): Promise<void> {
      for (const f of off) f();
      await Promise.all([...all].map((b) => b.transport.close()));
    },
  };
}
