/**
 * The requirement a framework guard takes: the core's `AuthRequirement` with the scope names of
 * the keycard it guards for, and the start-up check of a fixed requirement (an unknown scope is a
 * configuration error, not a route that answers every request 403).
 */
import { KeycardError, type AuthRequirement, type Keycard, type Requirement } from '../index.ts';
import { REQUIREMENT_KEYS } from '../adapter-kit.ts';

/** A guard's requirement: `scope` names only scopes of the keycard's catalogue (a compile error otherwise). */
export type GuardRequirement<S extends string = string> = Omit<AuthRequirement, 'scope'> & {
  readonly scope?: Requirement<S>;
};

/**
 * Refuses, at start, a fixed requirement that is not an object (a scope name given as a string,
 * `null`, a promise), one with a key `AuthRequirement` lacks, or one naming a scope the catalogue does not declare (or an
 * empty `allOf`/`anyOf`); a requirement computed per request is checked by the core as it is met.
 *
 * @throws KeycardError `invalid_config` naming the adapter and the unknown scope
 */
export function checkRequirement<S extends string>(keycard: Keycard<S>, adapter: string, requirement: unknown): void {
  if (requirement === undefined || typeof requirement === 'function') return;
  if (typeof requirement !== 'object' || requirement === null || Array.isArray(requirement))
    throw new KeycardError('invalid_config', `${adapter}: requirement must be an object such as { scope: "read" }`);
  if (typeof (requirement as { then?: unknown }).then === 'function')
    throw new KeycardError('invalid_config', `${adapter}: requirement must be an object, got a promise`);
  const unknown = Object.keys(requirement).filter((k) => !(REQUIREMENT_KEYS as readonly string[]).includes(k));
  if (unknown.length)
    throw new KeycardError('invalid_config', `${adapter}: ${unknown.map((k) => `${k}: unknown option`).join('; ')}`);
  const scope = (requirement as { scope?: unknown }).scope;
  if (scope === undefined) return;
  try {
    keycard.scopes.assertRequirement(scope as Requirement);
  } catch (error) {
    if (error instanceof KeycardError) throw new KeycardError('invalid_config', `${adapter}: ${error.message}`);
    throw error;
  }
}
