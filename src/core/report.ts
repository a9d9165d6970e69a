/**
 * Coalesced error reports for the request path: a store outage fails every request, and one
 * `onError` per request (5,000 a second under load) floods the integrator's logger exactly when
 * it is needed. The first failure of a kind in a second is reported as it is; the others of that
 * second are counted and reported once, as one `KeycardError('unavailable')` with the count,
 * with the next failure after the second or at `flush()`.
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
 * The request path's reporter for a handler built on an instance (the device routes, the
 * management handler): {@link safeReport}, coalesced per kind per second by a {@link ReportThrottle}
 * on the instance's clock.
 */
export const coalescedReporter = (report: (error: unknown) => void, clock: Clock): ((error: unknown) => void) =>
  new ReportThrottle(safeReport(report), clock).report;

const WINDOW_MS = 1_000;
const MAX_KINDS = 256;

interface Window {
  start: number;
  suppressed: number;
}

export class ReportThrottle {
  readonly #report: (error: unknown) => void;
  readonly #clock: Clock;
  readonly #windows = new Map<string, Window>();

  constructor(report: (error: unknown) => void, clock: Clock) {
    this.#report = report;
    this.#clock = clock;
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
      w.suppressed++;
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
    if (w.suppressed === 0) return;
    const what = kind.split('\u0000').at(-1) ?? 'error';
    this.#report(
      new KeycardError('unavailable', `${w.suppressed} more of: "${what}" within a second, not reported individually`),
    );
    w.suppressed = 0;
  }
}
