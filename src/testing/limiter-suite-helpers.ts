/**
 * The shared parts of the `LimiterStore` conformance suite: its public option and runner types, the
 * per-suite context every section takes (a fresh store per test over a suite-driven clock, every
 * decision checked against the reference model), and the decision view a failure prints.
 */
import type { LimitDecision, LimiterStore } from '../core/limiter.ts';
import { LimiterModel } from './limiter-model.ts';

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

/** Builds a fresh store wired to the suite-driven clock. */
export type LimiterFactory = (clock: ControlledClock) => LimiterStore | Promise<LimiterStore>;

/** What a test body drives: the clock, and `consume` checked call by call against the model. */
export interface Harness {
  readonly now: number;
  at(time: number): void;
  consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision>;
  readonly model: LimiterModel;
}

/** What every section of the suite takes: the runner, the options and the per-test store wrapper. */
export interface LimiterSuiteContext {
  readonly t: SuiteRunner;
  readonly histories: number;
  readonly firstSeed: number;
  readonly withStore: (body: (h: Harness) => Promise<void>) => () => Promise<void>;
}

/** Builds the context of one suite run over `factory`: a section can be registered alone with it. */
export function limiterSuiteContext(
  t: SuiteRunner,
  factory: LimiterFactory,
  options: LimiterConformanceOptions = {},
): LimiterSuiteContext {
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

  return { t, histories, firstSeed, withStore };
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
