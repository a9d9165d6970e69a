// Part 2 — the limiter alone: keycard's memory limiter against the floor's two-bucket window,
// rate-limiter-flexible's RateLimiterMemory, express-rate-limit's MemoryStore and
// hono-rate-limiter's MemoryStore; per call over 1 or 10,000 keys, and bytes retained per key.
// Every limiter is driven through its own public API, awaited where that API is async.

import { memoryLimiter } from '../../dist/index.js';
import { limiterKeys, now, since } from '../lib/common.js';
import { floorLimiter } from '../lib/floor.js';

const gc = globalThis.gc;
const LIMIT = 1_000_000_000; // nothing is refused
const WINDOW = 60;

/**
 * Each maker returns `{ charge(key) → boolean | Promise<boolean>, async: boolean, size() }`:
 * one admission under LIMIT per WINDOW seconds, true when admitted.
 */
const makers = {
  async keycard() {
    const limiter = memoryLimiter();
    return {
      sync: true,
      charge: (key) => limiter.consume(key, LIMIT, WINDOW).allowed,
      size: () => limiter.size(),
      close: () => limiter.close(),
    };
  },
  async floor() {
    const limiter = floorLimiter();
    return { sync: true, charge: (key) => limiter.consume(key, LIMIT, WINDOW) >= 0, size: () => limiter.size() };
  },
  async rlf() {
    const { RateLimiterMemory } = await import('rate-limiter-flexible');
    const limiter = new RateLimiterMemory({ points: LIMIT, duration: WINDOW });
    return {
      sync: false,
      // consume() rejects when refused; nothing is refused here.
      charge: (key) => limiter.consume(key).then(() => true),
      size: () => limiter._memoryStorage._storage.size,
      // Its records each hold a timer until their window ends: clear them, so that one memory
      // repeat's records cannot be freed during the next one's readings.
      close() {
        for (const record of limiter._memoryStorage._storage.values()) clearTimeout(record.timeoutId);
        limiter._memoryStorage._storage.clear();
      },
    };
  },
  async erl() {
    const { MemoryStore } = await import('express-rate-limit');
    const store = new MemoryStore();
    store.init({ windowMs: WINDOW * 1000 });
    return {
      sync: false,
      charge: (key) => store.increment(key).then((c) => c.totalHits <= LIMIT),
      size: () => store.current.size + store.previous.size,
      close: () => store.shutdown(),
    };
  },
  async hrl() {
    const { MemoryStore } = await import('hono-rate-limiter');
    const store = new MemoryStore();
    store.init({ windowMs: WINDOW * 1000 });
    return {
      sync: true,
      charge: (key) => store.increment(key).totalHits <= LIMIT,
      size: () => store.current.size + store.previous.size,
      close: () => store.shutdown?.(),
    };
  },
};

/** Per-call time over `keys` keys charged round-robin (all tracked before the first round). */
function perCall(kind) {
  return async ({ keys: keyCount = 1, seed = 11 }) => {
    const limiter = await makers[kind]();
    const keys = limiterKeys(keyCount, seed);
    for (const k of keys) await limiter.charge(k);
    const { charge } = limiter;
    return {
      info: { keys: keyCount, startN: 100_000 },
      round: limiter.sync
        ? async (n) => {
            gc();
            let ok = 0;
            let j = 0;
            const t0 = now();
            for (let i = 0; i < n; i++) {
              if (charge(keys[j])) ok++;
              if (++j === keyCount) j = 0;
            }
            const ns = since(t0);
            if (ok !== n) throw new Error(`${kind} admitted ${ok} of ${n}`);
            return { ns, ops: n };
          }
        : async (n) => {
            gc();
            let ok = 0;
            let j = 0;
            const t0 = now();
            for (let i = 0; i < n; i++) {
              if (await charge(keys[j])) ok++;
              if (++j === keyCount) j = 0;
            }
            const ns = since(t0);
            if (ok !== n) throw new Error(`${kind} admitted ${ok} of ${n}`);
            return { ns, ops: n };
          },
      close: () => limiter.close?.(),
    };
  };
}

/**
 * Bytes retained per tracked key: `process.memoryUsage()` heapUsed + arrayBuffers after `gc()`,
 * before and after creating a fresh limiter and charging each of `keys` keys once; the key strings
 * are built (flat, hashed) before the first reading and kept alive, so they are not counted (a
 * key a library builds for itself, such as a prefixed copy, is its state and is counted).
 */
function memory(kind) {
  return async ({ keys: keyCount = 100_000, seed = 13 }) => {
    const keys = limiterKeys(keyCount, seed);
    const reading = () => {
      const m = process.memoryUsage();
      return { heap: m.heapUsed, ab: m.arrayBuffers };
    };
    return {
      info: { keys: keyCount },
      async round() {
        gc();
        gc();
        const before = reading();
        let limiter = await makers[kind]();
        for (let i = 0; i < keyCount; i++) {
          const r = limiter.charge(keys[i]);
          if (!limiter.sync) await r;
        }
        gc();
        gc();
        const after = reading();
        const size = limiter.size(); // also keeps the limiter alive past the second reading
        await limiter.close?.();
        limiter = null;
        if (size !== null && size !== keyCount) throw new Error(`${kind} tracks ${size} keys`);
        void keys.length; // keep the key strings alive through every reading
        const heapPerKey = (after.heap - before.heap) / keyCount;
        const abPerKey = (after.ab - before.ab) / keyCount;
        return { heapPerKey, abPerKey, bytesPerKey: heapPerKey + abPerKey, ns: 1, ops: 1 };
      },
    };
  };
}

export const contenders = Object.fromEntries(
  Object.keys(makers).flatMap((k) => [
    [k, perCall(k)],
    [`${k}Memory`, memory(k)],
  ]),
);
