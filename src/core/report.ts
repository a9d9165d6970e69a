/**
 * Coalesced error reports for the request path: a store outage fails every request, and one
 * `onError` per request (5,000 a second under load) floods the integrator's logger exactly when
 * it is needed. The first failure of a kind in a second is reported as it is; the others of that
 * second are counted and reported once, as one `KeycardError('unavailable')` with the count, when
 * the second ends (one unreferenced timer: it never keeps a process alive), with the next failure
 * after the second if that comes first, or at `flush()` (the instance's `close()`).
 */
import type { Clock } from './clock.ts';
import { KeycardError, isKeycardError } from './errors.ts';
import { redact } from './redact.ts';

/** A handler's default `onError`: one labelled, redacted line on stderr. */
export const logError =
  (label: string) =>
  (e: unknown): void =>
    console.error(label, redact(e instanceof Error ? `${e.name}: ${e.message}` : String(e)));

/**
 * `report` that never throws: an integrator's broken logger must not turn a 503 into a 500, a
 * background write into an unhandled rejection, or a failed request into a different answer.
 */
export const safeReport =
  (report: (error: unknown) => void) =>
  (error: unknown): void => {
    try {
      report(error);
    } catch {
      // dropped: the reporter itself is broken, and nothing is left to report to
    }
  };

/**
 * Where a keycard instance keeps the throttles built on it that hold a pending count
 * (non-enumerable; not public API), so that its `close()` reports them.
 */
export const PENDING_REPORTS: unique symbol = Symbol.for('keycard.pendingReports');

/**
 * The request path's reporter for a handler built on an instance (the device routes, the
 * management handler): {@link safeReport}, coalesced per kind per second by a {@link ReportThrottle}
 * on the instance's clock, whose pending counts the instance's `close()` reports.
 */
export const coalescedReporter = (
  report: (error: unknown) => void,
  keycard: { readonly clock: Clock },
): ((error: unknown) => void) =>
  new ReportThrottle(
    safeReport(report),
    keycard.clock,
    (keycard as { [PENDING_REPORTS]?: Set<ReportThrottle> })[PENDING_REPORTS],
  ).report;

const WINDOW_MS = 1_000;
const MAX_KINDS = 256;

interface Window {
  start: number;
  suppressed: number;
}

/** Coalesces reports per kind (code or name, and message) per second on `clock`, with a count of the rest. */
export class ReportThrottle {
  readonly #report: (error: unknown) => void;
  readonly #clock: Clock;
  readonly #windows = new Map<string, Window>();
  readonly #registry: Set<ReportThrottle> | undefined;
  /** Kinds with a count not yet reported; the one timer runs while there are any. */
  #pending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #due = 0;

  /**
   * @param report must not throw ({@link safeReport}): it is also called from a timer.
   * @param registry holds this throttle while it has a pending count (the instance's, for `close()`).
   */
  constructor(report: (error: unknown) => void, clock: Clock, registry?: Set<ReportThrottle>) {
    this.#report = report;
    this.#clock = clock;
    this.#registry = registry;
  }

  /** Reports `error` now, or counts it when one of its kind was reported less than a second ago. */
  readonly report = (error: unknown): void => {
    const kind = isKeycardError(error)
      ? `${error.code}\u0000${error.message}`
      : error instanceof Error
        ? `${error.name}\u0000${error.message}`
        : 'other';
    const now = this.#clock.monotonic();
    const w = this.#windows.get(kind);
    if (w && now - w.start < WINDOW_MS) {
      if (w.suppressed++ === 0) {
        this.#pending++;
        this.#arm(w.start + WINDOW_MS);
      }
      return;
    }
    if (w) this.#summary(kind, w);
    if (this.#windows.size >= MAX_KINDS) this.flush();
    this.#windows.set(kind, { start: now, suppressed: 0 });
    this.#report(error);
  };

  /** Reports every pending count (at close). */
  flush(): void {
    for (const [kind, w] of this.#windows) this.#summary(kind, w);
    this.#windows.clear();
  }

  #summary(kind: string, w: Window): void {
    const n = w.suppressed;
    if (n === 0) return;
    w.suppressed = 0;
    if (--this.#pending === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#registry?.delete(this);
    }
    const what = kind.split('\u0000').at(-1) ?? 'error';
    this.#report(new KeycardError('unavailable', `${n} more of: "${what}" within a second, not reported individually`));
  }

  /**
   * Runs the one timer at `due` (monotonic) or earlier: it reports the counts whose second is over
   * on the clock and runs again for the rest. Unreferenced: a pending count never keeps a process
   * alive (`close()` reports it).
   */
  #arm(due: number): void {
    if (this.#timer !== undefined && this.#due <= due) return;
    clearTimeout(this.#timer);
    this.#registry?.add(this);
    this.#due = due;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        const now = this.#clock.monotonic();
        let next = Infinity;
        for (const [kind, w] of this.#windows) {
          if (w.suppressed === 0) continue;
          if (now - w.start >= WINDOW_MS) this.#summary(kind, w);
          else next = Math.min(next, w.start + WINDOW_MS);
        }
        if (next < Infinity) this.#arm(next);
      },
      Math.min(WINDOW_MS, Math.max(1, due - this.#clock.monotonic())),
    );
    (this.#timer as { unref?: () => void }).unref?.();
  }
}
