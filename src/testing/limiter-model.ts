import type { LimitDecision } from '../core/limiter.ts';
import { checkArguments } from '../core/arguments-check.ts';

/**
 * A brute-force reference model of the limiter (SPEC §5, docs/rate-limits.md): it keeps every
 * admitted timestamp and answers from the whole history, with no ring, no head and no
 * incremental arithmetic, so a store that agrees with it on every decision implements the
 * algorithm. Used by the conformance suite and the property tests; far too slow for serving.
 */
export class LimiterModel {
  readonly #keys = new Map<string, { windowMs: number; admitted: number[]; epochStart: number }>();

  /**
   * Decide one request to `key` at `now` exactly as a store must, and record it if admitted.
   * `now` must not decrease between calls.
   */
  consume(key: string, limit: number, windowSeconds: number, now: number): LimitDecision {
    const windowMs = windowSeconds * 1000;
    let history = this.#keys.get(key);
    if (history === undefined) {
      history = { windowMs, admitted: [], epochStart: 0 };
      this.#keys.set(key, history);
    } else if (history.windowMs !== windowMs) {
      throw new Error('LimiterModel: changing the window of a key is not modelled');
    }
    const h = history;
    if (admitsAt(h, limit, now)) {
      if (resets(h, now)) h.epochStart = h.admitted.length;
      h.admitted.push(now);
      // The next unit comes back when the oldest counted admission's sub-window stops counting,
      // or when everything resets a window after this admission.
      const g = windowMs / 10;
      const oldest = epoch(h).find((t) => (Math.floor(t / g) + 1) * g > now - windowMs) ?? now;
      const nextUnit = Math.min(now + windowMs, (Math.floor(oldest / g) + 1) * g + windowMs);
      return {
        allowed: true,
        remaining: limit - counted(h, now),
        resetSeconds: Math.max(1, Math.ceil((nextUnit - now) / 1000)),
        retryAfterMs: 0,
        retryAfterSeconds: 0,
      };
    }
    // The admission predicate only changes where the last admission leaves the window or where a
    // sub-window stops being counted; try those instants in order and take the first that admits.
    const g = windowMs / 10;
    const candidates = [lastOf(h) + windowMs, ...epoch(h).map((t) => (Math.floor(t / g) + 1) * g + windowMs)]
      .filter((u) => u > now)
      .sort((a, b) => a - b);
    const u = candidates.find((c) => admitsAt(h, limit, c));
    if (u === undefined) throw new Error('LimiterModel: no admission time found');
    const retryAfterSeconds = Math.max(1, Math.ceil((u - now) / 1000));
    return { allowed: false, remaining: 0, resetSeconds: retryAfterSeconds, retryAfterMs: u - now, retryAfterSeconds };
  }

  /** Would a request to `key` at `u` be admitted, given the history so far and no other traffic? */
  wouldAdmit(key: string, limit: number, u: number): boolean {
    const h = this.#keys.get(key);
    return h === undefined || admitsAt(h, limit, u);
  }

  /** Every admission time of `key`, in order. */
  admissions(key: string): readonly number[] {
    return this.#keys.get(key)?.admitted ?? [];
  }

  /** Keys that were ever charged. */
  keys(): string[] {
    return [...this.#keys.keys()];
  }
}

interface History {
  windowMs: number;
  admitted: number[];
  epochStart: number;
}

const lastOf = (h: History): number => h.admitted.at(-1) ?? -Infinity;
const epoch = (h: History): number[] => h.admitted.slice(h.epochStart);
/** Rule 1: nothing admitted in (u − W, u]. */
const resets = (h: History, u: number): boolean => !(lastOf(h) > u - h.windowMs);

/** Admissions since the last reset whose sub-window ends after u − W. */
function counted(h: History, u: number): number {
  const g = h.windowMs / 10;
  return epoch(h).filter((t) => (Math.floor(t / g) + 1) * g > u - h.windowMs).length;
}

function admitsAt(h: History, limit: number, u: number): boolean {
  return resets(h, u) || counted(h, u) < limit;
}

/**
 * The most admissions in any interval (s, s + W] of `times` (sorted ascending). Only intervals
 * ending at an admission need checking: sliding s up to the next admission loses nothing.
 */
export function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  checkArguments(
    'maxInAnyWindow',
    ['times', Array.isArray(times), 'an array of times in milliseconds', times],
    ['windowMs', typeof windowMs === 'number', 'a number of milliseconds', windowMs],
  );
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    const end = times[hi] ?? 0;
    while ((times[lo] ?? 0) <= end - windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/**
 * A small seeded PRNG (mulberry32) so a conformance run is reproducible under any test runner
 * without a property-testing library.
 */
export function seededRandom(seed: number): () => number {
  checkArguments('seededRandom', ['seed', typeof seed === 'number', 'a number', seed]);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
