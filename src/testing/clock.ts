/**
 * A clock tests drive by hand: wall time and monotonic time advance together, and nothing moves
 * unless the test says so.
 */
import { checkArguments } from '../core/arguments-check.ts';
import type { Clock } from '../core/clock.ts';

/** A controllable `Clock`. */
export interface FakeClock extends Clock {
  /** Moves both clocks forward by `ms`. */
  advance(ms: number): void;
  /** Sets the wall clock (e.g. an NTP jump); the monotonic clock is unchanged. */
  setNow(epochMs: number): void;
}

/**
 * Creates a fake clock starting at `start` (epoch ms).
 *
 * @example Expiring a token without waiting
 * ```ts
 * const clock = fakeClock();
 * const keycard = createKeycard({ prefix: 'acme', scopes, clock });
 * clock.advance(30 * 86_400_000);
 * ```
 */
export function fakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  checkArguments('fakeClock', ['start', Number.isFinite(start), 'a time in epoch milliseconds (a number)', start]);
  let wall = start;
  let mono = 1_000_000;
  return {
    now: () => wall,
    monotonic: () => mono,
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError('advance() takes a non-negative number of ms');
      wall += ms;
      mono += ms;
    },
    setNow(epochMs) {
      wall = epochMs;
    },
  };
}
