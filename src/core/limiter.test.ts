import { parseItem, parseList } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { isKeycardError } from './errors.ts';
import {
  chargeFor,
  classOf,
  decide,
  DEFAULT_RATE_LIMIT,
  newLimiterState,
  parseRateLimit,
  rateLimitHeaders,
  rebucket,
  RING_SLOTS,
} from './limiter.ts';
import type { LimitDecision, LimiterState } from './limiter.ts';

const clone = (s: LimiterState): LimiterState => ({ ...s, counters: Array.from(s.counters) });

function configError(input: unknown, field?: string): string {
  try {
    parseRateLimit(input, field);
  } catch (e) {
    expect(isKeycardError(e) && e.code).toBe('invalid_config');
    return (e as Error).message;
  }
  throw new Error('expected parseRateLimit to throw');
}

describe('decide', () => {
  it('admits a burst up to the limit at one instant and refuses the next for a whole window', () => {
    const s = newLimiterState();
    const got = Array.from({ length: 4 }, () => decide(s, 5_000, 3, 10_000));
    expect(got.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(got[3]).toEqual({
      allowed: false,
      remaining: 0,
      resetSeconds: 10,
      retryAfterMs: 10_000,
      retryAfterSeconds: 10,
    });
  });

  it('reports the window as resetSeconds and zero retry fields when admitting', () => {
    expect(decide(newLimiterState(), 0, 60, 60_000)).toEqual({
      allowed: true,
      remaining: 59,
      resetSeconds: 60,
      retryAfterMs: 0,
      retryAfterSeconds: 0,
    });
  });

  it('writes nothing on a refusal', () => {
    const s = newLimiterState();
    decide(s, 100, 1, 1000);
    const before = clone(s);
    expect(decide(s, 150, 1, 1000).allowed).toBe(false);
    expect(clone(s)).toEqual(before);
  });

  it('counts the sub-window straddling now − W (eleven counted sub-windows, not ten)', () => {
    // g = 100. An admission at 50 (sub-window 0) is inside (1020 − 1000, 1020]; sub-window 10 reuses
    // sub-window 0's slot in a ring of ten, which would forget it.
    const s = newLimiterState();
    decide(s, 50, 2, 1000);
    decide(s, 60, 2, 1000);
    expect(decide(s, 1020, 2, 1000).allowed).toBe(false);
    expect(decide(s, 1059, 2, 1000).allowed).toBe(false);
    expect(decide(s, 1060, 2, 1000).allowed).toBe(true); // lastAdmit + W: rule 1 resets
  });

  it('resets stale counts after a window without admissions (liveness a)', () => {
    const s = newLimiterState();
    for (let i = 0; i < 3; i++) decide(s, 990, 3, 1000); // sub-window 9
    // At 1990 sub-window 9 still ends after now − W = 990, but nothing was admitted in (990, 1990].
    for (let i = 0; i < 3; i++) expect(decide(s, 1990, 3, 1000).allowed).toBe(true);
    expect(decide(s, 1990, 3, 1000).allowed).toBe(false);
  });

  it('retries at the end of the oldest sub-window that brings the count below the limit', () => {
    const s = newLimiterState();
    decide(s, 0, 3, 1000); // sub-window 0
    decide(s, 250, 3, 1000); // sub-window 2
    decide(s, 420, 3, 1000); // sub-window 4
    const d = decide(s, 500, 3, 1000);
    // Dropping sub-window 0 happens at (0 + 1)·100 + 1000 = 1100, before lastAdmit + W = 1420.
    expect([d.allowed, d.retryAfterMs, d.retryAfterSeconds, d.resetSeconds]).toEqual([false, 600, 1, 1]);
    expect(decide(clone(s), 1099, 3, 1000).allowed).toBe(false);
    expect(decide(clone(s), 1100, 3, 1000).allowed).toBe(true);
  });

  it('takes the earlier of a sub-window drop and lastAdmit + W', () => {
    const s = newLimiterState();
    decide(s, 1099, 2, 1000); // sub-window 10
    decide(s, 1101, 2, 1000); // sub-window 11
    const d = decide(s, 1500, 2, 1000);
    // Dropping sub-window 10 alone: 11·100 + 1000 = 2100; lastAdmit + W = 2101 is later. So 2100.
    expect(d.retryAfterMs).toBe(600);
    const e = decide(s, 1500, 1, 1000); // limit 1: must drop both sub-windows (2200) or wait lastAdmit + W (2101)
    expect(e.retryAfterMs).toBe(601);
  });

  it('never answers Retry-After 0 and rounds up', () => {
    const s = newLimiterState();
    decide(s, 0, 1, 1000);
    expect(decide(s, 999, 1, 1000)).toMatchObject({ retryAfterMs: 1, retryAfterSeconds: 1 });
    const t = newLimiterState();
    decide(t, 0, 1, 5000);
    expect(decide(t, 999, 1, 5000)).toMatchObject({ retryAfterMs: 4001, retryAfterSeconds: 5 });
  });

  it('works on a slab at an offset and leaves neighbouring slots alone', () => {
    const counters = new Uint32Array(RING_SLOTS * 3).fill(7);
    const s: LimiterState = { counters, offset: RING_SLOTS, head: -Infinity, lastAdmit: -Infinity };
    decide(s, 0, 5, 1000);
    decide(s, 120, 5, 1000);
    expect(Array.from(counters.subarray(0, RING_SLOTS))).toEqual(new Array(RING_SLOTS).fill(7));
    expect(Array.from(counters.subarray(2 * RING_SLOTS))).toEqual(new Array(RING_SLOTS).fill(7));
    expect(Array.from(counters.subarray(RING_SLOTS, 2 * RING_SLOTS)).reduce((a, b) => a + b)).toBe(2);
  });

  it('treats a clock that goes backwards as the last admission time', () => {
    const s = newLimiterState();
    decide(s, 5000, 2, 1000);
    expect(decide(s, 4000, 2, 1000).allowed).toBe(true);
    expect(s.lastAdmit).toBe(5000);
    expect(decide(s, 4000, 2, 1000)).toMatchObject({ allowed: false, retryAfterMs: 2000 });
  });

  it('rejects a limit or window it cannot count exactly', () => {
    for (const [limit, w] of [
      [0, 1000],
      [1.5, 1000],
      [2 ** 31, 1000],
      [1, 0],
      [1, 1005],
      [1, -1000],
    ]) {
      expect(() => decide(newLimiterState(), 0, limit ?? 0, w ?? 0)).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    }
    expect(() => decide(newLimiterState(), Number.NaN, 1, 1000)).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });
});

describe('rebucket', () => {
  it("moves every admission to the last admission's sub-window under the new window, never earlier", () => {
    const s = newLimiterState();
    decide(s, 0, 10, 10_000);
    decide(s, 3000, 10, 10_000);
    decide(s, 9500, 10, 10_000);
    rebucket(s, 10_000, 2000);
    expect(s.head).toBe(Math.floor(9500 / 200));
    expect(Array.from(s.counters).reduce((a, b) => a + b)).toBe(3);
    // Still three inside the new window at 9600: a limit of 3 refuses, 4 admits.
    expect(decide(clone(s), 9600, 3, 2000).allowed).toBe(false);
    expect(decide(clone(s), 9600, 4, 2000).allowed).toBe(true);
  });

  it('is a no-op on an empty state or an unchanged window', () => {
    const s = newLimiterState();
    rebucket(s, 1000, 5000);
    expect(s.head).toBe(-Infinity);
    decide(s, 10, 5, 1000);
    const before = clone(s);
    rebucket(s, 1000, 1000);
    expect(clone(s)).toEqual(before);
  });
});

describe('parseRateLimit', () => {
  it('reads a single policy as one shared budget named default', () => {
    const c = parseRateLimit({ limit: 60, window: 60 });
    expect(c).toEqual({
      read: { name: 'default', limit: 60, windowSeconds: 60 },
      write: { name: 'default', limit: 60, windowSeconds: 60 },
      shared: true,
    });
    expect(c.read).toBe(c.write);
    expect(parseRateLimit({ limit: 5, window: 1, name: 'burst' }).read.name).toBe('burst');
  });

  it('reads a split policy with default names read and write', () => {
    const c = parseRateLimit({ read: { limit: 600, window: 60 }, write: { limit: 60, window: 60, name: 'writes' } });
    expect(c).toEqual({
      read: { name: 'read', limit: 600, windowSeconds: 60 },
      write: { name: 'writes', limit: 60, windowSeconds: 60 },
      shared: false,
    });
  });

  it('matches the SPEC default', () => {
    expect(DEFAULT_RATE_LIMIT).toEqual(parseRateLimit({ limit: 60, window: 60 }));
    expect(Object.isFrozen(DEFAULT_RATE_LIMIT) && Object.isFrozen(DEFAULT_RATE_LIMIT.read)).toBe(true);
  });

  it('names the bad field in every error', () => {
    expect(configError({ read: { limit: 0, window: 60 }, write: { limit: 1, window: 60 } })).toBe(
      'rateLimit.read.limit must be an integer >= 1 and <= 2147483647',
    );
    expect(configError({ limit: 1.5, window: 60 })).toMatch(/^rateLimit\.limit must be an integer >= 1/);
    expect(configError({ limit: 2 ** 31, window: 60 })).toMatch(/^rateLimit\.limit /);
    expect(configError({ limit: '60', window: 60 })).toMatch(/^rateLimit\.limit /);
    expect(configError({ limit: 60 })).toMatch(/^rateLimit\.window must be a whole number of seconds >= 1/);
    expect(configError({ limit: 60, window: 0.5 })).toMatch(/^rateLimit\.window /);
    expect(configError({ limit: 60, window: 32 * 86_400 })).toMatch(/^rateLimit\.window /);
    expect(configError({ read: { limit: 1, window: 1 }, write: { limit: 1, window: Number.NaN } })).toMatch(
      /^rateLimit\.write\.window /,
    );
    expect(configError({ read: { limit: 1, window: 1 } })).toMatch(/^rateLimit\.write /);
    expect(configError({ limit: 1, window: 1, name: 'a"b' })).toMatch(
      /^rateLimit\.name must be 1 to 64 printable ASCII/,
    );
    expect(configError({ limit: 1, window: 1, name: 'a\\b' })).toMatch(/^rateLimit\.name /);
    expect(configError({ limit: 1, window: 1, name: '' })).toMatch(/^rateLimit\.name /);
    expect(configError({ limit: 1, window: 1, name: 'é' })).toMatch(/^rateLimit\.name /);
    expect(configError({ limit: 1, window: 1, windowSeconds: 1 })).toBe('rateLimit.windowSeconds is not a known field');
    expect(configError({ read: { limit: 1, window: 1 }, write: { limit: 1, window: 1 }, limit: 3 })).toBe(
      'rateLimit.limit is not a known field',
    );
    expect(
      configError({ read: { limit: 1, window: 1, name: 'x' }, write: { limit: 1, window: 1, name: 'x' } }),
    ).toMatch(/^rateLimit\.write\.name must differ/);
    expect(configError(null, 'tokens[3].rateLimit')).toMatch(/^tokens\[3\]\.rateLimit must be an object/);
    expect(configError(60)).toMatch(/^rateLimit must be an object/);
    expect(configError([])).toMatch(/^rateLimit must be an object/);
    expect(configError({ limit: 0, window: 1 }, 'workspace.rateLimit')).toMatch(/^workspace\.rateLimit\.limit /);
  });
});

describe('classOf and chargeFor', () => {
  it('charges GET, HEAD and OPTIONS as reads and everything else as writes', () => {
    expect(['GET', 'HEAD', 'OPTIONS'].map(classOf)).toEqual(['read', 'read', 'read']);
    expect(['POST', 'PUT', 'PATCH', 'DELETE', 'QUERY', 'get', 'TRACE'].map(classOf)).toEqual(
      new Array(7).fill('write'),
    );
  });

  it('uses one key for a shared config and one per class for a split config', () => {
    const split = parseRateLimit({ read: { limit: 600, window: 60 }, write: { limit: 60, window: 60 } });
    expect(chargeFor(DEFAULT_RATE_LIMIT, 'tok1', 'read')).toEqual({ key: 'tok1:all', policy: DEFAULT_RATE_LIMIT.read });
    expect(chargeFor(DEFAULT_RATE_LIMIT, 'tok1', 'write').key).toBe('tok1:all');
    expect(chargeFor(split, 'tok1', 'read')).toEqual({ key: 'tok1:read', policy: split.read });
    expect(chargeFor(split, 'tok1', 'write')).toEqual({ key: 'tok1:write', policy: split.write });
  });
});

describe('rateLimitHeaders', () => {
  const policy = { name: 'default', limit: 60, windowSeconds: 60 };
  const allowed: LimitDecision = {
    allowed: true,
    remaining: 42,
    resetSeconds: 60,
    retryAfterMs: 0,
    retryAfterSeconds: 0,
  };
  const refused: LimitDecision = {
    allowed: false,
    remaining: 0,
    resetSeconds: 17,
    retryAfterMs: 16_200,
    retryAfterSeconds: 17,
  };

  it('formats the SPEC example exactly', () => {
    expect(rateLimitHeaders(policy, allowed)).toEqual({
      'RateLimit-Policy': '"default";q=60;w=60',
      RateLimit: '"default";r=42;t=60',
    });
    expect(rateLimitHeaders(policy, refused)).toEqual({
      'RateLimit-Policy': '"default";q=60;w=60',
      RateLimit: '"default";r=0;t=17',
      'Retry-After': '17',
    });
  });

  it('produces RFC 9651 lists whose parameters carry the policy and decision, and t equals Retry-After on refusal', () => {
    const h = rateLimitHeaders({ name: 'a b;c=d,e', limit: 600, windowSeconds: 60 }, refused);
    const [p] = parseList(h['RateLimit-Policy'] ?? '');
    const [r] = parseList(h.RateLimit ?? '');
    expect(p?.[0]).toBe('a b;c=d,e');
    expect(Object.fromEntries(p?.[1] ?? [])).toEqual({ q: 600, w: 60 });
    expect(r?.[0]).toBe('a b;c=d,e');
    expect(Object.fromEntries(r?.[1] ?? [])).toEqual({ r: 0, t: 17 });
    expect(parseItem(h['Retry-After'] ?? '')[0]).toBe(17);
  });
});
