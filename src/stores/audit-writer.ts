/**
 * The write-behind queue of a database audit store: events accepted synchronously (a request
 * never waits), written in batches (one round trip per batch, never per event), a bounded number
 * at once. When the database is away, failed batches are kept and retried as they were (same
 * batch, same event ids, so a batch whose commit was not acknowledged is not applied twice), new
 * events wait up to the bound, and what the bound refuses is counted and reported through
 * `onError` as an {@link AuditLossError} whose `lost` counts exactly the events never written.
 */
import { AuditLossError, type StoredAuditEvent } from '../core/audit-store.ts';
import { KeycardError } from '../core/errors.ts';

/** What the writer needs from its store. */
export interface AuditWriterOptions {
  /** Writes one batch; resolves once it is durable. Must be idempotent for a given `batch`. */
  write(batch: readonly StoredAuditEvent[]): Promise<void>;
  /** Events held at most (queued, in flight and awaiting retry). */
  queueSize: number;
  batchSize: number;
  /** Batches in flight at once while the database answers (one while it does not). */
  concurrency: number;
  onError(error: Error): void;
  /** Backoff between retries: doubles from `min` up to `max` ms. */
  retryMinMs: number;
  retryMaxMs: number;
}

const REPORT_INTERVAL_MS = 1_000;

/** See the module comment. */
export class AuditWriter {
  readonly #o: AuditWriterOptions;
  #queue: StoredAuditEvent[] = [];
  #head = 0;
  /** Batches that failed, retried first and as they were. */
  readonly #retry: (readonly StoredAuditEvent[])[] = [];
  #retryEvents = 0;
  #inFlight = 0;
  #inFlightEvents = 0;
  #failing = false;
  #backoff = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #unreported = 0;
  #lostTotal = 0;
  #reportTimer: ReturnType<typeof setTimeout> | undefined;
  #idle: (() => void)[] = [];
  #closed = false;

  constructor(options: AuditWriterOptions) {
    this.#o = options;
  }

  /** Events held now: queued, in flight, awaiting retry. */
  get held(): number {
    return this.#queue.length - this.#head + this.#retryEvents + this.#inFlightEvents;
  }

  /** Events dropped since start (all of them reported, or about to be). */
  get lost(): number {
    return this.#lostTotal;
  }

  /** Accepts an event, or counts it lost when the bound is reached. O(1); never throws. */
  push(event: StoredAuditEvent): void {
    if (this.#closed || this.held >= this.#o.queueSize) {
      this.#drop(1);
      return;
    }
    this.#queue.push(event);
    this.#pump();
  }

  /** Resolves when nothing is held any more (written, or dropped and reported). */
  drained(): Promise<void> {
    if (this.held === 0) {
      this.#reportNow();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Stops accepting, waits up to `timeoutMs` for what is held to be written, then gives the rest
   * up (reported). Events in flight at that moment may still land; they are counted lost only
   * if their write fails.
   */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.drained(), timeout]);
    clearTimeout(timer);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const left = this.#queue.length - this.#head + this.#retryEvents;
    this.#queue = [];
    this.#head = 0;
    this.#retry.length = 0;
    this.#retryEvents = 0;
    if (left > 0) this.#drop(left);
    this.#reportNow();
    this.#checkIdle();
  }

  #take(): readonly StoredAuditEvent[] | undefined {
    const retry = this.#retry.shift();
    if (retry) {
      this.#retryEvents -= retry.length;
      return retry;
    }
    const n = Math.min(this.#o.batchSize, this.#queue.length - this.#head);
    if (n === 0) return undefined;
    const batch = this.#queue.slice(this.#head, this.#head + n);
    this.#head += n;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }

  #pump(): void {
    if (this.#retryTimer !== undefined) return; // backing off
    const limit = this.#failing ? 1 : this.#o.concurrency;
    while (this.#inFlight < limit) {
      const batch = this.#take();
      if (!batch) break;
      this.#send(batch);
    }
  }

  #send(batch: readonly StoredAuditEvent[]): void {
    this.#inFlight++;
    this.#inFlightEvents += batch.length;
    let result: Promise<void>;
    try {
      result = this.#o.write(batch);
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      () => {
        this.#settle(batch);
        if (this.#failing) {
          this.#failing = false;
          this.#backoff = 0;
          this.#report(
            new KeycardError('unavailable', 'Audit store: the database answers again; held events are being written'),
          );
        }
        this.#pump();
        this.#checkIdle();
      },
      (error: unknown) => {
        this.#settle(batch);
        if (this.#closed) {
          this.#drop(batch.length);
          this.#checkIdle();
          return;
        }
        this.#retry.push(batch);
        this.#retryEvents += batch.length;
        if (!this.#failing) {
          this.#failing = true;
          const message = error instanceof Error ? error.message : String(error);
          this.#report(
            new KeycardError(
              'unavailable',
              `Audit store: a batch write failed (${message}); holding up to ${this.#o.queueSize} events and retrying`,
              { cause: error },
            ),
          );
        }
        this.#backoff = Math.min(this.#o.retryMaxMs, this.#backoff === 0 ? this.#o.retryMinMs : this.#backoff * 2);
        if (this.#retryTimer === undefined) {
          this.#retryTimer = setTimeout(() => {
            this.#retryTimer = undefined;
            this.#pump();
          }, this.#backoff);
          (this.#retryTimer as unknown as { unref?: () => void }).unref?.();
        }
      },
    );
  }

  #settle(batch: readonly StoredAuditEvent[]): void {
    this.#inFlight--;
    this.#inFlightEvents -= batch.length;
  }

  #checkIdle(): void {
    if (this.held !== 0 || this.#idle.length === 0) return;
    this.#reportNow();
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }

  #drop(n: number): void {
    this.#unreported += n;
    this.#lostTotal += n;
    if (this.#reportTimer === undefined) {
      // One report per interval carries the whole burst's count.
      this.#reportTimer = setTimeout(() => this.#reportNow(), REPORT_INTERVAL_MS);
      (this.#reportTimer as unknown as { unref?: () => void }).unref?.();
    }
  }

  #reportNow(): void {
    clearTimeout(this.#reportTimer);
    this.#reportTimer = undefined;
    if (this.#unreported === 0) return;
    const n = this.#unreported;
    this.#unreported = 0;
    this.#report(
      new AuditLossError(
        n,
        `Audit store: ${n} events dropped, never written (queue bound ${this.#o.queueSize}; ${this.#lostTotal} since start)`,
      ),
    );
  }

  #report(error: Error): void {
    try {
      this.#o.onError(error);
    } catch {
      // The integrator's logger threw; nothing left to report to.
    }
  }
}
