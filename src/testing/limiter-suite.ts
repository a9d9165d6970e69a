import type { LimitDecision, LimiterStore } from '../core/limiter.ts';
import { LimiterModel, maxInAnyWindow, seededRandom } from './limiter-model.ts';

/** The few test-runner functions the suite needs; vitest, jest, node:test wrappers and bun all fit. */
export interface SuiteRunner {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => void | Promise<void>): void;
  expect(actual: unknown): {
    toBe(expected: unknown): void;
    toEqual(expected: unknown): void;
    toBeLessThanOrEqual(expected: number): void;
  };
}

/** The clock the suite drives: the factory wires it to the store's time source. */
export interface ControlledClock {
  /** The current time in ms; only the suite moves it, never backwards. */
  now(): number;
}

/** Options of {@link limiterConformance}. */
export interface LimiterConformanceOptions {
  /** Seeded random histories compared with the reference model. More finds more; each is a few hundred calls. @default 30 */
  histories?: number;
  /** First seed; a failure message names the seed that broke, so a run can be replayed. @default 1 */
  seed?: number;
}

type Factory = (clock: ControlledClock) => LimiterStore | Promise<LimiterStore>;

/**
 * The conformance suite every {@link LimiterStore} must pass: safety, both liveness laws,
 * exact `Retry-After`, free refusals, independent keys, and decision-by-decision agreement
 * with the brute-force {@link LimiterModel} on seeded random histories. It imports no test
 * runner: pass yours.
 *
 * The factory is called once per test with a clock the suite controls (a memory store maps it
 * to `clock.monotonic`, a shared store to its test-only time source) and must return a store
 * that has never seen the keys the suite uses; keys carry a random run prefix so a shared
 * database is fine. The store is closed after each test if it has `close`.
 *
 * @example Running it under vitest
 * ```ts
 * import { describe, it, expect } from 'vitest';
 * import { limiterConformance } from 'keycard/testing';
 * limiterConformance('memory', { describe, it, expect }, (clock) =>
 *   memoryLimiter({ clock: { now: clock.now, monotonic: clock.now } }));
 * ```
 */
export function limiterConformance(
  name: string,
  t: SuiteRunner,
  factory: Factory,
  options: LimiterConformanceOptions = {},
): void {
  const histories = options.histories ?? 30;
  const firstSeed = options.seed ?? 1;
  const run = `kc-conformance-${Math.random().toString(36).slice(2, 10)}`;
  let test = 0;

  /** Runs `body` against a fresh store with a suite-driven clock starting at a round-ish time. */
  const withStore = (body: (h: Harness) => Promise<void>) => async () => {
    let now = 1_000_000_000;
    const prefix = `${run}:${test++}:`;
    const store = await factory({ now: () => now });
    const model = new LimiterModel();
    const harness: Harness = {
      get now() {
        return now;
      },
      at(time: number) {
        if (time < now) throw new Error('conformance suite bug: clock moved backwards');
        now = time;
      },
      async consume(key, limit, windowSeconds) {
        const got = await store.consume(prefix + key, limit, windowSeconds);
        const want = model.consume(key, limit, windowSeconds, now);
        t.expect(view(key, now, got)).toEqual(view(key, now, want));
        return got;
      },
      model,
    };
    try {
      await body(harness);
    } finally {
      await store.close?.();
    }
  };

  t.describe(`LimiterStore conformance: ${name}`, () => {
    t.it(
      'admits a burst of `limit` at one instant, then refuses with Retry-After ≥ 1',
      withStore(async (h) => {
        for (let i = 0; i < 5; i++) t.expect((await h.consume('a', 5, 10)).allowed).toBe(true);
        const refused = await h.consume('a', 5, 10);
        t.expect(refused.allowed).toBe(false);
        t.expect(refused.remaining).toBe(0);
        t.expect(refused.retryAfterSeconds).toBe(10);
        t.expect(refused.resetSeconds).toBe(refused.retryAfterSeconds);
      }),
    );

    t.it(
      'counts down `remaining` and reports the window as `resetSeconds` while admitting',
      withStore(async (h) => {
        for (let i = 1; i <= 3; i++) {
          const d = await h.consume('a', 3, 7);
          t.expect([d.allowed, d.remaining, d.resetSeconds, d.retryAfterMs, d.retryAfterSeconds]).toEqual([
            true,
            3 - i,
            7,
            0,
            0,
          ]);
        }
      }),
    );

    t.it(
      'admits exactly at now + retryAfterMs and not a millisecond before',
      withStore(async (h) => {
        h.at(h.now + 123);
        for (let i = 0; i < 3; i++) await h.consume('a', 3, 2);
        h.at(h.now + 450);
        const refused = await h.consume('a', 3, 2);
        t.expect(refused.allowed).toBe(false);
        const at = h.now + refused.retryAfterMs;
        h.at(at - 1);
        t.expect((await h.consume('a', 3, 2)).allowed).toBe(false);
        h.at(at);
        t.expect((await h.consume('a', 3, 2)).allowed).toBe(true);
      }),
    );

    t.it(
      'a refusal charges nothing',
      withStore(async (h) => {
        const start = h.now;
        t.expect((await h.consume('a', 1, 1)).allowed).toBe(true);
        for (let i = 0; i < 50; i++) {
          h.at(h.now + 19);
          t.expect((await h.consume('a', 1, 1)).allowed).toBe(false);
        }
        h.at(start + 1000); // a window after the only admission; a charged refusal would still block
        t.expect((await h.consume('a', 1, 1)).allowed).toBe(true);
      }),
    );

    t.it(
      'after a window with no admission, `limit` requests at one instant are all admitted (liveness a)',
      withStore(async (h) => {
        // Fill the sub-window that will straddle the next window's start, then go idle for exactly W.
        h.at(h.now + 950);
        for (let i = 0; i < 4; i++) await h.consume('a', 4, 1);
        h.at(h.now + 1000);
        for (let i = 0; i < 4; i++) t.expect((await h.consume('a', 4, 1)).allowed).toBe(true);
      }),
    );

    t.it(
      'never refuses requests spaced W / (0.9 · limit) apart (liveness b)',
      withStore(async (h) => {
        for (const [limit, window] of [
          [1, 1],
          [7, 3],
          [20, 5],
          [13, 2],
        ] as const) {
          const gap = Math.ceil((10 * window * 1000) / (9 * limit));
          for (let i = 0; i < 4 * limit + 5; i++) {
            t.expect((await h.consume(`b${limit}`, limit, window)).allowed).toBe(true);
            h.at(h.now + gap);
          }
        }
      }),
    );

    t.it(
      'keeps keys independent',
      withStore(async (h) => {
        for (let i = 0; i < 2; i++) await h.consume('x', 2, 5);
        t.expect((await h.consume('x', 2, 5)).allowed).toBe(false);
        t.expect((await h.consume('y', 2, 5)).allowed).toBe(true);
      }),
    );

    t.it(
      `agrees with the reference model on ${histories} seeded random histories`,
      withStore(async (h) => {
        for (let n = 0; n < histories; n++) {
          const seed = firstSeed + n;
          const random = seededRandom(seed);
          const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
          const keys = int(1, 3);
          const policies = Array.from({ length: keys }, () => ({ limit: int(1, 20), window: int(1, 5) }));
          const steps = int(50, 250);
          let pending: { key: number; at: number } | undefined;
          for (let s = 0; s < steps; s++) {
            const k = pending?.key ?? int(0, keys - 1);
            const policy = policies[k] ?? { limit: 1, window: 1 };
            const W = policy.window * 1000;
            if (pending !== undefined) {
              h.at(Math.max(h.now, pending.at));
              pending = undefined;
            } else {
              const r = random();
              const gap =
                r < 0.35
                  ? 0
                  : r < 0.6
                    ? int(0, W / 10)
                    : r < 0.8
                      ? int(0, W)
                      : r < 0.9
                        ? int(0, 2 * W)
                        : (Math.floor(h.now / (W / 10)) + int(1, 11)) * (W / 10) + int(-1, 1) - h.now; // a sub-window edge
              h.at(h.now + Math.max(0, gap));
            }
            const key = `s${seed}:${k}`;
            const d = await h.consume(key, policy.limit, policy.window);
            if (!d.allowed && random() < 0.3) {
              // Land on the advertised instant, or just before it.
              pending = { key: k, at: h.now + d.retryAfterMs - (random() < 0.5 ? 1 : 0) };
            }
          }
          for (let k = 0; k < keys; k++) {
            const policy = policies[k] ?? { limit: 1, window: 1 };
            const admitted = h.model.admissions(`s${seed}:${k}`);
            t.expect({ seed, key: k, most: maxInAnyWindow(admitted, policy.window * 1000) <= policy.limit }).toEqual({
              seed,
              key: k,
              most: true,
            });
          }
        }
      }),
    );
  });
}

interface Harness {
  readonly now: number;
  at(time: number): void;
  consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision>;
  readonly model: LimiterModel;
}

/** The part of a decision a store must reproduce exactly (named, so a failure shows which call). */
function view(key: string, now: number, d: LimitDecision) {
  return {
    key,
    now,
    allowed: d.allowed,
    remaining: d.remaining,
    resetSeconds: d.resetSeconds,
    retryAfterMs: d.retryAfterMs,
    retryAfterSeconds: d.retryAfterSeconds,
  };
}
