/**
 * The conformance suite of the `LimiterStore` port: the laws are registered by section (decisions,
 * liveness, seeded histories against the model), each runnable alone with `limiterSuiteContext`.
 */
import {
  limiterSuiteContext,
  type LimiterConformanceOptions,
  type LimiterFactory,
  type SuiteRunner,
} from './limiter-suite-helpers.ts';
import { historiesSection } from './limiter-suite-histories.ts';
import { decisionSection, livenessSection } from './limiter-suite-laws.ts';
import { checkSuite } from './arguments.ts';

export type { SuiteRunner, ControlledClock, LimiterConformanceOptions } from './limiter-suite-helpers.ts';
export { decisionSection, historiesSection, limiterSuiteContext, livenessSection };

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
 */ export function limiterConformance(
  name: string,
  t: SuiteRunner,
  factory: LimiterFactory,
  options: LimiterConformanceOptions = {},
): void {
  checkSuite('limiterConformance', name, t, factory);
  const ctx = limiterSuiteContext(t, factory, options);
  t.describe(`LimiterStore conformance: ${name}`, () => {
    decisionSection(ctx);
    livenessSection(ctx);
    historiesSection(ctx);
  });
}
