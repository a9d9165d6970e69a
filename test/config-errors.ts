/**
 * The one shape of a bad-options error, checked the same way for every options parser:
 * `KeycardError('invalid_config')` whose message is `where: field: problem; a, b: unknown options`
 * (the core's `configError`), every bad field named, and no secret of the options quoted.
 */
import { expect } from 'vitest';
import { createKeycard, defineScopes, isKeycardError } from '../src/index.ts';

/** What `createKeycard` (the core's formatter) says of a problem: its message without `createKeycard: `. */
export function coreSays(options: Record<string, unknown>): string {
  try {
    createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }), ...options } as never);
  } catch (error) {
    return (error as Error).message.replace(/^createKeycard: /, '');
  }
  throw new Error('createKeycard accepted the options');
}

/**
 * The core's clause for `value` given to a `field` that takes a string or a number (`createKeycard`'s
 * `realm` or `cacheSize` given it, renamed): `appName: Invalid input: expected string, received number`.
 */
export function coreWrongType(field: string, value: unknown, type: 'string' | 'number'): string {
  const core = type === 'string' ? 'realm' : 'cacheSize';
  return coreSays({ [core]: value }).replace(core, field);
}

/** The error `run` throws (synchronously or as a rejection). */
export async function errorOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * Asserts the one format: code `invalid_config`; `${where}: ` then one `field: problem` clause per
 * bad field; the unknown keys in the very clause the core writes for them; none of `secrets` in the
 * message or its causes; and, when given, the whole `message`. Answers the message.
 */
export async function expectConfigError(
  run: () => unknown,
  expected: {
    where: string;
    invalid: readonly string[];
    unknown: readonly string[];
    secrets?: readonly string[];
    /** The whole message, when the test knows it. */
    message?: string;
  },
): Promise<string> {
  const error = await errorOf(run);
  expect(isKeycardError(error), `not a KeycardError: ${String(error)}`).toBe(true);
  const { code, message } = error as { code: string; message: string };
  expect(code).toBe('invalid_config');
  if (expected.message !== undefined) expect(message).toBe(expected.message);
  expect(message.startsWith(`${expected.where}: `), message).toBe(true);
  const clauses = message.slice(expected.where.length + 2).split('; ');
  const named = clauses.flatMap((clause) => {
    const colon = clause.indexOf(': ');
    expect(colon, `"${clause}" is not "field: problem"`).toBeGreaterThan(0);
    return clause.slice(0, colon).split(', ');
  });
  expect(named.sort()).toEqual([...expected.invalid, ...expected.unknown].sort());
  if (expected.unknown.length > 0) {
    const core = coreSays(Object.fromEntries(expected.unknown.map((k) => [k, 1])));
    expect(clauses).toContain(core);
  }
  let cause: unknown = error;
  for (let depth = 0; cause !== undefined && depth < 10; depth++) {
    const text = `${String((cause as Error).message)} ${String((cause as Error).stack)}`;
    for (const secret of expected.secrets ?? []) expect(text).not.toContain(secret);
    cause = (cause as { cause?: unknown }).cause;
  }
  return message;
}
