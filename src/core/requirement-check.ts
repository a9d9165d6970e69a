/**
 * The shape of a requirement, checked on every check that is given one (SPEC §8: a check never
 * fails open). A requirement a guard computes per request from untyped code may be a promise (an
 * `async` function where the guard takes a synchronous one), a string, `null`, or carry a
 * misspelled key (`scopes`, `resource.acess`); read as a requirement, each would ask for less than
 * written and let a token through unchecked. Allocation-free when the requirement is well formed.
 */
import { REQUIREMENT_KEYS, type AuthRequirement } from './auth-types.ts';
import { excerpt } from './redact.ts';
import { isScopeToken } from './scope-token.ts';
import { freeze, isArray, stringify } from './builtins.ts';

const KEYS: ReadonlySet<string> = new Set(REQUIREMENT_KEYS);

/**
 * What is wrong with `requirement`, naming every bad field, or null when it is a requirement
 * (a plain object with only the keys of `AuthRequirement`).
 *
 * @example
 * ```ts
 * requirementError({ scope: 'read' })  // null
 * requirementError({ scopes: 'read' }) // 'scopes: unknown option'
 * requirementError({ resource: { path: { company: 'c1' }, acess: 'write' } }) // 'resource.acess: unknown option'
 * requirementError('read')             // 'requirement must be an object such as { scope: "read" }, got a string'
 * ```
 */
export function requirementError(requirement: unknown): string | null {
  if (requirement === RETURNED_NOTHING)
    return 'requirement function returned nothing: return the requirement object (an arrow function with a block body, (req) => { scope: "read" }, returns undefined)';
  if (typeof requirement !== 'object' || requirement === null || isArray(requirement)) {
    const got = requirement === null ? 'null' : isArray(requirement) ? 'an array' : `a ${typeof requirement}`;
    return `requirement must be an object such as { scope: "read" }, got ${got}`;
  }
  if (typeof (requirement as { then?: unknown }).then === 'function')
    return 'requirement must be an object, got a promise: compute it synchronously';
  const { scope, resource } = requirement as AuthRequirement;
  return joined(
    unknownKeys(requirement, KEYS, ''),
    typeof resource == 'object' && resource ? unknownKeys(resource, RESOURCE_KEYS, 'resource.') : null,
    scope === undefined ? null : scopeError(scope), // undefined: no scope asked
    valuesError(requirement as Record<string, unknown>, resource),
  );
}

/** The problems found, `; `-joined, or null when none (allocation-free then). */
const joined = (a: string | null, b: string | null, c: string | null, d: string | null): string | null =>
  a === null && b === null && c === null && d === null ? null : [a, b, c, d].filter((x) => x !== null).join('; ');

const RW = "'read' or 'write'";

/**
 * The requirement's values of a fixed kind, each named with what it must be when it is not:
 * `class` and `resource.access` ('read' or 'write': a `'Read'` charged the write budget and asked
 * write access), `workspaceId`, `forbid` (anything but a function was a TypeError and a 503 on
 * every request), `surface`, `rpcMethod` and `tool`. Allocation-free when all hold.
 */
function valuesError(r: Record<string, unknown>, resource: unknown): string | null {
  const { class: c, workspaceId: w, forbid: f, surface: s, rpcMethod: m, tool: t } = r;
  const a = typeof resource == 'object' && resource ? (resource as { access?: unknown }).access : undefined;
  const C = c === undefined || c === 'read' || c === 'write';
  const A = a === undefined || a === 'read' || a === 'write';
  const W = w == null || typeof w === 'string';
  const F = f === undefined || typeof f === 'function';
  const S = s === undefined || s === 'http' || s === 'mcp';
  const M = m === undefined || typeof m === 'string';
  const T = t === undefined || typeof t === 'string';
  if (C && A && W && F && S && M && T) return null;
  return [
    C || `class: must be ${RW}`,
    A || `resource.access: must be ${RW}`,
    W || 'workspaceId: must be a string or null',
    F || 'forbid: must be a function',
    S || "surface: must be 'http' or 'mcp'",
    M || 'rpcMethod: must be a string',
    T || 'tool: must be a string',
  ]
    .filter((x) => x !== true)
    .join('; ');
}

/**
 * The keys of a requirement's `resource` (`{ path, access? }`). A misspelt one (`acess`) would
 * leave the access to the request's class, a write meant on a GET checked as a read (SPEC §4): a
 * fail-open from a typo. The rest of a wrong `resource` fails closed where it is read (a path or
 * access the hierarchy cannot read is a 403 reported to `onError`); the guards name it at start.
 */
const RESOURCE_KEYS: ReadonlySet<string> = new Set(['path', 'access']);

/** Each own key of `object` that `keys` lacks, named `<prefix><key>: unknown option`, or null; allocation-free when none. */
function unknownKeys(object: object, keys: ReadonlySet<string>, prefix: string): string | null {
  for (const key in object) {
    if (!keys.has(key) && Object.hasOwn(object, key)) {
      return Object.keys(object)
        .filter((k) => !keys.has(k))
        .map((k) => `${prefix}${excerpt(stringify(k).slice(1, -1), 64)}: unknown option`)
        .join('; ');
    }
  }
  return null;
}

/**
 * What is wrong with a requirement's scope, as {@link requirementError} names it (`scope: …`), or
 * null. The scope catalogue's `missing`, `satisfies` and `assertRequirement` run it first, so a
 * scope nested in itself is named there too, not walked to a `RangeError`.
 */
export function scopeError(scope: unknown): string | null {
  groups = 0;
  const bad = unscoped(scope, null);
  if (groups > MAX_GROUPS) return `scope: more than ${MAX_GROUPS} allOf/anyOf groups, or one nested in itself`;
  if (bad === null) return null;
  // No catalogue declares such a name (SPEC §3), so no token can meet the requirement.
  const names = bad.filter((b) => b.startsWith('"'));
  const parts = bad.filter((b) => !b.startsWith('"'));
  return [
    ...(names.length > 0 ? [`scope: not RFC 6749 scope-tokens: ${names.join(', ')}`] : []),
    ...(parts.length > 0 ? [`scope: not a scope name or an allOf/anyOf array: ${parts.join(', ')}`] : []),
  ].join('; ');
}

/**
 * The most allOf/anyOf groups a requirement's scope may have, counted as walked (a group reached
 * twice counts twice). No requirement one writes comes near; a scope nested in itself (a cycle)
 * or past it is refused as the walk reaches it, rather than overflow the stack (a `RangeError`) or,
 * as a cycle of two alternatives would to a depth bound, take 2^depth steps; the scope check
 * (core/scopes.ts) then walks at most as many.
 */
const MAX_GROUPS = 64;
/** Groups walked by the current {@link scopeError} (synchronous: set to 0 before each walk). */
let groups = 0;

/**
 * What in a requirement's scope no catalogue can declare or the scope check cannot read, each as
 * an error names it (a name quoted), or null. Such a name is never held, so the requirement is an
 * integrator's bug, and a 403 would have to name it in the challenge's `scope` attribute, where
 * RFC 6750 §3 forbids `"` and `\`. A part read otherwise by the scope check (core/scopes.ts: an
 * `anyOf` string is its characters, a Set its members, `allOf` wins over `anyOf`) fails closed
 * too, also where an alternative beside it is met. Allocation-free when the scope is well formed.
 */
function unscoped(scope: unknown, found: string[] | null): string[] | null {
  if (typeof scope === 'string') return isScopeToken(scope) ? found : [...(found ?? []), stringify(excerpt(scope, 64))];
  const problem = partProblem(scope);
  if (problem !== null) return [...(found ?? []), problem];
  if (++groups > MAX_GROUPS) return found; // scopeError names it
  const node = scope as { allOf?: unknown; anyOf?: unknown };
  for (const part of ('allOf' in node ? node.allOf : node.anyOf) as unknown[]) found = unscoped(part, found);
  return found;
}

/** Why `part`, not a string, is no `{ allOf: [...] }` or `{ anyOf: [...] }`, or null. */
function partProblem(part: unknown): string | null {
  if (part === null || part === undefined) return String(part);
  if (typeof part !== 'object') return `a ${typeof part}`;
  const all = 'allOf' in part;
  const any = 'anyOf' in part;
  if (all && any) return 'an object with both allOf and anyOf';
  if (!all && !any) return isArray(part) ? 'an array' : 'an object with neither allOf nor anyOf';
  const key = all ? 'allOf' : 'anyOf';
  return isArray((part as Record<string, unknown>)[key]) ? null : `an ${key} that is not an array`;
}

/** What {@link computedRequirement} hands the core for a requirement function that returned `undefined`. */
const RETURNED_NOTHING: AuthRequirement = freeze({});

/**
 * The requirement a guard's requirement function returned, for the core to check. `undefined` is
 * not "authenticate only" (that is a guard given no requirement at all): it is what
 * `(req) => { scope: 'tickets:write' }` returns (a block with a label), so it becomes a value the
 * core refuses (503 `unavailable`, `invalid_config` reported), never the empty requirement.
 *
 * @example In an adapter
 * ```ts
 * const need = typeof requirement === 'function' ? computedRequirement(requirement(req)) : requirement;
 * ```
 */
export function computedRequirement<R>(returned: R | undefined): R | AuthRequirement {
  return returned === undefined ? RETURNED_NOTHING : returned;
}
