/**
 * Mutation audit of `limiterConformance`: the memory limiter with one law broken at a time (a
 * shared budget, an off-by-one, an early reset, a charged refusal, a limit cached per key). The
 * suite must fail every one of them, and pass the limiter unmutated (test/mutants-harness.ts).
 * (The port has no cost argument: "allows cost > remaining" has nothing to break.)
 */
import { memoryLimiter } from '../src/stores/memory-limiter.ts';
import { MAX_LIMIT, type LimitDecision, type LimiterStore } from '../src/core/limiter.ts';
import { limiterConformance, type ControlledClock } from '../src/testing/limiter-suite.ts';
import { auditMutants, type Mutant } from './mutants-harness.ts';

type Factory = (clock: ControlledClock) => LimiterStore;

const real = (clock: ControlledClock) => memoryLimiter({ clock: { now: clock.now, monotonic: clock.now } });

/** The memory limiter with `consume` replaced; `inner` decides, `clock` is the suite's. */
const mutant = (
  breaks: string,
  caughtBy: string,
  consume: (
    inner: (key: string, limit: number, window: number) => LimitDecision,
    clock: ControlledClock,
  ) => (key: string, limit: number, window: number) => LimitDecision,
): Mutant<Factory> => ({
  breaks,
  caughtBy,
  factory: (clock) => {
    const inner = real(clock);
    return { consume: consume((k, l, w) => inner.consume(k, l, w), clock), close: () => inner.close() };
  },
});

/** A decision with `change` applied to refusals only. */
const onRefusal = (d: LimitDecision, change: (d: LimitDecision) => Partial<LimitDecision>): LimitDecision =>
  d.allowed ? d : { ...d, ...change(d) };

const mutants: Mutant<Factory>[] = [
  mutant(
    'keeps one budget for every key',
    'never refuses requests spaced W / (0.9 · limit) apart (liveness b)',
    (inner) => (_key, limit, window) => inner('shared', limit, window),
  ),
  mutant(
    'admits one request more than the limit',
    'admits a burst of `limit` at one instant, then refuses with Retry-After',
    (inner) => (key, limit, window) => {
      const d = inner(key, limit + 1, window);
      return d.allowed ? { ...d, remaining: Math.max(0, d.remaining - 1) } : d;
    },
  ),
  mutant(
    'counts over a window a second short (resets early)',
    'admits a burst of `limit` at one instant, then refuses with Retry-After',
    (inner) => (key, limit, window) => inner(key, limit, Math.max(1, window - 1)),
  ),
  mutant(
    'advertises Retry-After a millisecond early',
    'admits a burst of `limit` at one instant, then refuses with Retry-After',
    (inner) => (key, limit, window) =>
      onRefusal(inner(key, limit, window), (d) => ({ retryAfterMs: d.retryAfterMs - 1 })),
  ),
  mutant(
    'answers `remaining` one too high',
    'admits a burst of `limit` at one instant, then refuses with Retry-After',
    (inner) => (key, limit, window) => {
      const d = inner(key, limit, window);
      return d.allowed ? { ...d, remaining: Math.min(limit, d.remaining + 1) } : d;
    },
  ),
  mutant(
    'rounds retryAfterSeconds down',
    'admits exactly at now + retryAfterMs and not a millisecond before',
    (inner) => (key, limit, window) =>
      onRefusal(inner(key, limit, window), (d) => {
        const retryAfterSeconds = Math.max(1, Math.floor(d.retryAfterMs / 1000));
        return { retryAfterSeconds, resetSeconds: retryAfterSeconds };
      }),
  ),
  mutant(
    'charges a refused request',
    'admits exactly at now + retryAfterMs and not a millisecond before',
    (inner) => (key, limit, window) => {
      const d = inner(key, limit, window);
      if (!d.allowed) inner(key, MAX_LIMIT, window); // admitted under a huge limit: one more unit spent
      return d;
    },
  ),
  mutant(
    'answers resetSeconds as the whole window on every admission',
    'never refuses requests spaced W / (0.9 · limit) apart (liveness b)',
    (inner) => (key, limit, window) => {
      const d = inner(key, limit, window);
      return d.allowed ? { ...d, resetSeconds: window } : d;
    },
  ),
  mutant(
    "forgets a key's admissions once it has been idle for half a window",
    'admits exactly at now + retryAfterMs and not a millisecond before',
    (inner, clock) => {
      const seen = new Map<string, { generation: number; last: number }>();
      return (key, limit, window) => {
        const now = clock.now();
        const s = seen.get(key) ?? { generation: 0, last: now };
        if (now - s.last >= (window * 1000) / 2) s.generation++;
        s.last = now;
        seen.set(key, s);
        return inner(`${key}#${s.generation}`, limit, window);
      };
    },
  ),
  mutant(
    'keeps the limit a key was first charged under, ignoring a changed policy',
    "decides each call under the limit it names: a key's changed limit takes",
    (inner) => {
      const first = new Map<string, number>();
      return (key, limit, window) => {
        if (!first.has(key)) first.set(key, limit);
        return inner(key, first.get(key)!, window);
      };
    },
  ),
];

auditMutants(
  'LimiterStore',
  (runner, factory: Factory) => limiterConformance('mutant', runner, factory, { histories: 10 }),
  real,
  mutants,
  8,
);
