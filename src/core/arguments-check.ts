/**
 * The first argument of a public factory, checked when the factory is called: one left out, an
 * options object where the keycard goes (the arguments swapped), a client where its port goes.
 * Otherwise the mistake surfaces later, as a TypeError naming keycard's internals.
 */
import { KeycardError } from './errors.ts';

/** What a misplaced argument is, for the errors below: `undefined`, `null`, `a function`, `an object`, … */
export function kindOf(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `value[method]` is a function, for any value. */
export const hasMethod = (value: unknown, method: string): boolean =>
  typeof (value as Record<string, unknown> | null | undefined)?.[method] === 'function';

/**
 * @param expected what the first argument must be, with how it is made (`a RedisPort (fromIoredis(client), …)`)
 * @throws KeycardError `invalid_config`: `<factory>: the first argument must be <expected>, got <kind>`
 */
export function checkFirst(ok: boolean, value: unknown, factory: string, expected: string): void {
  if (!ok)
    throw new KeycardError(
      'invalid_config',
      `${factory}: the first argument must be ${expected}, got ${kindOf(value)}`,
    );
}

/**
 * Refuses a first argument that is not a keycard: one left out, an options object, a scope
 * catalogue, or (from untyped code) the framework's own arguments when the adapter function itself
 * was mounted as middleware (`app.use('/api/*', honoGuard)`).
 *
 * @param usage how the factory is called, for the message (`honoGuard(keycard, { scope: … })`); the
 *   core's factories, whose bytes every edge bundle pays, leave it out
 * @param ok whether it is one, when the factory needs more than `authenticate` to tell
 * @throws KeycardError `invalid_config` naming the factory and `createKeycard()`
 */
export function checkKeycard(
  keycard: unknown,
  factory: string,
  usage = '',
  ok = typeof (keycard as { authenticate?: unknown } | null | undefined)?.authenticate === 'function',
): void {
  if (!ok)
    throw new KeycardError(
      'invalid_config',
      `${factory}: the first argument must be the keycard createKeycard() returned${usage && ` (${usage})`}, got ${kindOf(keycard)}`,
    );
}
