/**
 * Coalescing of flood-prone denials (SPEC §7): per reason and token id per wall-clock second,
 * one event with a `count`, flushed by a later call or by one shared, unref'd timer.
 */
import type { RequestAuditEvent, RequestAuditInput } from './audit.ts';
import { messageOf, requestEvent, type Mutable } from './audit-fields.ts';
import type { Clock } from './clock.ts';
import { KeycardError, type RequestErrorCode } from './errors.ts';
import { freeze } from './builtins.ts';

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
export const COALESCED: ReadonlySet<string> = new Set<RequestErrorCode>([
  'missing_token',
  'invalid_request',
  'invalid_token',
  'token_expired',
  'token_revoked',
  'rate_limited',
  'unavailable',
]);

/**
 * Whether a request event is coalesced: a denial with a reason of {@link COALESCED}, or one with
 * no token id whatever its reason. Only a verified token is charged, so a denial that names no
 * token cost its sender nothing: another issuer's token refused on a session a keycard token
 * opened (`forbidden_resource`, keycard/mcp) is sent at line rate as easily as a forged one.
 */
export const coalesces = (event: RequestAuditInput): boolean =>
  event.type === 'request.denied' &&
  ((event.reason !== undefined && COALESCED.has(event.reason)) || (event.tokenId ?? null) === null);

/**
 * Distinct token ids per reason per second before further denials are folded into one bucket
 * with no token: forged tokens can carry a fresh id each, and the bound must not depend on them.
 */
const MAX_BUCKETS_PER_REASON = 256;

/** The coalescing state of one reason: the second it is counting and its buckets. */
interface CoalesceWindow {
  readonly second: number;
  readonly buckets: Map<string | null, { count: number } & RequestAuditEvent>;
}

/** Until the end of `second`; capped at one second so that a clock that jumps back still flushes. */
const flushDelay = (now: number, second: number) => Math.min(1000, Math.max(1, (second + 1) * 1000 - now));

/** The open windows of one trail. */
export class Coalescer {
  readonly #windows = new Map<string, CoalesceWindow>();
  /** At most one timer for all open windows: they all count the current second. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #clock: Clock;
  readonly #enqueue: (event: RequestAuditEvent) => void;
  readonly #report: (error: Error) => void;

  constructor(clock: Clock, enqueue: (event: RequestAuditEvent) => void, report: (error: Error) => void) {
    this.#clock = clock;
    this.#enqueue = enqueue;
    this.#report = report;
  }

  /** Whether any window is open (the hot path checks this before flushing). */
  get open(): boolean {
    return this.#windows.size > 0;
  }

  /** Stops the timer (at close). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Resolves once the windows open now are emitted: just after their second ends, by a timer of
   * the caller's own (the shared one may belong to a request whose work a runtime stopped). On a
   * clock that stands still it resolves a second later with them still open. Never rejects.
   */
  emitted(): Promise<void> {
    let second = -Infinity;
    for (const window of this.#windows.values()) second = Math.max(second, window.second);
    if (second === -Infinity) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let delay = 1000;
      try {
        delay = flushDelay(this.#clock.now(), second) + 5;
      } catch {
        // A clock that throws: wait the longest a window lasts.
      }
      const timer = setTimeout(() => {
        try {
          this.flush(Math.floor(this.#clock.now() / 1000));
        } catch (error) {
          this.#report(
            new KeycardError('unavailable', `Audit coalescing failed: ${messageOf(error)}`, { cause: error }),
          );
        } finally {
          resolve();
        }
      }, delay);
      (timer as unknown as { unref?: () => void }).unref?.();
    });
  }

  /** Counts one denial into its window. */
  add(event: RequestAuditInput, now: number, second: number): void {
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
      window.buckets.set(
        key,
        requestEvent({ ...event, count: add }, now) as Mutable<RequestAuditEvent> & { count: number },
      );
    } else {
      bucket.count += add;
    }
  }

  /** Emit every window whose second is not `second` (over, or left behind by a clock jump). */
  flush(second: number): void {
    for (const [reason, window] of this.#windows) {
      if (window.second === second) continue;
      this.#windows.delete(reason);
      for (const bucket of window.buckets.values()) this.#enqueue(freeze(bucket));
    }
    if (this.#windows.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #armTimer(now: number, second: number): void {
    if (this.#timer !== undefined) return;
    const delay = flushDelay(now, second);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        const at = this.#clock.now();
        this.flush(Math.floor(at / 1000));
        if (this.#windows.size > 0) this.#armTimer(at, Math.floor(at / 1000));
      } catch (error) {
        this.#report(new KeycardError('unavailable', `Audit coalescing failed: ${messageOf(error)}`, { cause: error }));
      }
    }, delay);
    (this.#timer as unknown as { unref?: () => void }).unref?.();
  }
}
