/**
 * The `lastUsedAt` throttle: at most one store write per token per `touchIntervalMs`, written in
 * the background and tracked so `close()` can flush what is pending.
 */
import type { CacheEntry } from './cache.ts';
import type { Clock } from './clock.ts';
import type { TokenStore } from './store.ts';
import { within } from './bounded.ts';

/** What the throttle needs from the instance. */
export interface TouchDeps {
  readonly store: TokenStore;
  readonly clock: Clock;
  readonly call: <T>(what: string, f: () => T | Promise<T>) => T | Promise<T>;
  readonly onRequestError: (error: unknown) => void;
  readonly touchIntervalMs: number;
  /** With a cache, the last write's time lives on the cache entry; without one, in a bounded Map. */
  readonly cacheEnabled: boolean;
}

/** The throttle of one instance. */
export interface Toucher {
  touch(id: string, entry: CacheEntry, now: number): void;
  /** Tracks a background write so `close()` and `flush()` can wait for it. */
  track(p: Promise<unknown>): void;
  /**
   * Resolves once the writes begun in the last `ms` have settled, or `ms` has passed. An older one
   * still pending is one whose deadline never ran (a runtime stopped the work of its request): it
   * is forgotten, not waited for.
   */
  settled(ms: number): Promise<void>;
}

/** Builds the `lastUsedAt` throttle of one instance. */
export function createToucher(deps: TouchDeps): Toucher {
  const { store, clock, call, onRequestError, touchIntervalMs, cacheEnabled } = deps;
  const lastTouch = new Map<string, number>();
  /** Each write in flight, with when it began (`performance.now()`: real, monotonic time, whatever the clock). */
  const pending = new Map<Promise<unknown>, number>();
  const track = (p: Promise<unknown>) => {
    pending.set(p, performance.now());
    void p.finally(() => pending.delete(p));
  };
  const settled = (ms: number) => {
    const now = performance.now();
    const fresh: Promise<unknown>[] = [];
    for (const [p, began] of pending)
      if (now - began > ms) pending.delete(p);
      else fresh.push(p);
    return within(
      Promise.allSettled(fresh).then(() => undefined),
      ms,
    );
  };
  /**
   * Writes due this tick, flushed together in one microtask: a burst of first uses (a cold cache)
   * costs one promise chain, not four promises a token (bench/: ~3 µs a store miss).
   */
  const due = new Map<string, number>();
  const flush = (): Promise<unknown> | undefined => {
    let writes: Promise<unknown>[] | undefined;
    for (const [id, at] of due) {
      try {
        const r = call('Token store touch', () => store.touch(id, at));
        if (r instanceof Promise) (writes ??= []).push(r.catch(onRequestError));
      } catch (e) {
        onRequestError(e);
      }
    }
    due.clear();
    return writes && Promise.all(writes);
  };
  /** Throttled `lastUsedAt`: the last write's time lives on the cache entry (a Map only without a cache). */
  const touch = (id: string, entry: CacheEntry, now: number) => {
    const last = cacheEnabled ? entry.touchedAt : lastTouch.get(id);
    if (last !== undefined && now - last < touchIntervalMs) return;
    if (cacheEnabled) entry.touchedAt = now;
    else {
      if (lastTouch.size >= 100_000) lastTouch.clear(); // bounded; at worst one extra write per token
      lastTouch.set(id, now);
    }
    if (due.size === 0) track(Promise.resolve().then(flush));
    due.set(id, clock.now());
  };
  return { touch, track, settled };
}
