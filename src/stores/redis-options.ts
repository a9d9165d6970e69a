/**
 * Option validation shared by the Redis stores: zod once, at construction (STYLE rule 7), with a
 * message that names the bad field, e.g. `redisLimiter.timeoutMs must be an integer from 1 to 60000`.
 */
import * as z from 'zod/mini';
import { english } from '../core/config.ts';
import { KeycardError } from '../core/errors.ts';

/** Throws `KeycardError('invalid_config')` naming the first bad field of `options`. */
export function parseOptions<T>(schema: z.ZodMiniType<T>, options: unknown, name: string): T {
  const parsed = schema.safeParse(options, english);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field =
    issue?.code === 'unrecognized_keys'
      ? `${issue.keys[0] ?? ''} is not a known option`
      : `${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`;
  throw new KeycardError('invalid_config', `${name}.${field}`);
}

/** An integer option in [min, max], with the message it fails with. */
export const integer = (min: number, max: number) => {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).check(z.int({ error }), z.minimum(min, { error }), z.maximum(max, { error }));
};

/** The key prefix option. */
export const prefix = z
  .string({ error: 'must be a string of at most 200 characters' })
  .check(z.maxLength(200, { error: 'must be a string of at most 200 characters' }));

/** A function option. */
export const fn = <T extends (...args: never[]) => unknown>(what: string) =>
  z.custom<T>((v) => typeof v === 'function', { error: `must be ${what}` });
