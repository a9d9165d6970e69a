/**
 * The requirement a framework guard takes: the core's `AuthRequirement` with the scope names of
 * the keycard it guards for, and the start-up check of a fixed requirement (an unknown scope is a
 * configuration error, not a route that answers every request 403).
 */
import {
  checkResource,
  defineHierarchy,
  KeycardError,
  type AuthRequirement,
  type Keycard,
  type Requirement,
  type ResourcePath,
} from '../index.ts';
import { requirementError } from '../adapter-kit.ts';

/** A guard's requirement: `scope` names only scopes of the keycard's catalogue (a compile error otherwise). */
export type GuardRequirement<S extends string = string> = Omit<AuthRequirement, 'scope'> & {
  readonly scope?: Requirement<S>;
};

import { kindOf } from '../adapter-kit.ts';
export { checkKeycard, kindOf } from '../adapter-kit.ts';

/**
 * Refuses, at start, a fixed requirement that is not an object (a scope name given as a string,
 * `null`, a promise), one with a key `AuthRequirement` lacks (or its `resource` one `{ path, access }`
 * lacks), a `resource.path` the keycard's `resources` cannot read (a misspelt type, a skipped level),
 * or one naming a scope the catalogue does not declare (or an
 * empty `allOf`/`anyOf`); a requirement computed per request is checked by the core as it is met.
 *
 * @throws KeycardError `invalid_config` naming the adapter and every bad field
 */
export function checkRequirement<S extends string>(keycard: Keycard<S>, adapter: string, requirement: unknown): void {
  if (requirement === undefined || typeof requirement === 'function') return;
  const bad = [requirementError(requirement), resourceError(keycard, requirement)].filter((b) => b !== null);
  if (bad.length > 0) throw new KeycardError('invalid_config', `${adapter}: ${bad.join('; ')}`);
  const scope = (requirement as { scope?: unknown }).scope;
  if (scope === undefined) return;
  try {
    keycard.scopes.assertRequirement(scope as Requirement);
  } catch (error) {
    if (error instanceof KeycardError) throw new KeycardError('invalid_config', `${adapter}: ${error.message}`);
    throw error;
  }
}

/**
 * The requirement and the handler of a wrapper (`withKeycard(keycard, requirement, handler)`), both
 * named when both are wrong: `withKeycard(keycard, handler)` from untyped code would otherwise run
 * the handler as the requirement, unauthenticated.
 *
 * @throws KeycardError `invalid_config` naming the adapter, the handler and the requirement
 */
export function checkHandlerArguments(keycard: Keycard, adapter: string, requirement: unknown, handler: unknown): void {
  const bad: string[] = [];
  if (typeof handler !== 'function') {
    const usage = `${adapter}(keycard, { scope: … }, handler), with undefined as the requirement for none`;
    bad.push(`handler must be a function, got ${kindOf(handler)}: ${usage}`);
  }
  try {
    checkRequirement(keycard, adapter, requirement);
  } catch (e) {
    // Anything else comes of a wrong keycard, which checkKeycard names.
    if (e instanceof KeycardError) bad.push(e.message.slice(adapter.length + 2));
  }
  if (bad.length > 0) throw new KeycardError('invalid_config', `${adapter}: ${bad.join('; ')}`);
}

/**
 * What is wrong with a fixed requirement's `resource` beyond its keys (the core names those), or
 * null: not an object, no `resources` on the keycard, a path its hierarchy cannot read (a misspelt
 * type, a skipped level, an empty id), an access other than `read`/`write`. The core would fail
 * such a route closed on every request (403, `onError`); here it is named before the app starts.
 */
function resourceError(keycard: Keycard, requirement: unknown): string | null {
  const resource = (requirement as { resource?: unknown } | null)?.resource;
  if (resource == null) return null;
  if (typeof resource !== 'object' || Array.isArray(resource)) return 'resource: must be { path, access? }';
  if (keycard.resourceTypes.length === 0) return 'resource: needs `resources` (the hierarchy) on createKeycard';
  const { path, access } = resource as { path?: unknown; access?: unknown };
  const bad: string[] = [];
  try {
    checkResource(defineHierarchy(keycard.resourceTypes), null, path as ResourcePath, 'read');
  } catch (e) {
    bad.push(`resource.path: ${(e as Error).message.replace(/^resource path /, '')}`);
  }
  if (access !== undefined && access !== 'read' && access !== 'write')
    bad.push("resource.access: must be 'read' or 'write'");
  return bad.length > 0 ? bad.join('; ') : null;
}
