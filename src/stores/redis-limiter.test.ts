import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip, connectPort, DRIVERS, REDIS_URL, runPrefix } from '../../test/redis-helpers.ts';
import { coreSays, expectConfigError } from '../../test/config-errors.ts';
import { limiterConformance } from '../testing/limiter-suite.ts';
import { memoryLimiter } from './memory-limiter.ts';
import { redisPendingGrantStore } from './redis-grant-store.ts';
import { LIMITER_SCRIPT, limiterKey, redisLimiter } from './redis-limiter.ts';
import type { RedisPort } from './redis-port.ts';
import { runScript } from './redis-script.ts';
import { redisTokenStore } from './redis-token-store.ts';

announceSkip('redis-limiter.test.ts');

describe('limiterKey', () => {
  it('hash-tags the budget, keeps the class outside the tag', () => {
    expect(limiterKey('keycard:', 'tok_abc:all')).toBe('keycard:rl:{tok_abc}:all');
    expect(limiterKey('keycard:', 'tok_abc:read')).toBe('keycard:rl:{tok_abc}:read');
    expect(limiterKey('p:', 'a:b:write')).toBe('p:rl:{a:b}:write');
    expect(limiterKey('p:', 'plain')).toBe('p:rl:{plain}');
  });
});

describe('redisLimiter without a server', () => {
  const never: RedisPort = {
    evalsha: () => new Promise(() => {}),
    scriptLoad: () => new Promise(() => {}),
    subscribe: () => new Promise(() => {}),
  };

  it('validates options and arguments like the memory store', async () => {
    expect(() => redisLimiter(never, { timeoutMs: 0 })).toThrow(
      expect.objectContaining({
        code: 'invalid_config',
        message: 'redisLimiter: timeoutMs: must be an integer from 1 to 60000',
      }),
    );
    expect(() => redisLimiter(never, { clock: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'invalid_config', message: 'redisLimiter: clock: unknown option' }),
    );
    const store = redisLimiter(never);
    for (const [limit, w] of [
      [0, 1],
      [1, 0],
      [1, 1.5],
      [1, 32 * 86_400],
      [2 ** 31, 1],
    ] as const) {
      await expect(store.consume('a:all', limit, w)).rejects.toMatchObject({ code: 'invalid_argument' });
    }
  });

  it("every Redis store: bad options are one error in the core's wording, naming every bad field, quoting no secret", async () => {
    const url = 'redis://default:hunter2-redis-password@cache.internal:6379';
    const makers: [string, (options: never) => unknown][] = [
      ['redisLimiter', (o) => redisLimiter(never, o)],
      ['redisTokenStore', (o) => redisTokenStore(never, o)],
      ['redisPendingGrantStore', (o) => redisPendingGrantStore(never, o)],
    ];
    for (const [where, make] of makers) {
      const options = { url, timeoutMs: 0, prefix: ['p'], password: 'hunter2-redis-password' };
      await expectConfigError(() => make(options as never), {
        where,
        invalid: ['timeoutMs', 'prefix'],
        unknown: ['url', 'password'],
        secrets: ['hunter2-redis-password', url],
        message: [
          `${where}: prefix: must be a string of at most 200 characters`,
          'timeoutMs: must be an integer from 1 to 60000',
          coreSays({ url, password: 'x' }),
        ].join('; '),
      });
    }
  });

  it('a server that never answers is a KeycardError(unavailable) after timeoutMs: fail closed', async () => {
    const store = redisLimiter(never, { timeoutMs: 20 });
    await expect(store.consume('a:all', 1, 1)).rejects.toMatchObject({
      code: 'unavailable',
      message: 'Redis limiter timed out after 20 ms',
    });
  });

  it('one shared deadline: of many calls in flight, those that hang time out and those answered are not touched', async () => {
    let n = 0;
    const port: RedisPort = {
      ...never,
      // Every third call never answers; the others answer after 0–30 ms.
      evalsha: () =>
        n++ % 3 === 0 ? new Promise(() => {}) : new Promise((r) => setTimeout(() => r([1, 4, 1000]), n % 30)),
    };
    const store = redisLimiter(port, { timeoutMs: 40 });
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => store.consume('a:all', 5, 1)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(10);
    for (const r of refused)
      expect(r.reason).toMatchObject({ code: 'unavailable', message: 'Redis limiter timed out after 40 ms' });
    // The store keeps working after its timer has fired.
    n = 1;
    await expect(store.consume('a:all', 5, 1)).resolves.toMatchObject({ allowed: true });
  });

  it('a driver error is a KeycardError(unavailable) with the cause kept', async () => {
    const failing: RedisPort = { ...never, evalsha: () => Promise.reject(new Error('Connection is closed.')) };
    const error = await redisLimiter(failing)
      .consume('a:all', 1, 1)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'unavailable',
      message: 'Redis limiter failed',
      cause: expect.objectContaining({ message: 'Connection is closed.' }),
    });
  });

  it('on NOSCRIPT loads the script once and retries, even for many concurrent calls', async () => {
    let loaded = false;
    let loads = 0;
    let evals = 0;
    const port: RedisPort = {
      ...never,
      evalsha: async () => {
        evals++;
        if (!loaded) throw new Error('NOSCRIPT No matching script. Please use EVAL.');
        return [1, 4, 0];
      },
      scriptLoad: async () => {
        loads++;
        await new Promise((r) => setTimeout(r, 5));
        loaded = true;
        return LIMITER_SCRIPT.sha;
      },
    };
    const store = redisLimiter(port);
    const decisions = await Promise.all(Array.from({ length: 20 }, () => store.consume('a:all', 5, 1)));
    expect(decisions.every((d) => d.allowed && d.remaining === 4)).toBe(true);
    expect(loads).toBe(1);
    expect(evals).toBe(40);
  });
});

for (const driver of DRIVERS) {
  describe.skipIf(!REDIS_URL)(`redisLimiter over ${driver}`, () => {
    let port: RedisPort;
    let raw: (args: string[]) => Promise<unknown>;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ port, raw, close } = await connectPort(driver));
    });
    afterAll(async () => close());

    // The factory runs per test, after beforeAll; the port is read then.
    limiterConformance(`redis (${driver}, unsafe test clock)`, { describe, it, expect }, (clock) =>
      redisLimiter(port, { prefix: runPrefix('limiter'), unsafeTestClock: clock.now }),
    );

    it('decides with Redis TIME by default, hash-tags the key and sets a TTL of the window plus a second', async () => {
      const prefix = runPrefix('ttl');
      const store = redisLimiter(port, { prefix });
      const first = await store.consume('tok_x:write', 3, 60);
      expect(first).toEqual({ allowed: true, remaining: 2, resetSeconds: 60, retryAfterMs: 0, retryAfterSeconds: 0 });
      const key = `${prefix}rl:{tok_x}:write`;
      const ttl = Number(await raw(['PTTL', key]));
      expect(ttl).toBeGreaterThan(59_000);
      expect(ttl).toBeLessThanOrEqual(61_000);
      expect(Number(await raw(['STRLEN', key]))).toBe(56);
      await store.consume('tok_x:write', 3, 60);
      await store.consume('tok_x:write', 3, 60);
      const refused = await store.consume('tok_x:write', 3, 60);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    });

    it('the production script takes no time argument: a time passed by hand is ignored', async () => {
      const prefix = runPrefix('notime');
      const key = limiterKey(prefix, 'tok_t:all');
      // One admission "far in the future" would block until then if the time were honoured.
      const far = 9_000_000_000_000;
      // Admitted by Redis TIME: the next unit comes back a full window (1000 ms) later, not at `far`.
      expect(await runScript(port, LIMITER_SCRIPT, [key], [1, 1, 2000, far], 5000)).toEqual([1, 0, 1000]);
      const state = String(await raw(['GET', key]));
      expect(state.length).toBeGreaterThan(0);
      const store = redisLimiter(port, { prefix });
      const d = await store.consume('tok_t:all', 1, 1);
      // Refused (the admission just happened, by Redis TIME), with a wait of at most one window.
      expect(d.allowed).toBe(false);
      expect(d.retryAfterMs).toBeLessThanOrEqual(1000);
    });

    it('reloads the script transparently after SCRIPT FLUSH', async () => {
      const store = redisLimiter(port, { prefix: runPrefix('flush') });
      expect((await store.consume('tok_f:all', 10, 10)).allowed).toBe(true);
      await raw(['SCRIPT', 'FLUSH']);
      expect(await store.consume('tok_f:all', 10, 10)).toMatchObject({ allowed: true, remaining: 8 });
    });

    it('a changed window re-buckets exactly as the memory store does', async () => {
      let now = 5_000_000;
      const clock = { now: () => now, monotonic: () => now };
      const memory = memoryLimiter({ clock });
      const redis = redisLimiter(port, { prefix: runPrefix('rebucket'), unsafeTestClock: () => now });
      const steps: [advance: number, limit: number, window: number][] = [
        [0, 5, 10],
        [100, 5, 10],
        [2_000, 5, 10],
        [10, 5, 4],
        [10, 5, 4],
        [900, 5, 4],
        [3_000, 5, 4],
        [50, 3, 20],
        [10, 3, 20],
        [25_000, 3, 20],
        [0, 3, 2],
      ];
      for (const [advance, limit, window] of steps) {
        now += advance;
        expect({ now, ...(await redis.consume('tok_r:all', limit, window)) }).toEqual({
          now,
          ...memory.consume('tok_r:all', limit, window),
        });
      }
    });
  });
}
