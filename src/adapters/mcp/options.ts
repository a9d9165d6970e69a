// The options of keycard/mcp, validated once with zod (unknown keys refused, every bad field named). Guide: docs/mcp.md.
import * as z from 'zod/mini';
import type { LimitClass, Requirement } from '../../index.ts';
import { configError, parseUrl, zodEnglish } from '../../adapter-kit.ts';

/** What a tool needs, keyed by tool name in `mcpGate(keycard, { tools })`. */
export interface McpToolRule {
  /** Scopes a call needs. Without them the call is a tool error naming them, and `tools/list` omits the tool. */
  readonly scope?: Requirement;
  /** The budget a call is charged to. @default 'read' if the server lists the tool with `readOnlyHint: true`, else 'write' */
  readonly class?: LimitClass;
}

/** Options of `mcpGate` (`mcpVerifier` reads only `recheckSeconds`). */
export interface McpOptions {
  /** Per-tool scope and class, e.g. `{ create_ticket: { scope: 'tickets:write' } }`. Tools not listed need no scope. */
  readonly tools?: Readonly<Record<string, McpToolRule>>;
  /** RFC 9728 metadata URL, added as `resource_metadata="…"` to the challenge of a 401 that carried no credentials (SPEC §16). @default none */
  readonly resourceMetadataUrl?: string | URL;
  /** `AuthInfo.expiresAt` is at most this far ahead, so holders of an AuthInfo re-check the token. @default 60 */
  readonly recheckSeconds?: number;
  /**
   * `Host` names the endpoint answers to (DNS rebinding): `api.example.com` allows any port,
   * `api.example.com:8443` only that one; `'any'` turns the check off. Others get 403 before any
   * token is read. @default on a connection to a loopback address (127.0.0.0/8, ::1): `localhost`,
   * `127.0.0.1`, `[::1]` on any port; on other addresses: any
   */
  readonly allowedHosts?: readonly string[] | 'any';
  /**
   * Browser origins allowed to call the endpoint, e.g. `https://app.example.com` (scheme, host and
   * port); `'any'` turns the check off. Requests without `Origin` (every non-browser client) pass.
   * @default on a connection to a loopback address: origins whose host is `localhost`,
   * `127.0.0.1` or `[::1]`; on other addresses: any
   */
  readonly allowedOrigins?: readonly string[] | 'any';
  /** Open sessions per token; opening one more closes that token's least recently used session. @default 16 */
  readonly maxSessionsPerToken?: number;
  /** A session with no request for this long is closed (its transport, and so its streams). @default 1800 (30 min) */
  readonly sessionIdleSeconds?: number;
  /**
   * Receives the start-up warning given when a request without a token would be refused with no
   * hint of where to get one: neither createKeycard's `settingsUrl` or `resourceMetadataUrl` nor
   * this gate's `resourceMetadataUrl` is set (SPEC §16). @default console.warn
   */
  readonly onWarning?: (message: string) => void;
}

/**
 * `'any'`, or at most 1,000 names of 1 to 2,048 characters. A check of its own: zod's length checks
 * compare any value's `length` with `>=`, a TypeError for one JavaScript cannot turn into a number.
 */
const list = z.custom<readonly string[] | 'any'>(
  (v) =>
    v === 'any' ||
    (Array.isArray(v) &&
      v.length <= 1_000 &&
      v.every((s) => typeof s === 'string' && s.length >= 1 && s.length <= 2_048)),
  "must be 'any' or an array of at most 1000 strings of 1 to 2048 characters",
);
const schema = z.strictObject({
  tools: z.optional(
    z.record(z.string(), z.strictObject({ scope: z.optional(z.any()), class: z.optional(z.enum(['read', 'write'])) })),
  ),
  resourceMetadataUrl: z.optional(
    z
      .union([z.string(), z.instanceof(URL)])
      .check(z.refine((u) => parseUrl(String(u)) !== null, 'must be an absolute URL')),
  ),
  recheckSeconds: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(86_400))),
  allowedHosts: z.optional(list),
  allowedOrigins: z.optional(list),
  maxSessionsPerToken: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(10_000))),
  sessionIdleSeconds: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(7 * 86_400))),
  onWarning: z.optional(z.custom<(message: string) => void>((v) => typeof v === 'function', 'must be a function')),
});

/** The options with their defaults; `allowedHosts`/`allowedOrigins` stay undefined for "the loopback default". */
export type ResolvedMcpOptions = Required<
  Pick<McpOptions, 'tools' | 'recheckSeconds' | 'maxSessionsPerToken' | 'sessionIdleSeconds'>
> &
  McpOptions;

/**
 * Validates `options` once, at start; `where` is the function called, `only` the keys it reads.
 * @throws KeycardError `invalid_config` naming every bad field (`configError`).
 */
export function resolveMcpOptions(
  options: unknown,
  where: 'mcpGate' | 'mcpVerifier',
  only?: readonly (keyof McpOptions)[],
): ResolvedMcpOptions {
  const parsed = (only ? z.pick(schema, Object.fromEntries(only.map((k) => [k, true])) as never) : schema).safeParse(
    options ?? {},
    zodEnglish,
  );
  if (!parsed.success) throw configError(where, parsed.error);
  const o = parsed.data as McpOptions;
  return {
    ...o,
    tools: o.tools ?? {},
    recheckSeconds: o.recheckSeconds ?? 60,
    maxSessionsPerToken: o.maxSessionsPerToken ?? 16,
    sessionIdleSeconds: o.sessionIdleSeconds ?? 1800,
  };
}
