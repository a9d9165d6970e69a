/**
 * The strict-options rule for the few options objects that are not zod schemas (guard
 * requirements, the pending-grant store): an unknown key — a misspelled option —
 * is an `invalid_config` naming every such key, never silently ignored.
 */
import { KeycardError } from './errors.ts';

/** The unknown keys of `value` (own enumerable keys not in `known`); none when it is not an object. */
export function unknownKeys(value: unknown, known: readonly string[]): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).filter((k) => !known.includes(k));
}

/**
 * @throws KeycardError `invalid_config`: "`where`: revocationBoundMS: unknown option (known: …)",
 *   one clause per unknown key
 */
export function assertKnownKeys(where: string, value: unknown, known: readonly string[]): void {
  const unknown = unknownKeys(value, known);
  if (unknown.length === 0) return;
  const list = unknown.map((k) => `${JSON.stringify(k).slice(0, 66)}: unknown option`).join('; ');
  throw new KeycardError('invalid_config', `${where}: ${list} (known: ${known.join(', ')})`);
}
