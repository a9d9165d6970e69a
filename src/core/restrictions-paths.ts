/**
 * Reading a resource path against a hierarchy, and naming what is wrong with one: the error
 * texts of core/restrictions.ts, kept apart so the decision code stays short.
 */
import { KeycardError } from './errors.ts';
import { excerpt } from './redact.ts';
import type { ResourcePath } from './restrictions.ts';
import { isArray, stringify } from './builtins.ts';

/**
 * The number of levels `path` names, after checking it is a contiguous prefix of `types`.
 * Allocation-free on success: an index loop over the types (own properties only, since a type
 * may be named `toString`), then a `for…in` count. The count includes inherited enumerable keys
 * on purpose: a polluted `Object.prototype` makes every path fail loudly rather than pass.
 */
export function pathLength(types: readonly string[], path: ResourcePath): number {
  if (path === null || typeof path !== 'object' || isArray(path)) {
    throw new KeycardError(
      'invalid_argument',
      `resource path must be an object such as { ${types[0]}: 'id' }, got ${describeType(path)}`,
    );
  }
  let n = 0;
  while (n < types.length) {
    const type = types[n]!;
    if (!Object.hasOwn(path, type)) break;
    const id: unknown = path[type];
    if (typeof id !== 'string' || id.length === 0) {
      throw new KeycardError(
        'invalid_argument',
        `resource path ${type} must be a non-empty string id, got ${describeType(id)}`,
      );
    }
    n++;
  }
  let keys = 0;
  // Inherited enumerable keys are counted on purpose (see above).
  for (const _key in path) keys++;
  if (n > 0 && keys === n) return n;
  throw new KeycardError('invalid_argument', explainBadPath(types, path, n));
}

/**
 * The resource a 403 names for a path the hierarchy cannot read (an empty id from the URL, a
 * skipped level): its last entry, as the client asked for it. Such a path is the integrator's bug
 * (reported to `onError`), but it came from the request, so it is refused, never a 500 or a 503.
 */
export function unreadableResource(path: unknown): { readonly type: string; readonly id: string } {
  const last = Object.entries(path ?? {}).at(-1);
  const id = last?.[1];
  // Only text or a number is named: String() throws a TypeError on an object without toString or
  // valueOf (`Object.create(null)`), and an object's `[object Object]` names nothing.
  return { type: last?.[0] ?? 'resource', id: typeof id === 'string' || typeof id === 'number' ? `${id}` : '' };
}

/** Names what is wrong with a path `pathLength` refused; off the hot path, so it may allocate. */
function explainBadPath(types: readonly string[], path: ResourcePath, n: number): string {
  const keys: string[] = [];
  for (const key in path) keys.push(key);
  const unknown = keys.find((key) => !types.includes(key));
  if (unknown !== undefined) {
    return `resource path names unknown resource type ${quote(unknown)}; the hierarchy declares ${types.join(', ')}`;
  }
  if (keys.length === 0) return `resource path is empty; it must name at least the root, e.g. { ${types[0]}: 'id' }`;
  const deeper = types.slice(n).find((type) => keys.includes(type));
  if (deeper !== undefined)
    return `resource path names ${deeper} but skips ${types[n]}; a path runs from ${types[0]} down without gaps`;
  return `resource path is not a contiguous prefix of ${types.join(' > ')}`;
}

/** A quoted, length-capped rendering of a name that came from the caller. */
export function quote(name: string): string {
  return stringify(excerpt(name, 64));
}

export function describeValue(value: unknown): string {
  return typeof value === 'string' ? quote(value) : describeType(value);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (isArray(value)) return 'an array';
  return typeof value;
}
