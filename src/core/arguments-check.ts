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
 * was mounted as middleware (`app.use('/api/*', honoGuard)`). Given the factory's other argument
 * and its check, the one error names that argument too when it is wrong (createKeycard's format,
 * `<factory>: <first>; <second>`): the keycard given as the second (the arguments swapped), or what
 * `checkRest` throws as a KeycardError. `checkRest` runs only when the keycard is wrong.
 *
 * @param usage how the factory is called, for the message (`honoGuard(keycard, { scope: … })`); the
 *   core's factories, whose bytes every edge bundle pays, leave it out
 * @param ok whether it is one, when the factory needs more than `authenticate` to tell
 * @param second the factory's second argument (its options)
 * @param checkRest the factory's own check of its other arguments, needing no keycard
 * @throws KeycardError `invalid_config` naming the factory and `createKeycard()`
 */
export function checkKeycard(
  keycard: unknown,
  factory: string,
  usage = '',
  ok = hasMethod(keycard, 'authenticate'),
  second?: unknown,
  checkRest?: () => unknown,
): void {
  if (ok) return;
  let rest = '';
  if (hasMethod(second, 'authenticate')) rest = '; the second argument is the keycard: the arguments are swapped';
  else
    try {
      checkRest?.();
    } catch (e) {
      if (e instanceof KeycardError) rest = `; ${e.message.slice(factory.length + 2)}`;
    }
  throw new KeycardError(
    'invalid_config',
    `${factory}: the first argument must be the keycard createKeycard() returned${usage && ` (${usage})`}, got ${kindOf(keycard)}${rest}`,
  );
}

/** One argument of a building block: its name, whether it is right, what it must be, and it. */
export type ArgumentCheck = readonly [name: string, ok: boolean, expected: string, value: unknown];

/**
 * Refuses the wrong arguments of an exported building block (`validateToken`, the kits' helpers),
 * every one named in one error, where the mistake would otherwise surface as a TypeError from
 * inside it or a wrong answer. The values are never quoted, only their kinds.
 *
 * @throws KeycardError `invalid_argument`: `<fn>: <name> must be <expected>, got <kind>; …`, with
 *   `fields` the wrong arguments' names
 */
export function checkArguments(fn: string, ...checks: ArgumentCheck[]): void {
  const bad = checks.filter((c) => !c[1]);
  if (bad.length > 0)
    throw new KeycardError(
      'invalid_argument',
      `${fn}: ${bad.map((c) => `${c[0]} must be ${c[2]}, got ${kindOf(c[3])}`).join('; ')}`,
      { fields: bad.map((c) => c[0]) },
    );
}
