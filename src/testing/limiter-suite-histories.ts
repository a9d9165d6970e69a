/** The `LimiterStore` law checked on seeded random histories: every decision equals the model's. */
import { maxInAnyWindow, seededRandom } from './limiter-model.ts';
import type { LimiterSuiteContext } from './limiter-suite-helpers.ts';

/**
 * Registers the comparison with the brute-force reference model over `histories` seeded random
 * histories (runnable alone with `limiterSuiteContext`); a failure names the seed that broke.
 */
export function historiesSection(ctx: LimiterSuiteContext): void {
  const { t, withStore, histories, firstSeed } = ctx;
  t.it(
    `agrees with the reference model on ${histories} seeded random histories`,
    withStore(async (h) => {
      for (let n = 0; n < histories; n++) {
        const seed = firstSeed + n;
        const random = seededRandom(seed);
        const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
        const keys = int(1, 3);
        const policies = Array.from({ length: keys }, () => ({ limit: int(1, 20), window: int(1, 5) }));
        const steps = int(50, 250);
        let pending: { key: number; at: number } | undefined;
        for (let s = 0; s < steps; s++) {
          const k = pending?.key ?? int(0, keys - 1);
          const policy = policies[k] ?? { limit: 1, window: 1 };
          const W = policy.window * 1000;
          if (pending !== undefined) {
            h.at(Math.max(h.now, pending.at));
            pending = undefined;
          } else {
            const r = random();
            const gap =
              r < 0.35
                ? 0
                : r < 0.6
                  ? int(0, W / 10)
                  : r < 0.8
                    ? int(0, W)
                    : r < 0.9
                      ? int(0, 2 * W)
                      : (Math.floor(h.now / (W / 10)) + int(1, 11)) * (W / 10) + int(-1, 1) - h.now; // a sub-window edge
            h.at(h.now + Math.max(0, gap));
          }
          const key = `s${seed}:${k}`;
          const d = await h.consume(key, policy.limit, policy.window);
          if (!d.allowed && random() < 0.3) {
            // Land on the advertised instant, or just before it.
            pending = { key: k, at: h.now + d.retryAfterMs - (random() < 0.5 ? 1 : 0) };
          }
        }
        for (let k = 0; k < keys; k++) {
          const policy = policies[k] ?? { limit: 1, window: 1 };
          const admitted = h.model.admissions(`s${seed}:${k}`);
          t.expect({ seed, key: k, most: maxInAnyWindow(admitted, policy.window * 1000) <= policy.limit }).toEqual({
            seed,
            key: k,
            most: true,
          });
        }
      }
    }),
  );
}
