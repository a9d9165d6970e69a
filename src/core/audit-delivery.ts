/**
 * Delivery to the sinks (SPEC §7): synchronous sinks inline, promises awaited at most
 * `timeoutMs` with one timer, a sink that hangs skipped until it settles, failures reported
 * at most once an interval per sink.
 */
import type { AuditEvent, AuditSink } from './audit.ts';
import { isThenable, messageOf } from './audit-fields.ts';
import type { Clock } from './clock.ts';
import { KeycardError } from './errors.ts';

/** Reports of the same kind are spaced by at least this (monotonic ms). */
export const REPORT_INTERVAL_MS = 1_000;

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

/** The sinks of one trail and their delivery state. */
export class SinkDelivery {
  readonly #sinks: readonly SinkState[];
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #report: (error: Error) => void;

  constructor(sinks: readonly AuditSink[], timeoutMs: number, clock: Clock, report: (error: Error) => void) {
    this.#sinks = sinks.map((sink, i) => ({
      sink,
      name: `audit sink ${i + 1} of ${sinks.length}`,
      blocked: 0,
      skipped: 0,
      suppressed: 0,
      lastReport: -Infinity,
    }));
    this.#timeoutMs = timeoutMs;
    this.#clock = clock;
    this.#report = report;
  }

  /** How many sinks there are (none: the trail is a no-op). */
  get count(): number {
    return this.#sinks.length;
  }

  /** Reports what is left to report, then closes every sink (bounded). Never rejects. */
  async closeAll(): Promise<void> {
    const closing: [SinkState, PromiseLike<unknown>][] = [];
    for (const state of this.#sinks) {
      if (state.blocked > 0 && state.skipped > 0) {
        this.#report(
          new KeycardError(
            'unavailable',
            `${state.name} was still blocked at close; ${state.skipped} request events were not delivered to it`,
          ),
        );
        state.skipped = 0;
      }
      if (state.suppressed > 0) {
        this.#report(
          new KeycardError(
            'unavailable',
            `${state.name}: ${state.suppressed} further failures were not reported individually`,
          ),
        );
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

  /**
   * Write `event` to every sink. Synchronous sinks are served inline; the result is `undefined`
   * when none returned a promise (the common case: no allocation), else a promise that settles
   * when all of them did or `timeoutMs` passed, and never rejects.
   */
  deliver(event: AuditEvent, skipBlocked: boolean): Promise<void> | undefined {
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
          this.#sinkFailed(
            state,
            `${what} did not finish within ${this.#timeoutMs} ms${what === 'write' ? '; request events skip it until it does' : ''}`,
            undefined,
            what === 'close',
          );
        });
        resolve();
      }, this.#timeoutMs);
      (timer as unknown as { unref?: () => void }).unref?.();
      pending.forEach(([state, promise], i) => {
        const settle = (failed: boolean, error?: unknown): void => {
          if (settled[i]) return;
          settled[i] = true;
          if (failed)
            this.#sinkFailed(state, `${what} failed${timedOut ? ' after the timeout' : ''}`, error, what === 'close');
          if (timedOut) {
            if (--state.blocked === 0 && state.skipped > 0) {
              this.#report(
                new KeycardError(
                  'unavailable',
                  `${state.name} recovered; ${state.skipped} request events were not delivered to it while it was blocked`,
                ),
              );
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
    this.#report(
      new KeycardError(
        'unavailable',
        `${state.name}: ${what}${detail}${more}`,
        error === undefined ? undefined : { cause: error },
      ),
    );
  }
}
