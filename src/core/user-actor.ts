/**
 * The person an integrator's `authorize(request)` hook answers (the management handler and the
 * device-login routes, SPEC §11 and §13): `{ kind: 'user', id, scopes }`. Its `id` becomes the
 * owner of what the person creates, so it must be an id every store keeps the same.
 */
import { storable } from './well-formed.ts';
import { isArray } from './builtins.ts';

/** The longest owner id a lifecycle call takes (`ownerId`, an actor's `id`). */
export const MAX_ID_LENGTH = 256;

/**
 * What `authorize()` must answer, for the report of an integrator's bug. Built on call: a
 * module-level template would stay in every bundle that imports {@link MAX_ID_LENGTH}.
 */
export const userActorRule = (): string =>
  `authorize() must return { kind: 'user', id, scopes } or null; id a non-empty string of at most ${MAX_ID_LENGTH} ` +
  'characters with no NUL character or lone surrogate, scopes an array of strings';

/** Whether `v` is a user actor every store can keep as an owner (see {@link userActorRule}). */
export function isUserActor(v: unknown): v is { kind: 'user'; id: string; scopes: readonly string[] } {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    a.kind === 'user' &&
    typeof a.id === 'string' &&
    a.id.length > 0 &&
    a.id.length <= MAX_ID_LENGTH &&
    storable(a.id) &&
    isArray(a.scopes) &&
    a.scopes.every((s) => typeof s === 'string')
  );
}
