/**
 * The Redis limiter store: `decide()` of src/core/limiter.ts as one atomic Lua script, so every
 * process sharing a Redis charges one budget per token and class, decided with one clock —
 * the server's `TIME` — never several app clocks (SPEC §5). One `EVALSHA` per request.
 */
import * as z from 'zod/mini';
import { KeycardError } from '../core/errors.ts';
import { MAX_LIMIT, MAX_WINDOW_SECONDS, RING_SLOTS, SUB_WINDOWS } from '../core/limiter.ts';
import type { LimitDecision, LimiterStore } from '../core/limiter.ts';
import { checkRedisPort, fn, integer, parseOptions, prefix } from './redis-options.ts';
import type { RedisPort } from './redis-port.ts';
import { SharedDeadline } from './redis-deadline.ts';
import { evalScript, redisScript, type RedisScript } from './redis-script.ts';
import { isArray } from '../core/builtins.ts';

/** Options of {@link redisLimiter}. */
export interface RedisLimiterOptions {
  /**
   * Prepended to every key. Keys are `${prefix}rl:{${budget}}:${class}`, hash-tagged by the budget
   * (the token family) so a Redis Cluster keeps each budget on one node.
   * @default 'keycard:'
   */
  prefix?: string;
  /**
   * Deadline of one `consume`, ms, `NOSCRIPT` reload included; past it the call rejects with
   * `KeycardError('unavailable')` (a 503: fail closed). keycard also bounds the call with its
   * `storeTimeoutMs`; this one protects direct callers.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * ⚠️ Tests only. Decide at this clock's time instead of the server's `TIME`: the store then
   * runs a different script, the only one that accepts a time argument (the production script
   * cannot be fed a time at all). Must return integer milliseconds that never go backwards.
   * Keys then live 10 minutes past their window, as the test clock and Redis's expiry disagree.
   * @default undefined (Redis `TIME`)
   */
  unsafeTestClock?: () => number;
}

/** The Redis limiter: a {@link LimiterStore} whose `consume` always answers with a promise. */
export interface RedisLimiter extends LimiterStore {
  consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision>;
}

/**
 * Extra time-to-live past the window, ms. State idle for a whole window decides exactly like no
 * state (rule 1 resets), so `PX window` would be exact; the second covers a clock step between a
 * primary and the replica that replaces it.
 */
const TTL_MARGIN_MS = 1000;
/** With a test clock, decisions and expiry use different clocks: keep keys well past any test. */
const TEST_TTL_MARGIN_MS = 10 * 60_000;

/** Packed state: last admission (double), window in seconds, eleven counters (uint32): 56 bytes. */
const STATE = `<dI4${'I4'.repeat(RING_SLOTS)}`;
/** The counters alone, read from byte 13 (Lua's 1-based offset) once the first 12 bytes decided they are needed. */
const COUNTERS = `<${'I4'.repeat(RING_SLOTS)}`;
const ZERO_COUNTER = String.raw`\0\0\0\0`;

/**
 * The decision of `decide()` (docs/rate-limits.md: rules and proofs) plus `rebucket()` when a
 * key's window changed, in the same 56-byte state as before (so instances of either version
 * share one budget during a rolling upgrade). Lean where the old script was general:
 * - it unpacks the last admission and the window first; rule 1 (a new or idle key, the common
 *   case over many keys) needs no counter, and writes its one counter as bytes;
 * - only rules 2 and 3 unpack the counters, into one table, and one loop gives both the count
 *   and the oldest counted sub-window (draft-10 `t`);
 * - no closure, no per-call table of zeros.
 * Lua arrays are 1-based: sub-window j lives at `c[j % 11 + 1]` (Lua's `%` is floored, as the
 * core's ring is). Numbers are doubles in both languages, so the arithmetic is the same IEEE
 * arithmetic, exact for integers below 2⁵³. test/fixtures/redis-limiter-before.lua is the
 * previous script; src/stores/redis-limiter.diff.test.ts shows both decide alike.
 */
const limiterLua = (
  testClock: boolean,
) => `-- keycard limiter v2 (${testClock ? 'TEST CLOCK: never in production' : 'Redis TIME'})
${
  testClock
    ? 'local now = tonumber(ARGV[4])'
    : "if redis.replicate_commands then redis.replicate_commands() end\nlocal time = redis.call('TIME')\nlocal now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)"
}
local limit = tonumber(ARGV[1])
local ws = tonumber(ARGV[2])
local W = ws * 1000
local g = W / ${SUB_WINDOWS}
local raw = redis.call('GET', KEYS[1])
local lastAdmit, stored = -math.huge, ws
if raw then lastAdmit, stored = struct.unpack('<dI4', raw) end
local t = now
if now < lastAdmit then t = lastAdmit end
local k = math.floor(t / g)
local ks = k % ${RING_SLOTS}
-- Rule 1: nothing admitted in (t - W, t]: reset and admit. A negation, so missing or NaN state resets.
if not (lastAdmit > t - W) then
  redis.call('SET', KEYS[1], struct.pack('<dI4', t, ws) .. string.rep('${ZERO_COUNTER}', ks) .. struct.pack('<I4', 1) .. string.rep('${ZERO_COUNTER}', ${SUB_WINDOWS} - ks), 'PX', ARGV[3])
  return { 1, limit - 1, t + W - now }
end
local c = { struct.unpack('${COUNTERS}', raw, 13) }
local head = math.floor(lastAdmit / g)
local rebucketed = false
if stored ~= ws then
  -- rebucket(): every counted admission moves to the sub-window of the last one (never earlier).
  local total = 0
  for i = 1, ${RING_SLOTS} do total = total + c[i]; c[i] = 0 end
  c[head % ${RING_SLOTS} + 1] = math.min(total, 4294967295)
  rebucketed = true
end
-- Rule 2: count sub-windows k - 10 .. head (head >= k - 10 here); the oldest holding an admission gives draft-10 t.
local sum = 0
local oldest = k
for j = k - ${SUB_WINDOWS}, head do
  local n = c[j % ${RING_SLOTS} + 1]
  if n > 0 and oldest == k then oldest = j end
  sum = sum + n
end
if sum < limit then
  for j = head + 1, k do c[j % ${RING_SLOTS} + 1] = 0 end
  c[ks + 1] = c[ks + 1] + 1
  redis.call('SET', KEYS[1], struct.pack('${STATE}', t, ws, ${Array.from({ length: RING_SLOTS }, (_, i) => `c[${i + 1}]`).join(', ')}), 'PX', ARGV[3])
  local back = (oldest + 1) * g + W
  if back > t + W then back = t + W end
  return { 1, limit - sum - 1, back - now }
end
-- Rule 3: refuse and write nothing (a re-bucketed state is kept, as the memory store keeps it).
if rebucketed then
  redis.call('SET', KEYS[1], struct.pack('${STATE}', lastAdmit, ws, ${Array.from({ length: RING_SLOTS }, (_, i) => `c[${i + 1}]`).join(', ')}), 'PX', ARGV[3])
end
local retryAt = lastAdmit + W
local left = sum
for j = k - ${SUB_WINDOWS}, head do
  left = left - c[j % ${RING_SLOTS} + 1]
  if left < limit then
    local at = (j + 1) * g + W
    if at < retryAt then retryAt = at end
    break
  end
end
return { 0, 0, retryAt - now }
`;

/** The production script: time from Redis `TIME`, no time argument accepted. */
export const LIMITER_SCRIPT: RedisScript = redisScript('Redis limiter', limiterLua(false));
/** The test script: time from `ARGV[4]`; built only for stores given `unsafeTestClock`. */
const TEST_LIMITER_SCRIPT: RedisScript = redisScript('Redis limiter (test clock)', limiterLua(true));

const optionsSchema = z.strictObject({
  prefix: z.optional(prefix),
  timeoutMs: z.optional(integer(1, 60_000)),
  unsafeTestClock: z.optional(fn<() => number>('a function returning integer ms')),
});

/**
 * The Redis key for a limiter key: `${budget}:${class}` becomes `${prefix}rl:{${budget}}:${class}`,
 * so both classes of one budget hash to one Cluster slot.
 */
export function limiterKey(prefix: string, key: string): string {
  const cut = key.lastIndexOf(':');
  return cut === -1 ? `${prefix}rl:{${key}}` : `${prefix}rl:{${key.slice(0, cut)}}${key.slice(cut)}`;
}

const wholeSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * A {@link LimiterStore} over Redis: each `consume` is one atomic `EVALSHA` that reads the
 * server's `TIME`, decides exactly as the memory store does, and writes only when it admits.
 * Per budget and class Redis holds one 56-byte string (plus the key) that expires a window
 * (plus a second) after the last admission, so idle tokens cost nothing.
 *
 * A restart, a failover or `SCRIPT FLUSH` that drops the script is handled: the store loads it
 * again and retries once. ⚠️ A restart without persistence resets every budget (a burst of up to
 * `limit` is admitted again); that never exceeds a limit by more than one window's worth.
 *
 * @example One budget across every instance
 * ```ts
 * import Redis from 'ioredis';
 * import { fromIoredis, redisLimiter } from 'keycard/redis';
 *
 * const port = fromIoredis(new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false }));
 * const keycard = createKeycard({ prefix: 'acme', scopes, store, limiter: redisLimiter(port) });
 * ```
 */
export function redisLimiter(port: RedisPort, options: RedisLimiterOptions = {}): RedisLimiter {
  checkRedisPort(port, 'redisLimiter');
  const o = parseOptions(optionsSchema, options, 'redisLimiter');
  const keyPrefix = o.prefix ?? 'keycard:';
  const timeoutMs = o.timeoutMs ?? 1000;
  const testClock = o.unsafeTestClock;
  const script = testClock ? TEST_LIMITER_SCRIPT : LIMITER_SCRIPT;
  const margin = testClock ? TEST_TTL_MARGIN_MS : TTL_MARGIN_MS;
  // One timer for every call in flight (see SharedDeadline), not a setTimeout per call.
  const deadline = new SharedDeadline(timeoutMs, script.name);

  return {
    async consume(key: string, limit: number, windowSeconds: number): Promise<LimitDecision> {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new KeycardError('invalid_argument', `limit must be an integer from 1 to ${MAX_LIMIT}`);
      }
      if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > MAX_WINDOW_SECONDS) {
        throw new KeycardError('invalid_argument', `windowSeconds must be an integer from 1 to ${MAX_WINDOW_SECONDS}`);
      }
      if (typeof key !== 'string' || key.length === 0)
        throw new KeycardError('invalid_argument', 'key must be a non-empty string');
      const windowMs = windowSeconds * 1000;
      const args: (string | number)[] = [limit, windowSeconds, windowMs + margin];
      if (testClock) {
        const now = testClock();
        if (!Number.isSafeInteger(now))
          throw new KeycardError('invalid_argument', 'unsafeTestClock must return integer milliseconds');
        args.push(now);
      }
      return decision(await deadline.run(evalScript(port, script, [limiterKey(keyPrefix, key)], args)));
    },
  };
}

/** The script's `{ allowed, remaining, ms }` (ms: next unit back when allowed, retry when refused) as a `LimitDecision`. */
export function decision(reply: unknown): LimitDecision {
  if (!isArray(reply) || reply.length !== 3)
    throw new KeycardError('unavailable', 'Redis limiter answered an unexpected reply');
  const [allowed, remaining, retryAfterMs] = reply.map(Number) as [number, number, number];
  if (allowed === 1)
    return {
      allowed: true,
      remaining,
      resetSeconds: wholeSeconds(retryAfterMs),
      retryAfterMs: 0,
      retryAfterSeconds: 0,
    };
  const retryAfterSeconds = wholeSeconds(retryAfterMs);
  return { allowed: false, remaining: 0, resetSeconds: retryAfterSeconds, retryAfterMs, retryAfterSeconds };
}
