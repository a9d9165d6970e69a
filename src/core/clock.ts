/**
 * The two times keycard reads, injected so tests can drive them.
 *
 * - `now()` is the application's wall clock in epoch milliseconds: expiry, grace periods,
 *   `createdAt`, audit timestamps. It may jump (NTP); that is what users mean by "expires at".
 * - `monotonic()` never goes backwards: throttles, cache staleness and in-memory rate limits.
 */
export interface Clock {
  now(): number;
  monotonic(): number;
}

/** The real clocks: `Date.now()` and `performance.now()` (Web standard, every runtime has it). */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};
