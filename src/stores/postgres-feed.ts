/**
 * The change feed of the Postgres store: turns the numbered rows of `keycard_changes` into
 * `subscribe` deliveries, in order, each exactly once, with heartbeats.
 *
 * Every ≤ 250 ms a poll reads the change counter and any changes after the last one delivered (one
 * small query, one snapshot). What it reads is delivered, then a heartbeat carrying the latest
 * number: a heartbeat therefore always means "the store was reachable just now and you have every
 * change up to here". In `listen` mode, each NOTIFY wakes a poll at once (its payload is only a
 * wake-up: see `#wake`); the timed poll still runs, as the heartbeat and as the safety net for
 * a lost notification or a dead LISTEN connection (which it re-establishes). Writes made through
 * this store are delivered before they resolve.
 *
 * Order: numbers are gapless and follow commit order (see `postgres-sql.ts`), so a change that
 * arrives ahead of its predecessor waits in `pending` until the table yields the missing one. A
 * number that is no longer in the table (pruned while this process was away) is skipped; the
 * subscriber sees the jump in `seq` and drops its cache.
 */
import type { StoreChange } from '../core/store.ts';
import type { SqlPort } from './postgres-port.ts';
import { toChange } from './postgres-rows.ts';
import { POLL_BATCH, pollStatement, pruneStatement } from './postgres-sql.ts';

/** How the feed runs; validated by the store. */
export interface FeedOptions {
  readonly mode: 'listen' | 'poll';
  readonly channel: string;
  readonly pollIntervalMs: number;
  readonly retentionMs: number;
  readonly onError: (error: unknown) => void;
}

type Listener = (change: StoreChange) => void;

/** Polls between LISTEN attempts while the LISTEN connection is down (≈ 1 s at the default interval). */
const LISTEN_RETRY_TICKS = 5;
/** Longest wait for a LISTEN connection before the attempt counts as failed. */
const LISTEN_TIMEOUT_MS = 2_000;
/** How long `subscribe` waits for the first poll before resolving anyway (the feed keeps trying). */
const FIRST_POLL_WAIT_MS = 2_000;
/** Changes held while waiting for a predecessor; beyond this they are dropped (the poll re-reads them). */
const MAX_PENDING = 10_000;

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    (t as { unref?: () => void }).unref?.();
  });

export class ChangeFeed {
  readonly #port: SqlPort;
  readonly #options: FeedOptions;
  readonly #listeners = new Set<Listener>();
  /** Highest number delivered (or the baseline a new subscription starts from); -1: not known yet. */
  #lastSeq = -1;
  readonly #pending = new Map<number, StoreChange>();
  /** Bumped by every start and stop: late answers of an older run are ignored. */
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #ticks = 0;
  #running = false;
  #inFlight: { readonly generation: number; readonly done: Promise<void> } | null = null;
  #again = false;
  #listen: 'off' | 'starting' | 'on' = 'off';
  #unlisten: (() => Promise<void>) | null = null;
  /** True while polls fail: a failure is reported once per outage, not every tick. */
  #failing = false;

  constructor(port: SqlPort, options: FeedOptions) {
    this.#port = port;
    this.#options = options;
  }

  /** Adds a listener; the first one starts polling (and listening) and waits, boundedly, for the first poll. */
  async subscribe(listener: Listener): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    if (!this.#running) {
      this.#running = true;
      this.#ticks = 0;
      const generation = ++this.#generation;
      await Promise.race([this.#tick(generation), delay(FIRST_POLL_WAIT_MS)]);
    }
    return async () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) await this.stop();
    };
  }

  /** Stops polling and listening, and forgets where the sequence stood. */
  async stop(): Promise<void> {
    this.#listeners.clear();
    this.#running = false;
    this.#generation++;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#lastSeq = -1;
    this.#pending.clear();
    this.#listen = 'off';
    const unlisten = this.#unlisten;
    this.#unlisten = null;
    if (unlisten) await unlisten().catch(this.#options.onError);
  }

  /**
   * A change this process just committed: delivered before the write resolves when it is next in
   * line; otherwise after the poll that fetches its predecessors.
   */
  async committed(change: StoreChange): Promise<void> {
    if (this.#listeners.size === 0) return;
    if (!this.#offer(change)) await this.#poll(this.#generation);
  }

  /** One beat: (re)LISTEN when due, poll, prune now and then, schedule the next beat. */
  async #tick(generation: number): Promise<void> {
    try {
      if (this.#options.mode === 'listen' && this.#listen === 'off' && this.#ticks % LISTEN_RETRY_TICKS === 0) {
        // The first time, LISTEN before the baseline poll so the first changes arrive by NOTIFY.
        // Afterwards never hold the heartbeat up for it: the poll covers what LISTEN misses.
        const listening = this.#startListening(generation);
        if (this.#ticks === 0) await listening;
      }
      await this.#poll(generation);
      const pruneEvery = Math.max(1, Math.round(60_000 / this.#options.pollIntervalMs));
      if (this.#ticks % pruneEvery === pruneEvery - 1 && !this.#failing) {
        const { text, params } = pruneStatement(this.#options.retentionMs);
        void this.#port.query(text, params).catch(this.#options.onError);
      }
    } finally {
      this.#ticks++;
      if (generation === this.#generation) {
        this.#timer = setTimeout(() => void this.#tick(generation), this.#options.pollIntervalMs);
        (this.#timer as { unref?: () => void }).unref?.();
      }
    }
  }

  async #startListening(generation: number): Promise<void> {
    const listen = this.#port.listen;
    if (!listen) return;
    this.#listen = 'starting';
    let lost = false;
    const attempt = listen.call(
      this.#port,
      this.#options.channel,
      () => this.#wake(generation),
      (error) => {
        lost = true;
        if (generation !== this.#generation) return;
        this.#listen = 'off';
        this.#unlisten = null;
        this.#options.onError(error);
      },
    );
    let unlisten: () => Promise<void>;
    try {
      unlisten = await Promise.race([
        attempt,
        delay(LISTEN_TIMEOUT_MS).then(() => {
          throw new Error(`LISTEN did not start within ${LISTEN_TIMEOUT_MS} ms`);
        }),
      ]);
    } catch (error) {
      // A late success must not leave a connection listening for nobody.
      void attempt
        .then(
          (u) => u(),
          () => {},
        )
        .catch(() => {});
      if (generation === this.#generation) {
        this.#listen = 'off';
        this.#report(error);
      }
      return;
    }
    if (generation !== this.#generation || lost) {
      await unlisten().catch(() => {});
      if (generation === this.#generation) this.#listen = 'off';
      return;
    }
    this.#unlisten = unlisten;
    this.#listen = 'on';
  }

  /**
   * A notification on the channel wakes a poll; its payload is never delivered. The channel is
   * database-wide: keycard tables in another schema announce on it with their own numbering, and
   * any role may NOTIFY any channel. A payload taken for our change N would move the sequence past
   * our own change N, which every later poll would then skip (a lost revocation).
   */
  #wake(generation: number): void {
    if (generation === this.#generation && this.#listeners.size > 0) void this.#poll(generation);
  }

  /** Delivers `change` if it is next in line (true); holds it if a predecessor is missing (false). */
  #offer(change: StoreChange): boolean {
    if (this.#lastSeq >= 0 && change.seq <= this.#lastSeq) return true;
    if (this.#lastSeq < 0 || change.seq === this.#lastSeq + 1) {
      this.#deliver(change);
      this.#drainPending(this.#lastSeq);
      return true;
    }
    if (this.#pending.size < MAX_PENDING) this.#pending.set(change.seq, change);
    return false;
  }

  /**
   * Polls now; a poll already running is followed by one more, and the caller waits for both. A
   * request heard during the last of a caller's bounded run is not dropped: it starts a run of its
   * own, which no caller waits for (a NOTIFY is only a wake-up, so dropping it left its change to
   * the timed poll).
   */
  #poll(generation: number): Promise<void> {
    if (this.#inFlight?.generation === generation) {
      this.#again = true;
      return this.#inFlight.done;
    }
    const run = async () => {
      // Bounded: a stream of requests cannot keep one caller waiting forever.
      for (let i = 0; i < 3; i++) {
        this.#again = false;
        const ok = await this.#pollOnce(generation);
        if (!ok) this.#again = false; // a failing store: the timed poll retries
        if (!this.#again) break;
      }
    };
    const inFlight = {
      generation,
      done: run().finally(() => {
        if (this.#inFlight !== inFlight) return;
        this.#inFlight = null;
        if (this.#again && generation === this.#generation) void this.#poll(generation);
      }),
    };
    this.#inFlight = inFlight;
    return inFlight.done;
  }

  async #pollOnce(generation: number): Promise<boolean> {
    const since = this.#lastSeq >= 0 ? this.#lastSeq : null;
    const { text, params } = pollStatement(since);
    let rows: readonly Readonly<Record<string, unknown>>[];
    try {
      rows = (await this.#port.query(text, params)).rows;
      if (rows.length === 0) throw new Error('keycard_state has no row: run migrate() first');
    } catch (error) {
      if (generation === this.#generation) this.#report(error);
      return false;
    }
    if (generation !== this.#generation) return false;
    this.#failing = false;
    const head = Number(rows[0]!['head']);
    if (since === null) {
      if (this.#lastSeq < 0)
        this.#lastSeq = head; // a new subscription starts from here
      else this.#again = true; // a change was delivered meanwhile: read what lies between
      this.#drainPending(head);
    } else {
      let last = since;
      for (const row of rows) {
        if (row['seq'] === null || row['seq'] === undefined) continue;
        const seq = Number(row['seq']);
        last = seq;
        const change = toChange(seq, row['change']);
        if (change && seq > this.#lastSeq) this.#pending.set(seq, change);
      }
      // A full batch may be followed by more: deliver up to what was read, the rest next time.
      this.#drainPending(rows.length >= POLL_BATCH ? last : head, true);
      if (rows.length >= POLL_BATCH) this.#again = true;
    }
    if (this.#lastSeq >= 0) this.#emit({ type: 'heartbeat', seq: this.#lastSeq });
    return true;
  }

  /**
   * Delivers held changes in order, each only once its predecessor has been delivered. With
   * `polled` (a poll has read every change up to `upTo`), numbers up to `upTo` that are missing
   * from the table (pruned) are passed over, and the sequence moves on to `upTo`.
   */
  #drainPending(upTo: number, polled = false): void {
    for (const seq of [...this.#pending.keys()].sort((a, b) => a - b)) {
      const change = this.#pending.get(seq)!;
      if (seq <= this.#lastSeq) {
        this.#pending.delete(seq);
        continue;
      }
      if (polled && seq > upTo && upTo > this.#lastSeq) this.#lastSeq = upTo;
      if (!(polled && seq <= upTo) && seq !== this.#lastSeq + 1) break;
      this.#pending.delete(seq);
      this.#deliver(change);
    }
    if (polled && upTo > this.#lastSeq) this.#lastSeq = upTo;
  }

  #deliver(change: StoreChange): void {
    this.#lastSeq = change.seq;
    this.#emit(change);
  }

  #emit(change: StoreChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A subscriber's bug must not stop the feed.
      }
    }
  }

  #report(error: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#options.onError(error);
  }
}
