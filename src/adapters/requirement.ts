/**
 * The requirement a framework guard takes: the core's `AuthRequirement` with the scope names of
 * the keycard it guards for, and the start-up check of a fixed requirement (an unknown scope is a
 * configuration error, not a route that answers every request 403).
 */
import { KeycardError, type AuthRequirement, type Keycard, type Requirement } from '../index.ts';
import { requirementError } from '../adapter-kit.ts';

/** A guard's requirement: `scope` names only scopes of the keycard's catalogue (a compile error otherwise). */
export type GuardRequirement<S extends string = string> = Omit<AuthRequirement, 'scope'> & {
  readonly scope?: Requirement<S>;
};

export { checkKeycard, kindOf } from '../adapter-kit.ts';

/**
 * Refuses, at start, a fixed requirement that is not an object (a scope name given as a string,
 * `null`, a promise), one with a key `AuthRequirement` lacks, or one naming a scope the catalogue does not declare (or an
 * empty `allOf`/`anyOf`); a requirement computed per request is checked by the core as it is met.
 *
 * @throws KeycardError `invalid_config` naming the adapter and the unknown scope
 */
export function checkRequirement<S extends string>(keycard: Keycard<S>, adapter: string, requirement: unknown): void {
  if (requirement === undefined || typeof requirement === 'function') return;
  const bad = requirementError(requirement);
  if (bad !== null) throw new KeycardError('invalid_config', `${adapter}: ${bad}`);
  const scope = (requirement as { scope?: unknown }).scope;
  if (scope === undefined) return;
  try {
    keycard.scopes.assertRequirement(scope as Requirement);
  } catch (error) {
    if (error instanceof KeycardError) throw new KeycardError('invalid_config', `${adapter}: ${error.message}`);
    throw error;
  }
}
