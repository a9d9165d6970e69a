/**
 * The device flow's pending-grant store over Redis (SPEC §13), through the same {@link RedisPort}
 * as the token store. A grant is one hash (`d`: the grant as JSON without its version, `v`: the
 * version, `u`: the user code) under `${prefix}{device}:g:<device-code hash>`, its user code a key
 * pointing at that hash, and a sorted set of expiries that `prune` walks. Every key carries a TTL
 * (the grant's lifetime plus `retentionMs`, counted by the server's clock), so an abandoned grant
 * disappears even if nothing ever prunes. Each operation is one Lua script: atomic.
 */
import * as z from 'zod/mini';
import { applyPatch, type PendingGrant, type PendingGrantStore } from '../device/grant-store.ts';
import type { RedisPort } from './redis-port.ts';
import { checkRedisPort, integer, parseOptions, prefix } from './redis-options.ts';
import { redisScript, runScript } from './redis-script.ts';
import { isArray, stringify } from '../core/builtins.ts';

/** Options of {@link redisPendingGrantStore}. */
export interface RedisPendingGrantStoreOptions {
  /** Prepended to every key; the grants live under `${prefix}{device}`. @default 'keycard:' */
  prefix?: string;
  /** Bound of every call; past it the call fails closed with `unavailable`. @default 1000 */
  timeoutMs?: number;
  /** How long an expired grant stays (so a late poll still gets `expired_token`). @default 3_600_000 */
  retentionMs?: number;
}

const schema = z.strictObject({
  prefix: z.optional(prefix),
  timeoutMs: z.optional(integer(1, 60_000)),
  retentionMs: z.optional(integer(0, 86_400_000)),
});

// KEYS[1] = base. Keys derive from it inside the scripts, all under one hash tag (one cluster slot).
const CREATE = redisScript(
  'Redis pending-grant create',
  `local g = KEYS[1] .. ':g:' .. ARGV[1]
local u = KEYS[1] .. ':u:' .. ARGV[2]
if redis.call('EXISTS', g) == 1 or redis.call('EXISTS', u) == 1 then return 0 end
redis.call('HSET', g, 'd', ARGV[3], 'v', ARGV[6], 'u', ARGV[2])
redis.call('PEXPIRE', g, ARGV[4])
redis.call('SET', u, ARGV[1], 'PX', ARGV[4])
redis.call('ZADD', KEYS[1] .. ':exp', ARGV[5], ARGV[1])
return 1`,
);

const GET = redisScript(
  'Redis pending-grant get',
  `local h = ARGV[1]
if ARGV[2] ~= '' then
  h = redis.call('GET', KEYS[1] .. ':u:' .. ARGV[2])
  if not h then return false end
end
local r = redis.call('HMGET', KEYS[1] .. ':g:' .. h, 'd', 'v')
if not r[1] then return false end
return r`,
);

const UPDATE = redisScript(
  'Redis pending-grant update',
  `local g = KEYS[1] .. ':g:' .. ARGV[1]
if redis.call('HGET', g, 'v') ~= ARGV[2] then return 0 end
redis.call('HSET', g, 'd', ARGV[3], 'v', tostring(tonumber(ARGV[2]) + 1))
return 1`,
);

const TAKE = redisScript(
  'Redis pending-grant take',
  `local g = KEYS[1] .. ':g:' .. ARGV[1]
local r = redis.call('HMGET', g, 'd', 'v', 'u')
if not r[1] then return false end
redis.call('DEL', g, KEYS[1] .. ':u:' .. r[3])
redis.call('ZREM', KEYS[1] .. ':exp', ARGV[1])
return {r[1], r[2]}`,
);

const PRUNE = redisScript(
  'Redis pending-grant prune',
  `local hashes = redis.call('ZRANGEBYSCORE', KEYS[1] .. ':exp', '-inf', ARGV[1], 'LIMIT', 0, 1000)
local n = 0
for _, h in ipairs(hashes) do
  local g = KEYS[1] .. ':g:' .. h
  local u = redis.call('HGET', g, 'u')
  if u then
    redis.call('DEL', KEYS[1] .. ':u:' .. u)
    n = n + 1
  end
  redis.call('DEL', g)
  redis.call('ZREM', KEYS[1] .. ':exp', h)
end
return n`,
);

const encode = (g: PendingGrant): string => {
  const { version: _version, ...rest } = g;
  return stringify(rest);
};
const decode = (reply: unknown): PendingGrant | null => {
  if (!isArray(reply) || typeof reply[0] !== 'string') return null;
  return { ...(JSON.parse(reply[0]) as Omit<PendingGrant, 'version'>), version: Number(reply[1]) };
};

/**
 * Creates a pending-grant store over Redis: share it between every process that serves the
 * device routes, so a poll may land on any of them.
 *
 * @example Beside the token store, on one port
 * ```ts
 * import { fromIoredis, redisPendingGrantStore } from 'keycard/redis';
 * const grants = redisPendingGrantStore(fromIoredis(client));
 * const device = createDeviceRoutes(keycard, { basePath: '/api/tokens', authorize, store: grants });
 * ```
 */
export function redisPendingGrantStore(
  port: RedisPort,
  options: RedisPendingGrantStoreOptions = {},
): PendingGrantStore {
  checkRedisPort(port, 'redisPendingGrantStore');
  const o = parseOptions(schema, options, 'redisPendingGrantStore');
  const base = `${o.prefix ?? 'keycard:'}{device}`;
  const timeoutMs = o.timeoutMs ?? 1000;
  const retentionMs = o.retentionMs ?? 3_600_000;
  const run = (script: Parameters<typeof runScript>[1], args: readonly (string | number)[]) =>
    runScript(port, script, [base], args, timeoutMs);
  const get = async (hash: string, userCode = '') => decode(await run(GET, [hash, userCode]));

  return {
    async create(grant) {
      const ttl = Math.max(1, grant.expiresAt - grant.createdAt) + retentionMs;
      return (
        Number(
          await run(CREATE, [grant.deviceCodeHash, grant.userCode, encode(grant), ttl, grant.expiresAt, grant.version]),
        ) === 1
      );
    },
    get: (hash) => get(hash),
    getByUserCode: (userCode) => get('', userCode),
    async update(hash, expectedVersion, patch) {
      const current = await get(hash);
      if (current === null || current.version !== expectedVersion) return null;
      const next = applyPatch(current, patch);
      return Number(await run(UPDATE, [hash, expectedVersion, encode(next)])) === 1 ? next : null;
    },
    take: async (hash) => decode(await run(TAKE, [hash])),
    prune: async (before) => Number(await run(PRUNE, [before])),
  };
}
