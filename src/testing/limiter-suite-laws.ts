/** The `LimiterStore` laws checked on hand-written histories: decisions, refusals, liveness, keys. */
import type { LimiterSuiteContext } from './limiter-suite-helpers.ts';

/**
 * Registers the decision laws (runnable alone with `limiterSuiteContext`): a burst then an exact
 * `Retry-After`, `remaining` counting down, admission exactly at `retryAfterMs`, free refusals,
 * and a changed limit applied at the key's next call.
 */
export function decisionSection(ctx: LimiterSuiteContext): void {
  const { t, withStore } = ctx;
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
    "decides each call under the limit it names: a key's changed limit takes effect at its next request",
    withStore(async (h) => {
      for (let i = 0; i < 3; i++) t.expect((await h.consume('a', 5, 10)).allowed).toBe(true);
      t.expect((await h.consume('a', 3, 10)).allowed).toBe(false); // lowered below what was counted
      h.at(h.now + 1_500);
      t.expect((await h.consume('a', 3, 10)).allowed).toBe(false);
      t.expect((await h.consume('a', 5, 10)).allowed).toBe(true); // raised again
      t.expect((await h.consume('a', 8, 10)).remaining).toBe(3);
    }),
  );
}

/**
 * Registers the liveness laws and key independence (runnable alone with `limiterSuiteContext`):
 * a full window after an idle one, evenly spaced requests never refused, keys never sharing a budget.
 */
export function livenessSection(ctx: LimiterSuiteContext): void {
  const { t, withStore } = ctx;
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
}
