/**
 * "Wider" for rate limits (issue 11): a token actor never grants a limit above its own. A limit
 * is within another when, for reads and for writes, neither its burst (`limit`) nor its rate
 * (`limit / window`) is higher — and when the bound is one shared budget but the candidate has
 * two, their sum is compared, since the two budgets are spent independently.
 */
import type { LimitPolicy, RateLimitConfig } from './limiter.ts';

const burstAndRateWithin = (limit: number, rate: number, bound: LimitPolicy) =>
  limit <= bound.limit && rate <= bound.limit / bound.windowSeconds;

const rateOf = (p: LimitPolicy) => p.limit / p.windowSeconds;

/** True when `candidate` admits no more, in burst or in rate, than `bound`, for reads and for writes. */
export function limitWithin(candidate: RateLimitConfig, bound: RateLimitConfig): boolean {
  if (bound.shared && !candidate.shared) {
    const limit = candidate.read.limit + candidate.write.limit;
    return burstAndRateWithin(limit, rateOf(candidate.read) + rateOf(candidate.write), bound.read);
  }
  return (
    burstAndRateWithin(candidate.read.limit, rateOf(candidate.read), bound.read) &&
    burstAndRateWithin(candidate.write.limit, rateOf(candidate.write), bound.write)
  );
}
