/**
 * The change feed of the Redis token store: one server subscription per store, fanned out to its
 * listeners, with the heartbeat that proves it alive and the retry that restores it.
 */
import type { StoreChange } from '../core/store.ts';
import { HEARTBEAT } from './redis-lua.ts';
import type { RedisArg, RedisPort } from './redis-port.ts';
import { bounded, type RedisScript } from './redis-script.ts';
import { parseChange } from './redis-token-codec.ts';

/** Delay between attempts to subscribe while Redis is unreachable, ms. */
const RETRY_MS = 1000;

/** What the feed needs from its store. */
export interface ChangeFeedOptions {
  readonly port: RedisPort;
  /** Runs a store script (the heartbeat). */
  readonly run: (script: RedisScript, args: readonly RedisArg[]) => Promise<unknown>;
  /** The channel every change is published on. */
  readonly changes: string;
  /** This store's own heartbeat channel. */
  readonly heartbeats: string;
  readonly timeoutMs: number;
  readonly heartbeatMs: number;
}

/** The store's `subscribe` and `close`. */
export interface ChangeFeed {
  subscribe(listener: (change: StoreChange) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Creates the change feed of one store; nothing is subscribed until the first listener arrives. */
export function changeFeed({ port, run, changes, heartbeats, timeoutMs, heartbeatMs }: ChangeFeedOptions): ChangeFeed {
  // One server subscription per store, fanned out to its listeners. Each listener sees `seq`
  // strictly increasing (heartbeats repeat the last one). If the server's counter goes back — a
  // restart without persistence, a failover that lost writes — the numbering is shifted so the
  // next delivery shows a gap, which makes keycard drop its cache: exactly the right reaction.
  const listeners = new Set<(change: StoreChange) => void>();
  let subscription: Promise<() => Promise<void>> | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let beating = false;
  let lastRaw = -1;
  let lastOut = -1;
  let offset = 0;
  let queue: Promise<unknown> = Promise.resolve();
  /** Subscribe and unsubscribe one at a time, so a listener arriving as the last one leaves is served. */
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = queue.then(op, op);
    queue = next.catch(() => {});
    return next;
  };

  const deliver = (raw: number, make: (seq: number) => StoreChange, heartbeat: boolean) => {
    if (lastRaw >= 0 && (heartbeat ? raw < lastRaw : raw <= lastRaw)) offset = lastOut + 2 - raw;
    const seq = raw + offset;
    lastRaw = raw;
    if (seq < lastOut || (!heartbeat && seq === lastOut)) return;
    lastOut = seq;
    const change = make(seq);
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's bug must not stop the others.
      }
    }
  };
  const onMessage = (channel: string, message: string) => {
    if (channel === heartbeats) {
      const raw = Number(message);
      if (Number.isSafeInteger(raw)) deliver(raw, (seq) => ({ type: 'heartbeat', seq }), true);
      return;
    }
    const change = parseChange(message);
    if (change) deliver(change.seq, (seq) => ({ ...change, seq }), false);
  };
  const beat = () => {
    if (beating) return;
    beating = true;
    run(HEARTBEAT, [heartbeats])
      .catch(() => {}) // an outage shows as silence, which keycard acts on; nothing to report per beat
      .finally(() => (beating = false));
  };
  const start = () =>
    serial(async () => {
      if (subscription) return;
      // A handler of its own per attempt: a timed-out attempt that completes later unsubscribes
      // only itself, never the attempt that replaced it.
      const pending = port.subscribe([changes, heartbeats], (channel, message) => onMessage(channel, message));
      subscription = bounded(pending, timeoutMs, 'Redis token store subscribe');
      try {
        await subscription;
      } catch (e) {
        subscription = null;
        void pending.then((undo) => undo()).catch(() => {}); // if it completes after the deadline
        throw e;
      }
      timer = setInterval(beat, heartbeatMs);
      (timer as { unref?: () => void }).unref?.();
      beat();
    });
  /**
   * Subscribes now, or keeps trying every second while anyone listens. keycard is told it is
   * subscribed either way: until heartbeats arrive it trusts no cached record (it reads the
   * store), so a Redis that is down when the app starts costs cache hits, never a missed
   * revocation, and notifications start by themselves when Redis comes up.
   */
  const ensure = async (): Promise<void> => {
    try {
      await start();
    } catch {
      if (retry !== null || listeners.size === 0) return;
      retry = setTimeout(() => {
        retry = null;
        if (listeners.size > 0) void ensure();
      }, RETRY_MS);
      (retry as { unref?: () => void }).unref?.();
    }
  };
  const stop = () =>
    serial(async () => {
      if (retry !== null && listeners.size === 0) clearTimeout(retry);
      if (listeners.size === 0) retry = null;
      if (listeners.size > 0 || !subscription) return;
      if (timer) clearInterval(timer);
      timer = null;
      const undo = await subscription.catch(() => null);
      subscription = null;
      if (undo) await bounded(undo(), timeoutMs, 'Redis token store unsubscribe');
    });

  return {
    async subscribe(listener: (change: StoreChange) => void) {
      listeners.add(listener);
      await ensure();
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        listeners.delete(listener);
        await stop();
      };
    },
    async close() {
      listeners.clear();
      await stop();
    },
  };
}
