/**
 * Resource restrictions (SPEC §4): a token may be limited, per resource type of a declared
 * hierarchy (company ⊃ project; ./hierarchy.ts), to listed ids. This file holds the validation of
 * restrictions given to `issue`/`update`, the one access rule, the listing filter and the
 * narrowing test that refuses widening updates. Pure; no I/O, no `node:` import.
 *
 * Checks run in request handlers and over whole listings, so the hot path allocates nothing
 * but a denial: the hierarchy is compiled once (a frozen copy of its types and a depth map);
 * `parseRestrictions` compiles its frozen result into a per-depth plan of `Set`s kept in a
 * WeakMap beside it, so a check with parsed restrictions is one index loop; paths are validated
 * with an index loop and a `for…in` count rather than `Object.keys`. Restrictions that did not
 * come from `parseRestrictions` (a record read back from a store) still work, validated and
 * scanned in place on every check, and `filterResources` plans them once per listing.
 */
import { KeycardError } from './errors.ts';
import { holdsToken } from './redact.ts';
import { compile, type Compiled, type Hierarchy } from './hierarchy.ts';
import { describeType, describeValue, pathLength, quote } from './restrictions-paths.ts';
import { storable } from './well-formed.ts';
import { freeze, isArray } from './builtins.ts';

export { defineHierarchy, type Hierarchy } from './hierarchy.ts';

/**
 * A token's restrictions: per resource type, the ids the token may touch, e.g.
 * `{ company: ['c1'], project: ['p1'] }`. A type that is absent is unrestricted; `null` or `{}`
 * means the token is not restricted at all. Lists are never empty: an empty list would be
 * ambiguous (nothing, or everything?), so `parseRestrictions` refuses it.
 */
export type Restrictions = Readonly<Record<string, readonly string[]>>;

/**
 * A resource, described by its path from the root, e.g. `{ company: 'c1', project: 'p1' }`.
 * Its keys are a contiguous prefix of the hierarchy: the root, then each level down to the
 * resource's own type, none skipped. `{ company: 'c1' }` is the company itself, which is also
 * what creating a project in it touches.
 */
export type ResourcePath = Readonly<Record<string, string>>;

/**
 * What a request does to a resource. Listings, reads and searches are `'read'`; creating,
 * changing or deleting anything (including creating a child under the resource) is `'write'`.
 */
export type Access = 'read' | 'write';

/**
 * The outcome of `checkResource`. A denial names the type and id to report: the first listed
 * type from the root whose id is not allowed, or, for a write that a restriction below the
 * resource forbids, the resource's own type and id.
 */
export type ResourceCheck = { ok: true } | { ok: false; type: string; id: string };

/** The longest id a restriction may list, in UTF-16 code units. */
const MAX_ID_LENGTH = 256;

/** Per depth of the hierarchy, the allowed ids, or undefined where that type is unrestricted. */
type Plan = readonly (ReadonlySet<string> | undefined)[];

/**
 * Plans of the frozen objects `parseRestrictions` returned, with the hierarchy they were
 * parsed against. Frozen (lists too), so a plan is never stale.
 */
const plans = new WeakMap<Restrictions, { readonly hierarchy: Compiled; readonly plan: Plan }>();

const ALLOWED: ResourceCheck = freeze({ ok: true });

/**
 * Why one type's ids, as {@link parseRestrictions} read them, cannot be stored as given, or null:
 * a NUL or lone surrogate no store keeps, or a pasted API token (ids are stored and answered as
 * given, unlike labels, which are masked). Every door that takes restrictions asks this.
 */
export function restrictionIdsProblem(ids: readonly unknown[]): string | null {
  if (!ids.every((x) => typeof x === 'string' && storable(x)))
    return 'ids must not contain NUL characters or lone surrogates';
  return ids.some((x) => holdsToken(x as string)) ? 'ids must not hold an API token' : null;
}

/**
 * Validates and normalises the restrictions given to `issue` or `update`. Normalising (ids
 * sorted and de-duplicated, types in hierarchy order, everything frozen) makes stored records
 * comparable; the result also carries a precomputed plan (a `Set` per restricted level, kept in
 * a WeakMap), so checks with it cost one index loop. Run a record read back from a store through
 * it once, too, to get that fast path.
 *
 * `null`, `undefined` and `{}` all mean "unrestricted" and return `null`.
 *
 * @throws KeycardError `invalid_argument` naming the offender: a value that is not an object, a
 *   type the hierarchy does not declare, a list that is not an array or is empty, an id that is
 *   not a string, is empty, or is longer than 256 characters.
 *
 * @example Restricting a token to one project of one company
 * ```ts
 * parseRestrictions(hierarchy, { project: ['p1', 'p1'], company: ['c1'] });
 * // → { company: ['c1'], project: ['p1'] } (frozen)
 * ```
 */
export function parseRestrictions(h: Hierarchy, input: unknown): Restrictions | null {
  const compiled = compile(h);
  const { types, depth } = compiled;
  if (input === null || input === undefined) return null;
  if (typeof input !== 'object' || isArray(input)) {
    throw new KeycardError(
      'invalid_argument',
      'restrictions must be an object mapping a resource type to a list of ids, e.g. { company: ["c1"] }',
    );
  }
  const record = input as Record<string, unknown>;
  const byDepth: (readonly string[] | undefined)[] = [];
  for (const type of Object.keys(record)) {
    const d = depth.get(type);
    if (d === undefined) {
      throw new KeycardError(
        'invalid_argument',
        `restrictions name unknown resource type ${quote(type)}; the hierarchy declares ${types.join(', ')}`,
      );
    }
    const list = record[type];
    if (!isArray(list)) throw new KeycardError('invalid_argument', `restrictions.${type} must be an array of ids`);
    if (list.length === 0) {
      throw new KeycardError(
        'invalid_argument',
        `restrictions.${type} is empty; omit ${type} to leave it unrestricted`,
      );
    }
    list.forEach((id: unknown, index: number) => {
      if (typeof id !== 'string')
        throw new KeycardError(
          'invalid_argument',
          `restrictions.${type}[${index}] must be a string, got ${describeType(id)}`,
        );
      if (id.length === 0) throw new KeycardError('invalid_argument', `restrictions.${type}[${index}] is an empty id`);
      if (id.length > MAX_ID_LENGTH) {
        throw new KeycardError(
          'invalid_argument',
          `restrictions.${type}[${index}] is longer than ${MAX_ID_LENGTH} characters`,
        );
      }
    });
    byDepth[d] = freeze([...new Set(list as string[])].sort());
  }
  const out: Record<string, readonly string[]> = {};
  const plan: (ReadonlySet<string> | undefined)[] = [];
  let count = 0;
  types.forEach((type, d) => {
    const list = byDepth[d];
    plan.push(list === undefined ? undefined : new Set(list));
    if (list !== undefined) {
      out[type] = list;
      count++;
    }
  });
  if (count === 0) return null;
  const restrictions: Restrictions = freeze(out);
  plans.set(restrictions, { hierarchy: compiled, plan });
  return restrictions;
}

/**
 * Decides whether a token with restrictions `r` may `access` the resource at `path` (SPEC §4).
 * Every type of the path that the token restricts must name a listed id, else read and write
 * are denied, naming the first such type from the root. A restriction on a type *below* the
 * resource (a company-level row for a project-restricted token) allows reading it, so the
 * token can find its way down, and denies writing it, since a write there (editing the company,
 * creating another project in it) reaches past the listed children; that denial names the
 * resource's own type and id. No restriction allows everything.
 *
 * Restrictions narrow what the integrator's own access rules allow; they are not an ACL.
 *
 * @throws KeycardError `invalid_argument` when `path` is not a contiguous prefix of the
 *   hierarchy (empty, skips a level, names an unknown type, has an id that is not a non-empty
 *   string), when `access` is neither `'read'` nor `'write'`, or when `r` names a type the
 *   hierarchy does not declare. These are integrator bugs, so they are thrown even for an
 *   unrestricted token instead of surfacing only once a restricted one appears.
 *
 * @example A project-restricted token at company level
 * ```ts
 * const r = parseRestrictions(hierarchy, { company: ['c1'], project: ['p1'] });
 * checkResource(hierarchy, r, { company: 'c1', project: 'p1' }, 'write'); // { ok: true }
 * checkResource(hierarchy, r, { company: 'c1' }, 'read');                 // { ok: true }
 * checkResource(hierarchy, r, { company: 'c1' }, 'write');
 * // → { ok: false, type: 'company', id: 'c1' }
 * ```
 */
export function checkResource(h: Hierarchy, r: Restrictions | null, path: ResourcePath, access: Access): ResourceCheck {
  const compiled = compile(h);
  const { types } = compiled;
  if (access !== 'read' && access !== 'write') {
    throw new KeycardError('invalid_argument', `access must be 'read' or 'write', got ${describeValue(access)}`);
  }
  const n = pathLength(types, path);
  if (r === null || r === undefined) return ALLOWED;
  const denied = deniedByPlan(types, planOf(compiled, r), path, n, access === 'write');
  if (denied < 0) return ALLOWED;
  const type = types[denied]!;
  return { ok: false, type, id: path[type]! };
}

/**
 * Keeps the rows the token may read, in their order, so that a listing returns only matching
 * rows (SPEC §4) instead of failing on the first foreign one. Every row's path is validated as
 * in `checkResource`, also for an unrestricted token.
 *
 * @throws KeycardError `invalid_argument` as `checkResource` does, on the first bad row.
 *
 * @example Listing projects
 * ```ts
 * const visible = filterResources(hierarchy, r, projects, (p) => ({ company: p.companyId, project: p.id }));
 * ```
 */
export function filterResources<T>(
  h: Hierarchy,
  r: Restrictions | null,
  rows: Iterable<T>,
  pathOf: (row: T) => ResourcePath,
): T[] {
  const compiled = compile(h);
  const { types } = compiled;
  const plan = r === null || r === undefined ? undefined : planOf(compiled, r);
  const out: T[] = [];
  for (const row of rows) {
    const path = pathOf(row);
    const n = pathLength(types, path);
    if (plan === undefined || deniedByPlan(types, plan, path, n, false) < 0) out.push(row);
  }
  return out;
}

/**
 * True iff every (path, access) allowed under `next` is allowed under `prev`, so `update` can
 * refuse a change that would widen a token. `null`/`{}` mean unrestricted.
 *
 * The rule: an unrestricted `prev` admits anything; an unrestricted `next` under a restricted
 * `prev` is a widening; otherwise every type `prev` restricts must be restricted by `next` to a
 * subset of `prev`'s ids (types `next` adds are fine). It is sound (a restriction at or above
 * the path admits only ids it lists, and one below denies every write, so `next` passing implies
 * `prev` passing) and, because ids are unbounded and lists non-empty, also complete: any other
 * pair lets `next` read a path with an id `prev` does not list. See docs/restrictions.md.
 *
 * @throws KeycardError `invalid_argument` when either names a type the hierarchy does not declare.
 *
 * @example Dropping a company from a token
 * ```ts
 * isNarrowerOrEqual(hierarchy, { company: ['c1'] }, { company: ['c1', 'c2'] }); // true
 * isNarrowerOrEqual(hierarchy, null, { company: ['c1'] });                      // false
 * ```
 */
export function isNarrowerOrEqual(h: Hierarchy, next: Restrictions | null, prev: Restrictions | null): boolean {
  const compiled = compile(h);
  if (next !== null && next !== undefined) assertRestrictionsShape(compiled, next);
  if (prev !== null && prev !== undefined) assertRestrictionsShape(compiled, prev);
  if (prev === null || prev === undefined || isEmpty(prev)) return true;
  if (next === null || next === undefined || isEmpty(next)) return false;
  for (const type of compiled.types) {
    if (!Object.hasOwn(prev, type)) continue;
    if (!Object.hasOwn(next, type)) return false;
    const allowed = new Set(prev[type]);
    for (const id of next[type]!) if (!allowed.has(id)) return false;
  }
  return true;
}

/**
 * The detail text of a denial, used verbatim in the 403 problem body. It names the resource the
 * caller asked about, never anything about the token.
 *
 * @example
 * ```ts
 * describeDenial({ type: 'project', id: 'p9' }); // 'Token not allowed for project p9'
 * ```
 */
export function describeDenial(check: { type: string; id: string }): string {
  return `Token not allowed for ${check.type} ${check.id}`;
}

// ---------------------------------------------------------------------------------------------
// Internals

/**
 * Rejects restrictions that name a type the hierarchy does not declare or hold a non-array.
 * Such a record (a type removed from the hierarchy after tokens were issued with it) is refused
 * loudly: ignoring the type would silently widen the token.
 */
function assertRestrictionsShape({ types, depth }: Compiled, r: Restrictions): void {
  if (typeof r !== 'object' || isArray(r)) {
    throw new KeycardError('invalid_argument', `restrictions must be an object or null, got ${describeType(r)}`);
  }
  for (const type in r) {
    if (!Object.hasOwn(r, type)) {
      throw new KeycardError(
        'invalid_argument',
        `restrictions inherit the enumerable key ${quote(type)}; pass a plain object`,
      );
    }
    if (!depth.has(type)) {
      throw new KeycardError(
        'invalid_argument',
        `restrictions name unknown resource type ${quote(type)}; the hierarchy declares ${types.join(', ')}`,
      );
    }
    if (!isArray(r[type])) throw new KeycardError('invalid_argument', `restrictions.${type} must be an array of ids`);
  }
}

/**
 * The depth whose type and id a denial names, or -1 when allowed; `n` is the path's length.
 * Walks from the root, so the first listed type that fails wins; a restriction below the path
 * only matters to writes, and only when nothing at or above it failed.
 */
function deniedByPlan(types: readonly string[], plan: Plan, path: ResourcePath, n: number, write: boolean): number {
  for (let d = 0; d < plan.length; d++) {
    const allowed = plan[d];
    if (allowed === undefined) continue;
    if (d >= n) return write ? n - 1 : -1;
    if (!allowed.has(path[types[d]!]!)) return d;
  }
  return -1;
}

/** The plan of `r`: cached when it came from `parseRestrictions`, else validated and built (once per check or listing). */
function planOf(compiled: Compiled, r: Restrictions): Plan {
  const planned = plans.get(r);
  if (planned !== undefined && planned.hierarchy === compiled) return planned.plan;
  assertRestrictionsShape(compiled, r);
  return compiled.types.map((type) => (Object.hasOwn(r, type) ? new Set(r[type]) : undefined));
}

/** True for `{}`, which means "unrestricted" just as `null` does. */
function isEmpty(r: Restrictions): boolean {
  for (const type in r) if (Object.hasOwn(r, type)) return false;
  return true;
}
