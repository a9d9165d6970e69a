/**
 * The MCP gate's answers to requests it refuses before reading any token. They are not denials of
 * a token (no problem+json, nothing audited): the status and the JSON-RPC error body live here, in
 * the core, like every other status keycard answers with, so the adapter picks none.
 */
import { KeycardError } from './errors.ts';
import { freeze, stringify } from './builtins.ts';

/** Why an MCP request is refused before any token is read (see {@link mcpRefusal}). */
export type McpRefusalReason = 'batch' | 'host' | 'origin';

// JSON-RPC error bodies, as the MCP SDK writes its own transport errors (`id: null`: no message was read).
const MCP_REFUSALS: Readonly<
  Record<McpRefusalReason, { readonly status: number; readonly rpcCode: number; readonly message: string }>
> = {
  batch: { status: 400, rpcCode: -32600, message: 'JSON-RPC batches are not accepted: send one message per request' },
  host: { status: 403, rpcCode: -32000, message: 'Host not allowed' },
  origin: { status: 403, rpcCode: -32000, message: 'Origin not allowed' },
};
const mcpAnswers = new Map<
  McpRefusalReason,
  { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: string }
>();

/**
 * The answer of the MCP gate to a request it refuses before reading any token: a JSON-RPC batch
 * (400, `-32600`; SPEC §16, the batch rule in docs/mcp.md), or a `Host` / `Origin` outside the
 * allow-list (403, `-32000`; DNS rebinding). Frozen and shared; the request's own values are
 * never echoed.
 *
 * @example
 * ```ts
 * mcpRefusal('batch').status // 400
 * ```
 */
export function mcpRefusal(reason: McpRefusalReason): {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
} {
  let answer = mcpAnswers.get(reason);
  if (answer === undefined) {
    const row = Object.hasOwn(MCP_REFUSALS, reason) ? MCP_REFUSALS[reason] : undefined;
    if (row === undefined) throw new KeycardError('invalid_argument', `Unknown MCP refusal: ${String(reason)}`);
    const body = stringify({ jsonrpc: '2.0', error: { code: row.rpcCode, message: row.message }, id: null });
    answer = freeze({
      status: row.status,
      headers: freeze({
        'Content-Type': 'application/json',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      }),
      body,
    });
    mcpAnswers.set(reason, answer);
  }
  return answer;
}
