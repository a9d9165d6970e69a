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
 * The guide with sample events is docs/audit.md.
 */
import * as z from 'zod';
import type { Clock } from './clock.ts';
import { KeycardError, type RequestErrorCode } from './errors.ts';
import { excerpt, redact } from './redact.ts';

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
 * A management event: one per issue, revoke, rotate, update or revoke-all call, and one per step
 * of a device login (SPEC §13: requested, approved, denied; the token it yields is `token.issued`).
 */
export interface TokenAuditEvent extends EventBase {
  readonly type: 'token.issued' | 'token.revoked' | 'token.rotated' | 'token.updated' | 'device.requested' | 'device.approved' | 'device.denied';
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
  return {
    write(event) {
      const result = write(`${JSON.stringify(event)}\n`);
      return isThenable(result) ? Promise.resolve(result).then(noop) : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Request ids

/** SPEC §7: safe to echo in a response header and to log, short enough to index. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id to use for a request: the client's `X-Request-Id` when it matches
 * `[A-Za-z0-9._:-]{1,128}`, else a generated one (a per-process random UUID and a counter).
 *
 * The pattern keeps header injection (`\r\n`), log forging and oversize values out of events
 * and responses. A value that is shaped like a token is replaced too, although the pattern
 * admits it: the id is echoed in the response and written to every sink, and a client that
 * pasted its secret into the wrong header must not find it in the audit log.
 *
 * @example Reading the header in a fetch-style handler
 * ```ts
 * requestIdFrom('req-42');          // 'req-42'
 * requestIdFrom('a\r\nSet-Cookie'); // a generated UUID
 * requestIdFrom(null);              // a generated UUID
 * ```
 */
export function requestIdFrom(header: string | null | undefined): string {
  if (typeof header === 'string' && REQUEST_ID.test(header) && redact(header) === header) return header;
  // Unique per process run and cheap: a random prefix drawn once, then a counter. A UUID per
  // request cost ~3 % of the pipeline in bench/, and the id needs uniqueness, not secrecy.
  return `${(idPrefix ??= crypto.randomUUID())}-${(++idCounter).toString(36)}`;
}

// Drawn on first use, never at import: workerd refuses randomness at module scope (Workers).
let idPrefix: string | undefined;
let idCounter = 0;

// ---------------------------------------------------------------------------------------------
// The trail

/** The options of an {@link AuditTrail}. Validated once, at construction. */
export interface AuditOptions {
  /** Where events go, in this order. An empty list turns the trail into a no-op. */
  sinks: readonly AuditSink[];
  /**
   * Max queued request events. When the queue is full, new request events are dropped, counted
   * in `dropped` and reported (the count, at most about once a second) through `onError`.
   * Management events do not use the queue. An integer from 1 to 1,000,000.
   * @default 10000
   */
  queueSize?: number;
  /**
   * How long a sink write (or close) may take before keycard stops waiting and reports it. A
   * request sink still busy past this is skipped until that write settles (reported when it
   * recovers). An integer number of milliseconds from 1 to 2³¹ − 1.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * Receives sink failures, timeouts and overflow counts: a `KeycardError` with code
   * `'unavailable'` whose message says what, never a token (it is redacted). Repeated failures
   * of one sink are reported at most about once a second, with the count of the others. If it
   * throws, the error is swallowed: reporting must not break delivery.
   */
  onError: (error: Error) => void;
  /** `now()` stamps events and defines the coalescing second; `monotonic()` throttles reports. */
  clock: Clock;
}

/** The default bound of the request queue (SPEC §7). */
export const DEFAULT_AUDIT_QUEUE_SIZE = 10_000;

/** The default time a sink write is awaited (SPEC §7: 1 s). */
export const DEFAULT_AUDIT_TIMEOUT_MS = 1_000;

/**
 * Denial reasons a caller can produce at line rate without being charged: no token, a forged
 * one, a revoked or expired one, one already refused by the limiter, or any request while a
 * store is down (`unavailable`: an outage denies every request before it is charged). Each gets
 * one bucket per token id per second. The others (missing scope, restricted resource) come after
 * a charge, so their volume is bounded by the rate limit, and each is kept as its own event.
 */
// Every denial that comes before the limiter (so costs the caller nothing) is coalesced: a revoked
// or expired token retried in a loop, or an outage, must not flood the sink and push legitimate
// events out.
const COALESCED: ReadonlySet<string> = new Set<RequestErrorCode>(['missing_token', 'invalid_request', 'invalid_token', 'token_expired', 'token_revoked', 'rate_limited', 'unavailable']);

/**
 * Distinct token ids per reason per second before further denials are folded into one bucket
 * with no token: forged tokens can carry a fresh id each, and the bound must not depend on them.
 */
const MAX_BUCKETS_PER_REASON = 256;

/** Reports of the same kind are spaced by at least this (monotonic ms). */
const REPORT_INTERVAL_MS = 1_000;

const isSink = (value: unknown): value is AuditSink =>
  typeof value === 'object' && value !== null && typeof (value as { write?: unknown }).write === 'function';

const isClock = (value: unknown): value is Clock =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { now?: unknown }).now === 'function' &&
  typeof (value as { monotonic?: unknown }).monotonic === 'function';

const QUEUE_MESSAGE = 'must be an integer from 1 to 1000000';
const TIMEOUT_MESSAGE = 'must be an integer number of milliseconds from 1 to 2147483647';

const optionsSchema = z.strictObject({
  sinks: z.array(z.custom<AuditSink>(isSink, { error: 'must be an AuditSink: an object with a write(event) method' }), {
    error: 'must be an array of AuditSink',
  }),
  queueSize: z
    .number({ error: QUEUE_MESSAGE })
    .int({ error: QUEUE_MESSAGE })
    .min(1, { error: QUEUE_MESSAGE })
    .max(1_000_000, { error: QUEUE_MESSAGE })
    .optional(),
  timeoutMs: z
    .number({ error: TIMEOUT_MESSAGE })
    .int({ error: TIMEOUT_MESSAGE })
    .min(1, { error: TIMEOUT_MESSAGE })
    .max(2 ** 31 - 1, { error: TIMEOUT_MESSAGE })
    .optional(),
  onError: z.custom<(error: Error) => void>((v) => typeof v === 'function', { error: 'must be a function' }),
  clock: z.custom<Clock>(isClock, { error: 'must be a Clock: { now(), monotonic() }' }),
});

/** Per-sink delivery state. */
interface SinkState {
  readonly sink: AuditSink;
  /** 1-based, as written in reports: "audit sink 2 of 3". */
  readonly name: string;
  /** Writes that passed `timeoutMs` and have not settled yet; while > 0 request events skip this sink. */
  blocked: number;
  /** Request events not delivered to this sink while it was blocked, since the last report. */
  skipped: number;
  /** Failures not reported yet because of the report interval. */
  suppressed: number;
  lastReport: number;
}

/** The coalescing state of one reason: the second it is counting and its buckets. */
interface CoalesceWindow {
  readonly second: number;
  readonly buckets: Map<string | null, { count: number } & RequestAuditEvent>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Delivers audit events to sinks with the guarantees of SPEC §7. The keycard instance owns one
 * and calls {@link AuditTrail.request} on every authentication and {@link AuditTrail.token} on
 * every management call; integrators normally only pick the sinks.
 *
 * @example Standalone
 * ```ts
 * const audit = new AuditTrail({
 *   sinks: [jsonLinesSink((line) => process.stdout.write(line))],
 *   onError: (e) => console.warn(e.message),
 *   clock: systemClock,
 * });
 * audit.request({ type: 'request.allowed', surface: 'http', method: 'GET', path: '/v1/tasks?x=1',
 *   requestId: requestIdFrom(req.headers.get('x-request-id')),
 *   tokenId: 'tok_1', label: 'ci', ownerId: 'u1', workspaceId: 'w1' });
 * await audit.close();
 * ```
 */
export class AuditTrail {
  readonly #sinks: readonly SinkState[];
  readonly #queueSize: number;
  readonly #timeoutMs: number;
  readonly #onError: (error: Error) => void;
  readonly #clock: Clock;

  /** Head-index FIFO: `#queue[#head …]` are pending; compacted when the dead prefix dominates. */
  #queue: (RequestAuditEvent | undefined)[] = [];
  #head = 0;
  /** A pump is scheduled on a microtask. */
  #pumpScheduled = false;
  /** The pump is suspended on a sink's promise; `close()` awaits it. */
  #waiting: Promise<void> | null = null;

  #dropped = 0;
  #unreportedDrops = 0;
  #dropReportScheduled = false;
  #lastDropReport = -Infinity;

  readonly #windows = new Map<string, CoalesceWindow>();
  /** At most one timer for all open windows: they all count the current second. */
  #timer: ReturnType<typeof setTimeout> | undefined;

  #closing: Promise<void> | null = null;
  #reportedClosed = false;

  /** @throws KeycardError `invalid_config` naming the bad field. */
  constructor(options: AuditOptions) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = ['AuditOptions', ...(issue?.path ?? []).map(String)].join('.');
      const message =
        issue?.code === 'unrecognized_keys' ? `${at}.${issue.keys[0] ?? ''} is not a known field` : `${at} ${issue?.message ?? 'is invalid'}`;
      throw new KeycardError('invalid_config', message);
    }
    const { sinks, queueSize, timeoutMs, onError, clock } = parsed.data;
    this.#sinks = sinks.map((sink, i) => ({
      sink,
      name: `audit sink ${i + 1} of ${sinks.length}`,
      blocked: 0,
      skipped: 0,
      suppressed: 0,
      lastReport: -Infinity,
    }));
    this.#queueSize = queueSize ?? DEFAULT_AUDIT_QUEUE_SIZE;
    this.#timeoutMs = timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS;
    this.#onError = onError;
    this.#clock = clock;
  }

  /** Request events dropped because the queue was full, since construction. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Enqueue a request event. Synchronous, O(1), never throws and never waits for a sink: this
   * runs on every request.
   *
   * Denials with reason `missing_token`, `invalid_request`, `invalid_token` or `rate_limited`
   * are coalesced per (reason, token id) per wall-clock second of the clock into one event that
   * carries `count` and the other fields of the first denial; it is emitted once that second is
   * over (noticed by a later call, or by the single shared timer, which is unref'd). Beyond 256
   * token ids for one reason in one second, further denials are counted in that reason's bucket
   * with no token. Allowed events and other denials are never coalesced.
   */
  request(event: RequestAuditInput): void {
    if (this.#sinks.length === 0) return;
    if (this.#closing !== null) return this.#reportClosed();
    try {
      const now = this.#clock.now();
      const second = Math.floor(now / 1000);
      if (this.#windows.size > 0) this.#flushWindows(second);
      if (event.type === 'request.denied' && event.reason !== undefined && COALESCED.has(event.reason)) {
        this.#coalesce(event, now, second);
      } else {
        this.#enqueue(Object.freeze(requestEvent(event, now)));
      }
    } catch (error) {
      this.#report(new KeycardError('unavailable', `Audit event could not be recorded: ${messageOf(error)}`, { cause: error }));
    }
  }

  /**
   * Deliver a management event to every sink, awaiting each at most `timeoutMs` (in parallel).
   * Failures and timeouts are reported through `onError`; the promise never rejects. Unlike
   * request events, this is attempted even on a sink that is currently blocked: management
   * events are rare and matter most.
   */
  async token(event: TokenAuditInput): Promise<void> {
    if (this.#sinks.length === 0) return;
    if (this.#closing !== null) return this.#reportClosed();
    let frozen: TokenAuditEvent;
    try {
      const now = this.#clock.now();
      if (this.#windows.size > 0) this.#flushWindows(Math.floor(now / 1000));
      frozen = Object.freeze(tokenEvent(event, now));
    } catch (error) {
      this.#report(new KeycardError('unavailable', `Audit event could not be recorded: ${messageOf(error)}`, { cause: error }));
      return;
    }
    const pending = this.#deliver(frozen, false);
    if (pending !== undefined) await pending;
  }

  /**
   * Flush the coalesced buckets, drain the queue (each sink write still bounded by `timeoutMs`),
   * report what is left to report, then close every sink (bounded too). Idempotent; events
   * recorded after this call are ignored (reported once). Never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushWindows(Number.NaN); // NaN equals no second: every window is over
    while (this.#waiting !== null || this.#head < this.#queue.length) {
      if (this.#waiting !== null) await this.#waiting;
      else this.#pump();
    }
    this.#reportDrops();
    const closing: [SinkState, PromiseLike<unknown>][] = [];
    for (const state of this.#sinks) {
      if (state.blocked > 0 && state.skipped > 0) {
        this.#report(new KeycardError('unavailable', `${state.name} was still blocked at close; ${state.skipped} request events were not delivered to it`));
        state.skipped = 0;
      }
      if (state.suppressed > 0) {
        this.#report(new KeycardError('unavailable', `${state.name}: ${state.suppressed} further failures were not reported individually`));
        state.suppressed = 0;
      }
      try {
        const result = state.sink.close?.();
        if (isThenable(result)) closing.push([state, result]);
      } catch (error) {
        this.#sinkFailed(state, 'close failed', error, true);
      }
    }
    if (closing.length > 0) await this.#bounded(closing, 'close');
  }

  // -------------------------------------------------------------------------------------------
  // Coalescing

  #coalesce(event: RequestAuditInput, now: number, second: number): void {
    const reason = event.reason as string;
    let window = this.#windows.get(reason);
    if (window === undefined) {
      window = { second, buckets: new Map() };
      this.#windows.set(reason, window);
      this.#armTimer(now, second);
    }
    let key = event.tokenId ?? null;
    let bucket = window.buckets.get(key);
    if (bucket === undefined && window.buckets.size >= MAX_BUCKETS_PER_REASON) {
      key = null;
      bucket = window.buckets.get(null);
      if (bucket === undefined) event = { ...event, tokenId: null, label: null, ownerId: null, workspaceId: null };
    }
    // A caller that already counted (an adapter batching its own denials) adds its count.
    const add = typeof event.count === 'number' && event.count >= 1 ? Math.floor(event.count) : 1;
    if (bucket === undefined) {
      window.buckets.set(key, requestEvent({ ...event, count: add }, now) as Mutable<RequestAuditEvent> & { count: number });
    } else {
      bucket.count += add;
    }
  }

  /** Emit every window whose second is not `second` (over, or left behind by a clock jump). */
  #flushWindows(second: number): void {
    for (const [reason, window] of this.#windows) {
      if (window.second === second) continue;
      this.#windows.delete(reason);
      for (const bucket of window.buckets.values()) this.#enqueue(Object.freeze(bucket));
    }
    if (this.#windows.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #armTimer(now: number, second: number): void {
    if (this.#timer !== undefined) return;
    // Capped at one second so that a clock that jumps back still gets its windows flushed.
    const delay = Math.min(1000, Math.max(1, (second + 1) * 1000 - now));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        const at = this.#clock.now();
        this.#flushWindows(Math.floor(at / 1000));
        if (this.#windows.size > 0) this.#armTimer(at, Math.floor(at / 1000));
      } catch (error) {
        this.#report(new KeycardError('unavailable', `Audit coalescing failed: ${messageOf(error)}`, { cause: error }));
      }
    }, delay);
    (this.#timer as unknown as { unref?: () => void }).unref?.();
  }

  // -------------------------------------------------------------------------------------------
  // Queue

  #enqueue(event: RequestAuditEvent): void {
    if (this.#queue.length - this.#head >= this.#queueSize) {
      this.#dropped++;
      this.#unreportedDrops++;
      if (!this.#dropReportScheduled && this.#clock.monotonic() - this.#lastDropReport >= REPORT_INTERVAL_MS) {
        this.#dropReportScheduled = true;
        // After the current burst, so that one report carries the whole burst's count.
        queueMicrotask(() => {
          this.#dropReportScheduled = false;
          this.#reportDrops();
        });
      }
      return;
    }
    this.#queue.push(event);
    if (!this.#pumpScheduled && this.#waiting === null) {
      this.#pumpScheduled = true;
      queueMicrotask(this.#pumpTask);
    }
  }

  readonly #pumpTask = (): void => {
    this.#pumpScheduled = false;
    if (this.#waiting === null) this.#pump();
  };

  /**
   * Deliver queued events in order. Synchronous sinks are served in this loop with no promise
   * and no timer; the loop only suspends (into `#waiting`) when a sink returned a promise.
   */
  #pump(): void {
    while (this.#head < this.#queue.length) {
      const event = this.#queue[this.#head] as RequestAuditEvent;
      this.#queue[this.#head++] = undefined;
      if (this.#head === this.#queue.length) {
        this.#queue.length = 0;
        this.#head = 0;
      } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
        // Amortised O(1): the live tail is at most as long as the dead prefix being dropped.
        this.#queue.copyWithin(0, this.#head);
        this.#queue.length -= this.#head;
        this.#head = 0;
      }
      const pending = this.#deliver(event, true);
      if (pending !== undefined) {
        this.#waiting = pending.then(() => {
          this.#waiting = null;
          this.#pump();
        });
        return;
      }
    }
    if (this.#unreportedDrops > 0 && !this.#dropReportScheduled) this.#reportDrops();
  }

  #reportDrops(): void {
    if (this.#unreportedDrops === 0) return;
    const count = this.#unreportedDrops;
    this.#unreportedDrops = 0;
    this.#lastDropReport = this.#clock.monotonic();
    this.#report(
      new KeycardError('unavailable', `Audit queue full (${this.#queueSize} events): ${count} request events dropped (${this.#dropped} since start)`),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Delivery

  /**
   * Write `event` to every sink. Synchronous sinks are served inline; the result is `undefined`
   * when none returned a promise (the common case: no allocation), else a promise that settles
   * when all of them did or `timeoutMs` passed, and never rejects.
   */
  #deliver(event: AuditEvent, skipBlocked: boolean): Promise<void> | undefined {
    let pending: [SinkState, PromiseLike<unknown>][] | undefined;
    for (const state of this.#sinks) {
      if (skipBlocked && state.blocked > 0) {
        state.skipped++;
        continue;
      }
      try {
        const result = state.sink.write(event);
        if (isThenable(result)) (pending ??= []).push([state, result]);
      } catch (error) {
        this.#sinkFailed(state, 'write failed', error, false);
      }
    }
    return pending === undefined ? undefined : this.#bounded(pending, 'write');
  }

  /** Await each promise at most `timeoutMs`, with one timer for the lot. */
  #bounded(pending: readonly [SinkState, PromiseLike<unknown>][], what: 'write' | 'close'): Promise<void> {
    return new Promise<void>((resolve) => {
      let left = pending.length;
      let timedOut = false;
      const settled = new Array<boolean>(pending.length).fill(false);
      const timer = setTimeout(() => {
        timedOut = true;
        pending.forEach(([state], i) => {
          if (settled[i]) return;
          state.blocked++;
          this.#sinkFailed(state, `${what} did not finish within ${this.#timeoutMs} ms${what === 'write' ? '; request events skip it until it does' : ''}`, undefined, what === 'close');
        });
        resolve();
      }, this.#timeoutMs);
      (timer as unknown as { unref?: () => void }).unref?.();
      pending.forEach(([state, promise], i) => {
        const settle = (failed: boolean, error?: unknown): void => {
          if (settled[i]) return;
          settled[i] = true;
          if (failed) this.#sinkFailed(state, `${what} failed${timedOut ? ' after the timeout' : ''}`, error, what === 'close');
          if (timedOut) {
            if (--state.blocked === 0 && state.skipped > 0) {
              this.#report(new KeycardError('unavailable', `${state.name} recovered; ${state.skipped} request events were not delivered to it while it was blocked`));
              state.skipped = 0;
            }
          } else if (--left === 0) {
            clearTimeout(timer);
            resolve();
          }
        };
        // Promise.resolve also adopts a thenable whose then() throws, turning it into a rejection.
        Promise.resolve(promise).then(
          () => settle(false),
          (error: unknown) => settle(true, error),
        );
      });
    });
  }

  /** Report a sink problem, at most once per interval per sink; the rest are counted. */
  #sinkFailed(state: SinkState, what: string, error: unknown, always: boolean): void {
    const now = this.#clock.monotonic();
    if (!always && now - state.lastReport < REPORT_INTERVAL_MS) {
      state.suppressed++;
      return;
    }
    const more = state.suppressed > 0 ? ` (and ${state.suppressed} earlier failures not reported individually)` : '';
    state.suppressed = 0;
    state.lastReport = now;
    const detail = error === undefined ? '' : `: ${messageOf(error)}`;
    this.#report(new KeycardError('unavailable', `${state.name}: ${what}${detail}${more}`, error === undefined ? undefined : { cause: error }));
  }

  #reportClosed(): void {
    if (this.#reportedClosed) return;
    this.#reportedClosed = true;
    this.#report(new KeycardError('unavailable', 'Audit trail is closed; events recorded after close() are ignored'));
  }

  #report(error: Error): void {
    try {
      this.#onError(error);
    } catch {
      // onError is the integrator's logger; if it throws there is nowhere left to report to,
      // and delivery (or the request that triggered it) must go on.
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Building events

function noop(): void {}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function messageOf(error: unknown): string {
  // Masked before it is cut: a cut could leave a piece of a token too short to recognise.
  return excerpt(error instanceof Error ? error.message : String(error), 500);
}

/** Client-controlled strings (methods, tool names, ids) are capped so one request cannot bloat every sink. */
const MAX_FIELD = 512;
/** The request path's cap (characters, then `…`): longer than the other fields, still bounded. */
export const MAX_AUDIT_PATH = 1024;
const cap = (v: string): string => (v.length > MAX_FIELD ? `${v.slice(0, MAX_FIELD)}…` : v);
const text = (value: unknown): string => cap(redact(String(value)));
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : cap(redact(String(value))));
const texts = (values: readonly unknown[]): readonly string[] => Object.freeze(Array.from(values, text));
const timeOf = (time: string | undefined, now: number): string => (time === undefined ? isoTime(now) : text(time));

/** `toISOString()` costs more than the rest of an event; within one second only the ms change. */
let isoSecond = Number.NaN;
let isoPrefix = '';
function isoTime(now: number): string {
  const ms = Math.trunc(now); // as Date does
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoPrefix = new Date(second * 1000).toISOString().slice(0, -4); // '2025-01-01T00:00:00.'
    isoSecond = second;
  }
  const frac = ms - second * 1000;
  return `${isoPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

/** Leading `scheme://authority` of an absolute URL; the authority may hold `user:password@`. */
const ORIGIN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * The path as it may be logged: no origin, no query string, no fragment, redacted. The trail
 * applies it to every request event; it is exported for adapters that log paths themselves.
 *
 * @example A full URL with credentials in the query
 * ```ts
 * auditPath('https://u:p@api.example.com/v1/x?access_token=…#y') // '/v1/x'
 * ```
 */
export function auditPath(path: string): string {
  let p = String(path);
  const cut = p.search(/[?#]/);
  if (cut !== -1) p = p.slice(0, cut);
  if (p.includes('://')) {
    const origin = ORIGIN.exec(p);
    if (origin !== null) p = p.slice(origin[0].length) || '/';
  }
  return redact(p);
}

const capPath = (p: string): string => (p.length > MAX_AUDIT_PATH ? `${p.slice(0, MAX_AUDIT_PATH)}…` : p);

function requestEvent(input: RequestAuditInput, now: number): Mutable<RequestAuditEvent> {
  const event: Mutable<RequestAuditEvent> = {
    type: input.type,
    time: timeOf(input.time, now),
    surface: text(input.surface) as Surface,
    method: text(input.method),
    path: capPath(auditPath(input.path)),
    requestId: text(input.requestId),
    tokenId: textOrNull(input.tokenId),
    label: textOrNull(input.label),
    ownerId: textOrNull(input.ownerId),
    workspaceId: textOrNull(input.workspaceId),
  };
  if (input.reason !== undefined) event.reason = text(input.reason) as RequestErrorCode;
  if (input.missing !== undefined) event.missing = texts(input.missing);
  if (input.count !== undefined) event.count = input.count;
  if (input.degraded !== undefined) event.degraded = input.degraded;
  if (input.rpcMethod !== undefined) event.rpcMethod = text(input.rpcMethod);
  if (input.tool !== undefined) event.tool = text(input.tool);
  return event;
}

function tokenEvent(input: TokenAuditInput, now: number): Mutable<TokenAuditEvent> {
  const event: Mutable<TokenAuditEvent> = {
    type: input.type,
    time: timeOf(input.time, now),
    tokenId: textOrNull(input.tokenId),
    label: textOrNull(input.label),
    ownerId: textOrNull(input.ownerId),
    workspaceId: textOrNull(input.workspaceId),
    actor: Object.freeze({ kind: text(input.actor.kind) as AuditActor['kind'], id: textOrNull(input.actor.id) }),
  };
  if (input.reason !== undefined) event.reason = text(input.reason);
  if (input.rotatedFromId !== undefined) event.rotatedFromId = text(input.rotatedFromId);
  if (input.changes !== undefined) event.changes = texts(input.changes);
  if (input.count !== undefined) event.count = input.count;
  if (input.grantId !== undefined) event.grantId = text(input.grantId);
  if (input.scopes !== undefined) event.scopes = texts(input.scopes);
  if (input.requestId !== undefined) event.requestId = text(input.requestId);
  if (input.leak !== undefined) {
    const { provider, type, url, source } = input.leak;
    event.leak = Object.freeze({ provider: text(provider), type: text(type), url: text(url), source: text(source) });
  }
  return event;
}
