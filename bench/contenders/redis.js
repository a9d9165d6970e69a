// Part 4 — Redis: keycard's Redis limiter (`keycard/redis`, dist/redis.js) against
// rate-limiter-flexible's RateLimiterRedis, each over its own ioredis client to one local
// redis-server that the orchestrator started. `round(n)` makes n calls with `inflight` of them
// outstanding at any time, over `keys` keys taken in turn; the orchestrator counts the commands
// the server ran (INFO commandstats) between readings.

import { now, since, limiterKeys } from '../lib/common.js';

const LIMIT = 1_000_000_000; // nothing is refused
/** keycard/redis as built (dist/redis.js); BENCH_KEYCARD_REDIS points elsewhere (a file URL or path) to try a build of your own. */
const KEYCARD_REDIS = process.env.BENCH_KEYCARD_REDIS
  ? new URL(process.env.BENCH_KEYCARD_REDIS, 'file:///').href
  : '../../dist/redis.js';
const WINDOW = 60;

/** An ioredis client that counts the commands it sends, by name (what "one EVALSHA per call" is about). */
async function client(port) {
  const { Redis } = await import('ioredis');
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  redis.on('error', () => {});
  await redis.connect();
  const sent = {};
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    sent[command.name] = (sent[command.name] ?? 0) + 1;
    return send(command, stream);
  };
  return { redis, sent };
}

const makers = {
  async keycard(redis) {
    const { fromIoredis, redisLimiter } = await import(KEYCARD_REDIS);
    const limiter = redisLimiter(fromIoredis(redis));
    return (key) => Promise.resolve(limiter.consume(key, LIMIT, WINDOW)).then((d) => d.allowed);
  },
  async rlf(redis) {
    const { RateLimiterRedis } = await import('rate-limiter-flexible');
    const limiter = new RateLimiterRedis({ storeClient: redis, points: LIMIT, duration: WINDOW, keyPrefix: 'rlflx' });
    return (key) => limiter.consume(key).then(() => true);
  },
};

function contender(kind) {
  return async ({ port, keys: keyCount = 1, inflight = 1, seed = 21 }) => {
    const { redis, sent } = await client(port);
    const charge = await makers[kind](redis);
    // Distinct keys per contender and per key count, so that neither sees the other's state.
    const keys = limiterKeys(keyCount, seed + (kind === 'keycard' ? 0 : 1000) + keyCount);
    for (const k of keys) await charge(k);
    return {
      info: { startN: 2000 },
      async round(n) {
        let next = 0;
        let ok = 0;
        const lane = async () => {
          for (let i = next++; i < n; i = next++) if (await charge(keys[i % keyCount])) ok++;
        };
        globalThis.gc();
        const before = { ...sent };
        const t0 = now();
        await Promise.all(Array.from({ length: Math.min(inflight, n) }, lane));
        const ns = since(t0);
        if (ok !== n) throw new Error(`${kind} admitted ${ok} of ${n}`);
        const perCall = {};
        for (const [name, count] of Object.entries(sent))
          if (count > (before[name] ?? 0)) perCall[name] = (count - (before[name] ?? 0)) / n;
        return { ns, ops: n, sent: perCall };
      },
      close: () => redis.quit(),
    };
  };
}

export const contenders = { keycard: contender('keycard'), rlf: contender('rlf') };
