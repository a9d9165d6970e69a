/**
 * Audit (SPEC §7): the event union, the sink port, the two shipped sinks (memory, JSON lines)
 * and the trail that delivers events to sinks without ever failing or delaying a request.
 *
 * Three properties hold for every event, whatever a caller or a sink does:
 *
 * - **No secret reaches a sink.** Every string field goes through {@link redact}, the path loses
 *   its query string, fragment and any origin (with its userinfo), and events are frozen so one
 *   sink cannot change what the next one sees.
 * - **A request never waits for a sink.** {@link AuditTrail.request} is synchronous, O(1) and
 *   never throws; events go through a bounded FIFO queue drained on a microtask. Each sink write
 *   that returns a promise is awaited at most `timeoutMs`; a sink that hangs past that is skipped
 *   until its write settles, so it cannot slow the others.
 * - **A flood cannot flood the sink.** Denials an attacker can produce at will (missing, malformed
 *   or forged tokens, rate-limit refusals) are coalesced per reason and token per wall-clock
 *   second into one event with a `count`.
 *
 * The guide with sample events is docs/audit.md. This file holds the events and the sinks; the
 * rest is in `audit-fields.ts`, `audit-coalesce.ts`, `audit-delivery.ts` and `audit-trail.ts`.
 */
import { checkFirst } from './arguments-check.ts';
import type { RequestErrorCode } from './errors.ts';
import { isThenable, jsonLine, noop } from './audit-fields.ts';

export { auditPath, MAX_AUDIT_PATH, requestIdFrom } from './audit-fields.ts';
export { AuditTrail, DEFAULT_AUDIT_QUEUE_SIZE, DEFAULT_AUDIT_TIMEOUT_MS, type AuditOptions } from './audit-trail.ts';

// ---------------------------------------------------------------------------------------------
// Events

/** The front door a request came through: an HTTP adapter or the MCP adapter. */
export type Surface = 'http' | 'mcp';

/**
 * Who performed a management action. `id` is the user id, the public id of the token that
 * called a management endpoint, or `null` for `system` (a job, a migration, the CLI).
 */
export interface AuditActor {
  readonly kind: 'user' | 'token' | 'system';
  readonly id: string | null;
}

/** The fields every event carries; `null` where the value is not known (an unparseable token). */
interface EventBase {
  /** ISO 8601 in UTC, from the injected clock's `now()`. */
  readonly time: string;
  /** The public token id, never the secret or its hash. */
  readonly tokenId: string | null;
  readonly label: string | null;
  readonly ownerId: string | null;
  readonly workspaceId: string | null;
}

/**
 * A management event: one per issue, revoke, rotate, update or revoke-all call, one per step of a
 * device login (SPEC §13: requested, approved, denied; the token it yields is `token.issued`), and
 * one per management call refused once its caller is known (`management.denied`: 400, 403, 404, 409).
 */
export interface TokenAuditEvent extends EventBase {
  readonly type:
    | 'token.issued'
    | 'token.revoked'
    | 'token.rotated'
    | 'token.updated'
    | 'device.requested'
    | 'device.approved'
    | 'device.denied'
    | 'management.denied';
  readonly actor: AuditActor;
  /** Revoke: the reason the caller gave. */
  readonly reason?: string;
  /** Rotate: the id of the token this one replaces (`tokenId` is the new one). */
  readonly rotatedFromId?: string;
  /** Update: the names of the fields that changed, never their values. */
  readonly changes?: readonly string[];
  /** Revoke-all: how many tokens were revoked by the one call. */
  readonly count?: number;
  /** Device login: the pending grant's public id (never the device or user code). */
  readonly grantId?: string;
  /** Device login: the scopes requested (`device.requested`) or approved (`device.approved`). */
  readonly scopes?: readonly string[];
  /** The request the call served (management API calls), when the caller gave one. */
  readonly requestId?: string;
  /** `management.denied`: the route refused, as `METHOD /pattern` (`POST /tokens/:id/revoke`), never the raw path. */
  readonly route?: string;
  /** `management.denied`: the problem code the caller received (`scope_escalation`, `not_found`, …). */
  readonly code?: string;
  /** `management.denied`: the HTTP status the caller received. */
  readonly status?: number;
  /**
   * Revoke by the leak intake (SPEC §15): what the secret-scanning provider reported. The token
   * itself is never here; `url` is where it was found (public), redacted like every string field.
   */
  readonly leak?: { readonly provider: string; readonly type: string; readonly url: string; readonly source: string };
}

/** A request event: one per authenticated request, allowed or denied. */
export interface RequestAuditEvent extends EventBase {
  readonly type: 'request.allowed' | 'request.denied';
  readonly surface: Surface;
  readonly method: string;
  /**
   * The path without query string or fragment: a caller may pass `request.url` whole, and a
   * query may hold a token (`?access_token=`), so everything from the first `?` or `#` is cut,
   * and so is a leading `scheme://authority` (which may hold userinfo).
   */
  readonly path: string;
  /** See {@link requestIdFrom}. For a coalesced denial, the id of the first request of the second. */
  readonly requestId: string;
  /** Denials: the error code the client received. */
  readonly reason?: RequestErrorCode;
  /** `insufficient_scope`: the scopes that were missing. */
  readonly missing?: readonly string[];
  /** Coalesced denials: how many denials with this reason and token id fell in this second. */
  readonly count?: number;
  /** Allowed while the limiter store was failing and keycard was configured to fail open. */
  readonly degraded?: boolean;
  /** MCP: the JSON-RPC method, e.g. `tools/call`. */
  readonly rpcMethod?: string;
  /** MCP: the tool name of a `tools/call`. */
  readonly tool?: string;
  /** `oauth` when the caller presented an OAuth access token (dual mode); absent for keycard tokens. */
  readonly tokenKind?: 'oauth';
}

/** Everything a sink can receive. Switch on `type`. */
export type AuditEvent = TokenAuditEvent | RequestAuditEvent;

/** What {@link AuditTrail.request} accepts: a request event whose `time` defaults to the clock. */
export type RequestAuditInput = Omit<RequestAuditEvent, 'time'> & { time?: string };

/** What {@link AuditTrail.token} accepts: a management event whose `time` defaults to the clock. */
export type TokenAuditInput = Omit<TokenAuditEvent, 'time'> & { time?: string };

// ---------------------------------------------------------------------------------------------
// Sinks

/**
 * The sink port: where events go. `write` may return a promise; keycard waits for it at most
 * `timeoutMs` and reports a rejection or a timeout through `onError`, so a sink never has to
 * catch its own errors. Events are frozen: a sink may keep them, not change them.
 */
export interface AuditSink {
  write(event: AuditEvent): void | Promise<void>;
  /** Called once by {@link AuditTrail.close}, after the queue is drained; bounded by `timeoutMs` too. */
  close?(): void | Promise<void>;
}

/**
 * A sink that keeps every event in an array, for tests and development. It is unbounded: do not
 * use it as the only sink of a long-running server.
 *
 * @example Asserting on what a request produced
 * ```ts
 * const sink = memoryAuditSink();
 * const keycard = createKeycard({ audit: [sink], … });
 * await fetch(…);
 * expect(sink.events.map((e) => e.type)).toEqual(['request.allowed']);
 * sink.clear();
 * ```
 */
export function memoryAuditSink(): AuditSink & { readonly events: AuditEvent[]; clear(): void } {
  const events: AuditEvent[] = [];
  return {
    events,
    write(event) {
      events.push(event);
    },
    clear() {
      events.length = 0;
    },
  };
}

/**
 * A sink that writes each event as one JSON object followed by `"\n"` (JSON Lines) through the
 * `write` function the integrator gives: stdout, a file stream, a queue producer. The core opens
 * no file and imports no `node:` module; the integrator owns the stream and its lifetime.
 *
 * `write` may return anything: a thenable is awaited (within the trail's `timeoutMs`), any other
 * value — such as the backpressure boolean of `process.stdout.write` — is ignored. One event is
 * always one line: `JSON.stringify` escapes the line breaks inside strings.
 *
 * @throws KeycardError `invalid_config` when `write` is not a function (a stream: pass `(line) => stream.write(line)`)
 * @example To stdout, and to a file the integrator opened
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * const file = createWriteStream('audit.jsonl', { flags: 'a' });
 * const sinks = [
 *   jsonLinesSink((line) => process.stdout.write(line)),
 *   jsonLinesSink((line) => { file.write(line); }),
 * ];
 * ```
 */
export function jsonLinesSink(write: (line: string) => unknown): AuditSink {
  checkFirst(typeof write === 'function', write, 'jsonLinesSink', 'a function (line) => …');
  return {
    write(event) {
      const result = write(jsonLine(event));
      return isThenable(result) ? Promise.resolve(result).then(noop) : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
