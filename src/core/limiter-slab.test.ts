import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decide, newLimiterState, rebucket } from './limiter.ts';
import { decideSlot, F64_STRIDE, rebucketSlot, resetSlot, U32_STRIDE } from './limiter-slab.ts';

describe('decideSlot', () => {
  test.prop(
    [
      fc.integer({ min: 0, max: 2 ** 42 }),
      fc.array(
        fc.record({
          advance: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 30_000 })),
          limit: fc.integer({ min: 1, max: 6 }),
          window: fc.oneof(fc.constant(2), fc.constantFrom(1, 3, 10)),
        }),
        { maxLength: 300 },
      ),
      fc.nat(7),
    ],
    { numRuns: 300 },
  )(
    'equals decide() and rebucket() call for call, window changes included, in any slot of a slab',
    (start, calls, i) => {
      const u32 = new Uint32Array(8 * U32_STRIDE).fill(0xdead);
      const f64 = new Float64Array(8 * F64_STRIDE).fill(7);
      resetSlot(u32, f64, i, calls[0]?.window ?? 1);
      const state = newLimiterState();
      let window = calls[0]?.window ?? 1;
      let now = start;
      for (const c of calls) {
        now += c.advance;
        if (c.window !== window) {
          rebucket(state, window * 1000, c.window * 1000);
          rebucketSlot(u32, f64, i, c.window);
          window = c.window;
        }
        expect(decideSlot(u32, f64, i, now, c.limit, window * 1000)).toEqual(
          decide(state, now, c.limit, window * 1000),
        );
      }
    },
  );
});
