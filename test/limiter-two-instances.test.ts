/**
 * SPEC §5 Safety across processes: two keycard instances, each its own Node process serving HTTP,
 * share one Redis limiter (keycard/redis). A token allowed N per window (1 s) gets waves of 3N
 * concurrent requests, split across both, at random offsets over several windows. For every
 * instant s, at most N admitted requests may fall in (s, s + window].
 *
 * The store decides with Redis `TIME`; the test sees each request's send and answer times on its
 * own clock. An admission happened somewhere between the two, so a set of admitted requests whose
 * [sent, answered] spans all lie inside one window-long interval of this clock were admitted inside
 * one window of the store's clock too (the two clocks differ by an offset, which cancels). More
 * than N such requests is a certain violation; the check never needs the store's own times.
 *
 * Liveness (a) is checked where it applies for certain: the first wave of a fresh token, and every
 * wave sent a full window after the last admitted answer: exactly N of its 3N are admitted.
 *
 * LIMITER_ROUNDS (default 2) tokens, each with LIMITER_WAVES (default 6) waves; N = 10.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleKeycard } from './fixtures/redis-bundle.mjs';
import { spawnDriverPair, type Instance } from './fixtures/redis-instances.mjs';
import { announceSkip, REDIS_URL, runPrefix } from './redis-helpers.ts';

announceSkip('limiter-two-instances.test.ts');

const ROUNDS = Number(process.env['LIMITER_ROUNDS'] ?? 2);
const WAVES = Number(process.env['LIMITER_WAVES'] ?? 6);
const N = 10;
const WINDOW_MS = 1000;
const now = () => performance.timeOrigin + performance.now();

interface Shot {
  readonly wave: number;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
}

/** The largest number of admitted requests whose [sent, answered] spans fit in one window. */
function worstWindow(admitted: readonly Shot[]): { count: number; from: number } {
  let worst = { count: 0, from: 0 };
  for (const a of admitted) {
    const inside = admitted.filter((b) => b.sentAt >= a.sentAt && b.answeredAt < a.sentAt + WINDOW_MS).length;
    if (inside > worst.count) worst = { count: inside, from: a.sentAt };
  }
  return worst;
}

describe.skipIf(!REDIS_URL)('one Redis limiter, two keycard processes: at most N per window', () => {
  let bundle: string;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    bundle = await bundleKeycard();
    const env = { RECORDS_URL: REDIS_URL!, KEY_PREFIX: runPrefix('limiter-two'), STORE_TIMEOUT_MS: '5000' };
    [a, b] = await spawnDriverPair({ bundle, env });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
  });

  it(`${ROUNDS} token(s) × ${WAVES} waves of ${3 * N} concurrent requests over both processes, limit ${N} per 1 s: no window admits more than ${N}; a wave after a quiet window admits exactly ${N}`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { token } = await a.call('issue', {
        ownerId: `usr_lim_${round}`,
        label: 'two instances',
        rateLimit: { limit: N, window: WINDOW_MS / 1000 },
      });
      // Warm both caches without charging: verify() consumes no quota.
      expect((await a.call('verify', { token })).ok).toBe(true);
      expect((await b.call('verify', { token })).ok).toBe(true);
      const send = (wave: number, i: number): Promise<Shot> => {
        const sentAt = now();
        return fetch(`${(i % 2 === 0 ? a : b).url}/r/${wave}/${i}`, {
          headers: { authorization: `Bearer ${token}` },
        }).then(async (r) => {
          await r.arrayBuffer();
          return { wave, sentAt, answeredAt: now(), status: r.status };
        });
      };
      // Waves start on a schedule, each one's start a gap after the previous one's (not after it
      // answered: under load a wave takes a while). Half the gaps are random from 0 to 1.6
      // windows; half land within 5% of one window, where an admission leaving the window and
      // one entering it are closest.
      const waves: Promise<Shot[]>[] = [];
      for (let wave = 0; wave < WAVES; wave++) {
        const gap = Math.random() < 0.5 ? Math.random() * 1.6 : 0.95 + Math.random() * 0.1;
        if (wave > 0) await new Promise((r) => setTimeout(r, gap * WINDOW_MS));
        waves.push(Promise.all(Array.from({ length: 3 * N }, (_, i) => send(wave, i))));
      }
      const shots = (await Promise.all(waves)).flat();
      // A wave is quiet when every request of the other waves admitted was answered a full window
      // before its first send, or sent after its last answer: liveness (a) applies to it alone.
      const quietWaves = Array.from({ length: WAVES }, (_, w) => w).filter((w) => {
        const own = shots.filter((s) => s.wave === w);
        const first = Math.min(...own.map((s) => s.sentAt));
        const last = Math.max(...own.map((s) => s.answeredAt));
        return shots.every(
          (s) => s.wave === w || s.status !== 200 || s.answeredAt + WINDOW_MS <= first || s.sentAt >= last,
        );
      });
      const other = shots.filter((s) => s.status !== 200 && s.status !== 429);
      expect(other, 'every answer is 200 or 429').toEqual([]);
      const admitted = shots.filter((s) => s.status === 200);
      const worst = worstWindow(admitted);
      expect(worst.count, `admitted in the window from ${worst.from}`).toBeLessThanOrEqual(N);
      for (const wave of quietWaves)
        expect(admitted.filter((s) => s.wave === wave).length, `wave ${wave} after a quiet window`).toBe(N);
      console.info(
        `limiter-two-instances: round ${round}: ${admitted.length}/${shots.length} admitted over ${WAVES} waves, worst window ${worst.count}, quiet waves ${quietWaves.join(',')}`,
      );
    }
  }, 120_000);
});
