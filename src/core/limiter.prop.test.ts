import { fc, test } from '@fast-check/vitest';
import { parseItem, parseList } from 'structured-headers';
import { describe, expect } from 'vitest';
import { memoryLimiter } from '../stores/memory-limiter.ts';
import { LimiterModel } from '../testing/limiter-model.ts';
import { chargeFor, classOf, decide, newLimiterState, parseRateLimit, rateLimitHeaders } from './limiter.ts';
import type { LimitDecision, LimiterState } from './limiter.ts';

/**
 * The laws of SPEC §5, checked on whole histories with an injected clock: every decision of the
 * memory store (which runs `decide` on its slabs) against the brute-force model, and safety and
 * liveness directly on the admissions, independently of either implementation.
 */

interface Policy {
  limit: number;
  window: number;
}
interface Event {
  key: number;
  gap: number;
  /** Move to a sub-window edge of this key's policy first (± 1 ms), where off-by-ones live. */
  snap: boolean;
  delta: number;
}
interface History {
  policies: Policy[];
  start: number;
  events: Event[];
}
interface Step {
  key: number;
  at: number;
  d: LimitDecision;
}

const policyArb: fc.Arbitrary<Policy> = fc.record({
  limit: fc.integer({ min: 1, max: 20 }),
  window: fc.integer({ min: 1, max: 5 }),
});
const gapArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 4 }, // bursts at the same ms
  { arbitrary: fc.integer({ min: 0, max: 120 }), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 1_500 }), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 12_000 }), weight: 1 },
);
const eventArb: fc.Arbitrary<Event> = fc.record({
  key: fc.nat(2),
  gap: gapArb,
  snap: fc.boolean(),
  delta: fc.integer({ min: -1, max: 1 }),
});
const historyArb: fc.Arbitrary<History> = fc.record({
  policies: fc.array(policyArb, { minLength: 1, maxLength: 3 }),
  start: fc.integer({ min: 0, max: 5_000_000 }),
  events: fc.array(eventArb, { maxLength: 300, size: 'max' }), // the default size would stop near ten events
});

const policyOf = (h: History, key: number): Policy => h.policies[key % h.policies.length] ?? { limit: 1, window: 1 };

/** The times of a history: gaps, snapped to sub-window edges where asked, never decreasing. */
function times(h: History): number[] {
  let now = h.start;
  return h.events.map((e) => {
    now += e.gap;
    if (e.snap) {
      const g = policyOf(h, e.key).window * 100;
      now = Math.max(now, Math.ceil(now / g) * g + e.delta);
    }
    return now;
  });
}

/** Run a history through a fresh memory store with an injected clock. */
function runStore(h: History, skip: ReadonlySet<number> = new Set()): Step[] {
  let now = 0;
  const store = memoryLimiter({ clock: { now: () => now, monotonic: () => now } });
  const at = times(h);
  const steps: Step[] = [];
  h.events.forEach((e, i) => {
    if (skip.has(i)) return;
    now = at[i] ?? 0;
    const p = policyOf(h, e.key);
    steps.push({
      key: e.key % h.policies.length,
      at: now,
      d: store.consume(`k${e.key % h.policies.length}`, p.limit, p.window),
    });
  });
  return steps;
}

const admissionsOf = (steps: Step[], key: number): number[] =>
  steps.filter((s) => s.key === key && s.d.allowed).map((s) => s.at);

describe('limiter laws (SPEC §5)', () => {
  test.prop([historyArb], { numRuns: 400 })('every decision equals the brute-force model', (h) => {
    const model = new LimiterModel();
    for (const s of runStore(h)) {
      const p = policyOf(h, s.key);
      expect({ i: s, d: s.d }).toEqual({ i: s, d: model.consume(`k${s.key}`, p.limit, p.window, s.at) });
    }
  });

  test.prop([historyArb], { numRuns: 400 })('safety: no interval (s, s + W] holds more than limit admissions', (h) => {
    const steps = runStore(h);
    for (let key = 0; key < h.policies.length; key++) {
      const { limit, window } = policyOf(h, key);
      const admitted = admissionsOf(steps, key);
      // Brute force: an interval holding the most admissions can be slid right until it ends at one.
      for (const end of admitted) {
        expect(admitted.filter((t) => t > end - window * 1000 && t <= end).length).toBeLessThanOrEqual(limit);
      }
    }
  });

  test.prop([historyArb], { numRuns: 400 })(
    'liveness (a): after a window with no admission, up to limit requests at t are admitted',
    (h) => {
      const steps = runStore(h);
      steps.forEach((s, i) => {
        const { limit, window } = policyOf(h, s.key);
        const before = steps.slice(0, i).filter((b) => b.key === s.key && b.d.allowed && b.at > s.at - window * 1000);
        if (before.every((b) => b.at === s.at) && before.length < limit) expect(s.d.allowed).toBe(true);
      });
    },
  );

  test.prop(
    [
      policyArb,
      fc.integer({ min: 0, max: 5_000_000 }),
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3_000 })), {
        minLength: 1,
        maxLength: 120,
        size: 'max',
      }),
    ],
    { numRuns: 400 },
  )('liveness (b): requests at least W / (0.9 · limit) apart are never refused', ({ limit, window }, start, extra) => {
    let now = start;
    const store = memoryLimiter({ clock: { now: () => now, monotonic: () => now } });
    const gap = Math.ceil((10 * window * 1000) / (9 * limit)); // the least whole ms ≥ W / (0.9 · limit)
    for (const x of extra) {
      expect(store.consume('b', limit, window).allowed).toBe(true);
      now += gap + x;
    }
  });

  test.prop([historyArb], { numRuns: 300 })(
    'a refusal at t writes nothing, admits at t + Retry-After and refuses at t + Retry-After − 1 s (and exactly at retryAfterMs)',
    (h) => {
      const states = new Map<number, LimiterState>();
      const model = new LimiterModel();
      const at = times(h);
      h.events.forEach((e, i) => {
        const t = at[i] ?? 0;
        const { limit, window } = policyOf(h, e.key);
        const key = e.key % h.policies.length;
        const state = states.get(key) ?? newLimiterState();
        states.set(key, state);
        const before = snapshot(state);
        const d = decide(state, t, limit, window * 1000);
        expect(d).toEqual(model.consume(`k${key}`, limit, window, t));
        if (d.allowed) return;
        expect(snapshot(state)).toEqual(before);
        const probe = (u: number) => decide(copy(state), u, limit, window * 1000).allowed;
        expect(probe(t + d.retryAfterMs)).toBe(true);
        expect(probe(t + d.retryAfterMs - 1)).toBe(false);
        expect(probe(t + d.retryAfterSeconds * 1000)).toBe(true);
        expect(probe(t + d.retryAfterSeconds * 1000 - 1000)).toBe(false);
        expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(d.resetSeconds).toBe(d.retryAfterSeconds);
        expect([
          model.wouldAdmit(`k${key}`, limit, t + d.retryAfterMs - 1),
          model.wouldAdmit(`k${key}`, limit, t + d.retryAfterMs),
        ]).toEqual([false, true]);
      });
    },
  );

  test.prop([historyArb], { numRuns: 300 })(
    'refused requests are free: removing them changes no other decision',
    (h) => {
      const full = runStore(h);
      const refused = new Set<number>();
      full.forEach((s, i) => {
        if (!s.d.allowed) refused.add(i);
      });
      const without = runStore(h, refused);
      expect(without).toEqual(full.filter((s) => s.d.allowed));
    },
  );

  test.prop(
    [
      fc
        .array(fc.integer({ min: 0, max: 59_999 }), { minLength: 660, maxLength: 660 })
        .map((ts) => ts.sort((a, b) => a - b)),
      fc.uniqueArray(fc.integer({ min: 0, max: 659 }), { minLength: 60, maxLength: 60 }),
      fc.integer({ min: 0, max: 5_000_000 }),
    ],
    { numRuns: 60 },
  )(
    'reads and writes are counted independently: 600 reads and 60 writes a minute, interleaved',
    (ts, writeAt, start) => {
      let now = 0;
      const store = memoryLimiter({ clock: { now: () => now, monotonic: () => now } });
      const config = parseRateLimit({ read: { limit: 600, window: 60 }, write: { limit: 60, window: 60 } });
      const writes = new Set(writeAt);
      const charge = (method: string) => {
        const { key, policy } = chargeFor(config, 'tok', classOf(method));
        return store.consume(key, policy.limit, policy.windowSeconds);
      };
      ts.forEach((t, i) => {
        now = start + t;
        const method = writes.has(i)
          ? (['POST', 'PUT', 'PATCH', 'DELETE'][i % 4] ?? 'POST')
          : (['GET', 'HEAD', 'OPTIONS'][i % 3] ?? 'GET');
        expect(charge(method).allowed).toBe(true);
      });
      expect(charge('GET').allowed).toBe(false); // the 601st read
      expect(charge('POST').allowed).toBe(false); // the 61st write
    },
  );

  test.prop(
    [
      fc.string({ unit: fc.constantFrom(..." !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~"), minLength: 1, maxLength: 64 }),
      fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2 ** 31 - 1 })), // small ones get refused
      fc.integer({ min: 1, max: 31 * 86_400 }),
      fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 40, size: 'max' }),
    ],
    { numRuns: 200 },
  )('headers parse as RFC 9651 lists and items; on a refusal t equals Retry-After', (name, limit, window, gaps) => {
    const config = parseRateLimit({ limit, window, name });
    const policy = config.read;
    const state = newLimiterState();
    let now = 0;
    for (const gap of gaps) {
      now += gap;
      const d = decide(state, now, policy.limit, policy.windowSeconds * 1000);
      const h = rateLimitHeaders(policy, d);
      const [p, ...morePolicies] = parseList(h['RateLimit-Policy'] ?? '');
      const [r, ...moreLimits] = parseList(h.RateLimit ?? '');
      expect([morePolicies, moreLimits]).toEqual([[], []]);
      expect(p?.[0]).toBe(name);
      expect(Object.fromEntries(p?.[1] ?? [])).toEqual({ q: policy.limit, w: policy.windowSeconds });
      expect(r?.[0]).toBe(name);
      expect(Object.fromEntries(r?.[1] ?? [])).toEqual({
        r: d.remaining,
        t: d.allowed ? d.resetSeconds : d.retryAfterSeconds,
      });
      if (d.allowed) expect(d.resetSeconds).toBeGreaterThanOrEqual(1);
      if (d.allowed) expect(d.resetSeconds).toBeLessThanOrEqual(window);
      if (d.allowed) {
        expect(h['Retry-After']).toBeUndefined();
      } else {
        expect(parseItem(h['Retry-After'] ?? '')[0]).toBe(Object.fromEntries(r?.[1] ?? []).t);
        expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      }
    }
  });
});

const snapshot = (s: LimiterState) => ({ counters: Array.from(s.counters), head: s.head, lastAdmit: s.lastAdmit });
const copy = (s: LimiterState): LimiterState => ({
  counters: Array.from(s.counters),
  head: s.head,
  lastAdmit: s.lastAdmit,
});
