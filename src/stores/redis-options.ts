/**
 * Option validation shared by the Redis stores: zod once, at construction (STYLE rule 7), every
 * bad field named by the core's one formatter, e.g.
 * `redisLimiter: timeoutMs: must be an integer from 1 to 60000; clock: unknown option`.
 */
import * as z from 'zod/mini';
import { configError, english, intFrom } from '../core/config.ts';
import { schema, text } from '../core/kinds.ts';
import { checkFirst, hasMethod } from '../core/arguments-check.ts';

/**
 * Refuses, at construction, a first argument that is not a RedisPort: none, the keycard, or the
 * Redis client itself instead of `fromIoredis(client)` (which would fail on its first command).
 */
export function checkRedisPort(port: unknown, name: string): void {
  checkFirst(
    hasMethod(port, 'evalsha') && hasMethod(port, 'scriptLoad'),
    port,
    name,
    'a RedisPort (fromIoredis(client), fromNodeRedis(client), or your own)',
  );
}

/** Throws `KeycardError('invalid_config')` naming every bad field of `options` (`configError`). */
export function parseOptions<T>(schema: z.ZodMiniType<T>, options: unknown, name: string): T {
  const parsed = schema.safeParse(options, english);
  if (parsed.success) return parsed.data;
  throw configError(name, parsed.error);
}

/** An integer option in [min, max], with the message it fails with. */
export const integer = intFrom;

/** The key prefix option. */
export const prefix = schema<string>(text({ max: 200, error: 'must be a string of at most 200 characters' }));

/** A function option. */
export const fn = <T extends (...args: never[]) => unknown>(what: string) =>
  z.custom<T>((v) => typeof v === 'function', { error: `must be ${what}` });
