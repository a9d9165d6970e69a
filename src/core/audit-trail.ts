/**
 * The audit trail (SPEC §7): a bounded FIFO of request events drained on a microtask, management
 * events delivered directly, coalescing and delivery delegated, and a bounded close.
 */
import { configError, english } from './config.ts';
import {
  DEFAULT_AUDIT_QUEUE_SIZE,
  DEFAULT_AUDIT_TIMEOUT_MS,
  optionsSchema,
  type AuditOptions,
} from './audit-options.ts';
import type { RequestAuditEvent, RequestAuditInput, TokenAuditEvent, TokenAuditInput } from './audit.ts';
import { Coalescer, coalesces } from './audit-coalesce.ts';
import { REPORT_INTERVAL_MS, SinkDelivery } from './audit-delivery.ts';
import { within } from './bounded.ts';
import { isoTime, messageOf, tokenEvent, requestEvent, type Mutable } from './audit-fields.ts';
import type { Clock } from './clock.ts';
import { KeycardError } from './errors.ts';
import { freeze } from './builtins.ts';

export { DEFAULT_AUDIT_QUEUE_SIZE, DEFAULT_AUDIT_TIMEOUT_MS, type AuditOptions };

const RESOLVED = Promise.resolve();

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
  readonly #delivery: SinkDelivery;
  readonly #coalescer: Coalescer;
  readonly #queueSize: number;
  readonly #onError: (error: Error) => void;
  readonly #clock: Clock;

  /**
   * Head-index FIFO: `#queue[#head … #tail)` are pending; compacted when the dead prefix
   * dominates. A drained queue keeps its array (`length = 0` gave the backing store back, and the
   * next request paid for a new one: ~170 B a request in bench/).
   */
  #queue: (RequestAuditEvent | undefined)[] = [];
  #head = 0;
  #tail = 0;
  /** A pump is scheduled on a microtask. */
  #pumpScheduled = false;
  /** Events the pump has taken off the queue, since construction ({@link AuditTrail.flush}'s count). */
  #taken = 0;
  /** The pump is suspended on a sink's promise; `close()` awaits it. */
  #waiting: Promise<void> | null = null;
  /**
   * When the pump suspended (`performance.now()`: real, monotonic time, whatever the clock), which
   * suspension that is, when a check for a stalled write was scheduled, and the flushes waiting.
   */
  #waitingSince = 0;
  #suspension = 0;
  #stallCheckAt = -Infinity;
  #flushing = 0;
  readonly #timeoutMs: number;

  #dropped = 0;
  #unreportedDrops = 0;
  #dropReportScheduled = false;
  #lastDropReport = -Infinity;

  #closing: Promise<void> | null = null;
  #reportedClosed = false;

  /** @throws KeycardError `invalid_config` naming every bad field (`configError`). */
  constructor(options: AuditOptions) {
    const parsed = optionsSchema.safeParse(options, english);
    if (!parsed.success) throw configError('AuditTrail', parsed.error);
    const { sinks, queueSize, timeoutMs, onError, clock } = parsed.data;
    this.#queueSize = queueSize ?? DEFAULT_AUDIT_QUEUE_SIZE;
    const report = (error: Error) => this.#report(error);
    this.#delivery = new SinkDelivery(sinks, timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS, clock, report);
    this.#timeoutMs = timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS;
    this.#coalescer = new Coalescer(clock, (event) => this.#enqueue(event), report);
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
   * Denials an attacker produces for free (`coalesces`: a reason of `COALESCED`, such as
   * `missing_token` or `rate_limited`, or no token id whatever the reason) are coalesced per
   * (reason, token id) per wall-clock second of the clock into one event that carries `count` and
   * the other fields of the first denial; it is emitted once that second is over (noticed by a
   * later call, or by the single shared timer, which is unref'd). Beyond 256 token ids for one
   * reason in one second, further denials are counted in that reason's bucket with no token.
   * Allowed events and other denials are never coalesced.
   */
  request(event: RequestAuditInput): void {
    if (this.#delivery.count === 0) return;
    if (this.#closing !== null) return this.#reportClosed();
    try {
      const now = this.#clock.now();
      const second = Math.floor(now / 1000);
      if (this.#coalescer.open) this.#coalescer.flush(second);
      if (coalesces(event)) {
        this.#coalescer.add(event, now, second);
      } else {
        this.#enqueue(freeze(requestEvent(event, now)));
      }
    } catch (error) {
      this.#unrecorded(error);
    }
  }

  /** Whether any sink listens: with none, the pipeline builds no request event at all. */
  get active(): boolean {
    return this.#delivery.count > 0;
  }

  /**
   * The request pipeline's door for an allowed event it built in its final shape, every field
   * already redacted and capped by the rules of {@link AuditTrail.request} (`request-audit.ts`):
   * stamped, frozen and queued, with no second copy. Allowed events are never coalesced.
   * @internal
   */
  requestBuilt(event: Mutable<RequestAuditEvent>): void {
    if (this.#delivery.count === 0) return;
    if (this.#closing !== null) return this.#reportClosed();
    try {
      const now = this.#clock.now();
      if (this.#coalescer.open) this.#coalescer.flush(Math.floor(now / 1000));
      event.time = isoTime(now);
      this.#enqueue(freeze(event));
    } catch (error) {
      this.#unrecorded(error);
    }
  }

  /**
   * Deliver a management event to every sink, awaiting each at most `timeoutMs` (in parallel).
   * Failures and timeouts are reported through `onError`; the promise never rejects. Unlike
   * request events, this is attempted even on a sink that is currently blocked: management
   * events are rare and matter most.
   */
  async token(event: TokenAuditInput): Promise<void> {
    if (this.#delivery.count === 0) return;
    if (this.#closing !== null) return this.#reportClosed();
    let frozen: TokenAuditEvent;
    try {
      const now = this.#clock.now();
      if (this.#coalescer.open) this.#coalescer.flush(Math.floor(now / 1000));
      frozen = freeze(tokenEvent(event, now));
    } catch (error) {
      this.#unrecorded(error);
      return;
    }
    const pending = this.#delivery.deliver(frozen, false);
    if (pending !== undefined) await pending;
  }

  /**
   * Resolves once the request events recorded so far are with the sinks: denials coalesced in the
   * current second emitted when it ends (within a second), then the queue delivered up to the last
   * of them, each write still bounded by `timeoutMs`. Events recorded meanwhile are not waited
   * for, so steady traffic cannot keep it pending. Never rejects; after `close()`, resolves with it.
   *
   * While any flush waits, the next write is begun by a waiting flush, not by the end of the
   * previous write: on Workers each request's `waitUntil(flush())` then runs the writes it waits
   * for, and none is begun in a request whose work ends before the write does.
   */
  async flush(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#flushing++;
    try {
      if (this.#coalescer.open) await this.#coalescer.emitted();
      const last = this.#taken + (this.#tail - this.#head);
      while (this.#taken < last) {
        if (this.#waiting !== null) await this.#writeDone();
        else this.#pump();
      }
      if (this.#waiting !== null) await this.#writeDone(); // the write of the last one taken
    } finally {
      // The last flush out hands the rest of the queue back to the pump.
      if (--this.#flushing === 0 && this.#waiting === null && this.#head < this.#tail) this.#pump();
    }
  }

  /**
   * The write the pump is suspended on, waited for until just past its timeout; still pending
   * then, its timer never ran (a runtime stopped the work of the request that began it) and it is
   * abandoned, so that delivery goes on.
   */
  async #writeDone(): Promise<void> {
    const suspension = this.#suspension;
    await within(this.#waiting as Promise<void>, this.#waitingSince + this.#timeoutMs + 50 - performance.now());
    if (suspension === this.#suspension && this.#waiting !== null) this.#abandon();
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
    this.#coalescer.stop();
    this.#coalescer.flush(Number.NaN); // NaN equals no second: every window is over
    while (this.#waiting !== null || this.#head < this.#tail) {
      if (this.#waiting !== null) await this.#writeDone();
      else this.#pump();
    }
    this.#reportDrops();
    await this.#delivery.closeAll();
  }

  // -------------------------------------------------------------------------------------------
  // Queue

  #enqueue(event: RequestAuditEvent): void {
    if (this.#tail - this.#head >= this.#queueSize) {
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
    this.#queue[this.#tail++] = event; // at the end: grows the array once, then reuses it
    if (this.#waiting !== null) this.#unstall();
    if (!this.#pumpScheduled && this.#waiting === null) {
      this.#pumpScheduled = true;
      // A reaction on a settled promise, not queueMicrotask: Node's builds an AsyncResource and a
      // bound function per call (~200 B and ~0.2 µs a request in bench/). #pumpTask never throws.
      void RESOLVED.then(this.#pumpTask);
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
    while (this.#head < this.#tail) {
      const event = this.#queue[this.#head] as RequestAuditEvent;
      this.#queue[this.#head++] = undefined;
      this.#taken++;
      if (this.#head === this.#tail) {
        this.#head = this.#tail = 0;
      } else if (this.#head >= 1024 && this.#head * 2 >= this.#tail) {
        // Amortised O(1): the live tail is at most as long as the dead prefix being dropped.
        this.#queue.copyWithin(0, this.#head, this.#tail);
        this.#queue.fill(undefined, this.#tail - this.#head, this.#tail);
        this.#tail -= this.#head;
        this.#head = 0;
      }
      const pending = this.#delivery.deliver(event, true);
      if (pending !== undefined) {
        const suspension = ++this.#suspension;
        this.#waitingSince = performance.now();
        this.#waiting = pending.then(() => {
          if (suspension !== this.#suspension) return; // abandoned as stalled
          this.#waiting = null;
          if (this.#flushing === 0) this.#pump(); // else a waiting flush begins the next write
        });
        return;
      }
    }
    if (this.#unreportedDrops > 0 && !this.#dropReportScheduled) this.#reportDrops();
  }

  /**
   * A write pending long past its timeout (twice it, and a second) may be one whose timer never
   * ran: a runtime that stops a request's work once its response is sent (Workers without
   * `ctx.waitUntil`) would otherwise hold the queue for good. Checked again on a later turn, after
   * the timers due: a write that did finish, behind a busy event loop, settles first.
   */
  #unstall(): void {
    const now = performance.now();
    if (now - this.#waitingSince <= 2 * this.#timeoutMs + 1_000 || now - this.#stallCheckAt < 1_000) return;
    this.#stallCheckAt = now; // a check whose own timer a runtime dropped is scheduled again a second on
    const suspension = this.#suspension;
    setTimeout(() => {
      if (suspension === this.#suspension && this.#waiting !== null) {
        this.#abandon();
        if (this.#flushing === 0) this.#pump();
      }
    }, 0);
  }

  /** Abandons the write the pump is suspended on and reports it; the next pump delivers on. */
  /** An event that could not be built (a throwing getter, a clock): reported, the call goes on. */
  #unrecorded(error: unknown): void {
    this.#report(
      new KeycardError('unavailable', `Audit event could not be recorded: ${messageOf(error)}`, { cause: error }),
    );
  }

  #abandon(): void {
    this.#suspension++;
    this.#waiting = null;
    this.#report(
      new KeycardError(
        'unavailable',
        'Audit delivery stalled: a sink write neither settled nor timed out (was its work stopped after the response? On Workers, ctx.waitUntil(keycard.flush())); delivery resumed',
      ),
    );
  }

  #reportDrops(): void {
    if (this.#unreportedDrops === 0) return;
    const count = this.#unreportedDrops;
    this.#unreportedDrops = 0;
    this.#lastDropReport = this.#clock.monotonic();
    this.#report(
      new KeycardError(
        'unavailable',
        `Audit queue full (${this.#queueSize} events): ${count} request events dropped (${this.#dropped} since start)`,
      ),
    );
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
