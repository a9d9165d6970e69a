/**
 * The scope algebra (SPEC §3): a catalogue of named scopes with implications, the transitive
 * closure of a grant, requirement expressions (`allOf`/`anyOf`) with an explanation of what is
 * missing, presets and defaults, and the owner bound. Pure; no I/O.
 */
import { english } from './config.ts';
import { list, record, refine, schema, strict, text } from './kinds.ts';
import { checkArguments, hasMethod } from './arguments-check.ts';
import { invalidConfig, KeycardError } from './errors.ts';
import { excerpt } from './redact.ts';
import { scopeError } from './requirement-check.ts';
import { isScopeToken } from './scope-token.ts';
import { freeze, isArray, stringify } from './builtins.ts';

/** One scope of the catalogue. */
export interface ScopeDefinition {
  /** Scopes this one includes, e.g. `tickets:write` ⇒ `read`, `comments`. Transitive. */
  readonly implies?: readonly string[];
  /** Shown to people choosing scopes for a token. */
  readonly description?: string;
}

/**
 * What a route or tool needs: a scope name, or a combination of requirements. `S` is the
 * catalogue's scope names, so a guard of a typed keycard refuses a misspelt scope at compile time.
 */
export type Requirement<S extends string = string> =
  S | { readonly allOf: readonly Requirement<S>[] } | { readonly anyOf: readonly Requirement<S>[] };

/**
 * All of the given requirements must be met.
 *
 * @example Two scopes at once
 * ```ts
 * allOf('tickets:write', 'tickets:assign')
 * ```
 */
export function allOf<S extends string>(...requirements: Requirement<S>[]): Requirement<S> {
  if (requirements.length === 0) throw invalidConfig('allOf() needs at least one requirement');
  return { allOf: requirements };
}

/**
 * At least one of the given requirements must be met; a denial names the alternative that
 * misses the fewest scopes (the first such, in the order given).
 *
 * @example Either of two grants
 * ```ts
 * anyOf('admin', allOf('tickets:write', 'tickets:assign'))
 * ```
 */
export function anyOf<S extends string>(...requirements: Requirement<S>[]): Requirement<S> {
  if (requirements.length === 0) throw invalidConfig('anyOf() needs at least one requirement');
  return { anyOf: requirements };
}

/** Options of `defineScopes`. */
export interface ScopeCatalogueOptions<S extends string> {
  /** Named scope sets by use case, e.g. `{ 'read-only': ['read'] }`. Every name must be in the catalogue. */
  readonly presets?: Readonly<Record<string, readonly S[]>>;
  /** Scopes a token gets when `issue` is given none. @default [] (issue then requires scopes) */
  readonly defaults?: readonly S[];
  /**
   * Called once per unknown scope name met in a stored grant (a scope removed from the catalogue
   * after tokens were issued with it). The grant is ignored, never widened.
   * @default console.warn
   */
  readonly onWarning?: (message: string) => void;
}

/** A validated scope catalogue. `S` is the union of its scope names. */
export interface ScopeCatalogue<S extends string = string> {
  /** Every scope name, in declaration order. */
  readonly names: readonly S[];
  readonly definitions: Readonly<Record<S, ScopeDefinition>>;
  readonly presets: Readonly<Record<string, readonly S[]>>;
  readonly defaults: readonly S[];
  /** True when `name` is in the catalogue. */
  has(name: string): name is S;
  /**
   * The transitive closure of a grant: the scopes it names plus everything they imply. Computed
   * at check time, so ⚠️ a deploy that adds an implication widens every existing token that holds
   * the implying scope. Unknown names are ignored (with one warning per name).
   */
  closure(granted: Iterable<string>): ReadonlySet<S>;
  /**
   * Scopes of `requirement` that `effective` lacks; empty when it is met. A requirement the guards
   * would refuse (a part nested in itself, more than 64 allOf/anyOf groups, a name that is no RFC
   * 6749 scope-token, a part that is no name or allOf/anyOf array) throws `invalid_config` naming
   * it, as `satisfies` and `assertRequirement` do.
   */
  missing(requirement: Requirement, effective: ReadonlySet<string>): readonly string[];
  /** True when `effective` meets `requirement`. */
  satisfies(requirement: Requirement, effective: ReadonlySet<string>): boolean;
  /** True when closure(`inner`) ⊆ closure(`outer`): the no-escalation and narrowing test. */
  isWithin(inner: Iterable<string>, outer: Iterable<string>): boolean;
  /** Checks a grant given to `issue`/`update`: every name known; returns it de-duplicated. */
  parseGrant(scopes: unknown, field?: string): S[];
  /** Checks that every scope a requirement names exists; call when a route is declared. */
  assertRequirement(requirement: Requirement): Requirement;
}

/** Distinct unknown granted scope names warned about, per catalogue; past it, one last warning. */
const MAX_WARNED = 1000;
// Built per call: a module-level `.check()` is a call a bundler must keep, and with it zod's record
// and array types, in every bundle that imports this file without calling defineScopes
// (createKeycard's alone: 0.7 KB gzip).
// defineScopes refuses a `__proto__` key before it (zod's record would drop it unchecked).
const catalogueSchema = () =>
  schema(
    refine(
      record(text(), strict({ implies: list(text()), description: text({ max: 1000 }) }, ['implies', 'description'])),
      (r: object) => Object.keys(r).length > 0,
      'must declare at least one scope',
    ),
  );

/**
 * Declares the integrator's scopes once, with their implications; validated at start-up.
 * Throws `KeycardError('invalid_config')` naming the fault: a name that is not an RFC 6749
 * scope-token, an implied scope that is not declared, or a cycle (`a → b → a`).
 *
 * @example The tickets API of the examples
 * ```ts
 * const scopes = defineScopes({
 *   read: { description: 'Read everything' },
 *   comments: { implies: ['read'] },
 *   'tickets:write': { implies: ['read', 'comments'] },
 *   'tickets:assign': { implies: ['read'] },
 * });
 * scopes.closure(['tickets:write']); // Set { 'tickets:write', 'read', 'comments' }
 * ```
 */
export function defineScopes<const T extends Record<string, ScopeDefinition>>(
  definitions: T,
  options: ScopeCatalogueOptions<keyof T & string> = {},
): ScopeCatalogue<keyof T & string> {
  type S = keyof T & string;
  for (const name of Object.keys(definitions ?? {})) {
    // JSON.parse keeps `__proto__` as an own key, which the catalogue's record drops unchecked.
    if (name === '__proto__') throw invalidConfig('scopes: "__proto__" is a reserved name and not accepted');
    if (!isScopeToken(name)) {
      throw invalidConfig(
        `scopes: "${excerpt(name, 128)}" must be an RFC 6749 scope-token (printable ASCII, no space, " or \\)`,
      );
    }
  }
  const parsed = catalogueSchema().safeParse(definitions, english);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `scopes.${issue.path.map(String).join('.')}` : 'scopes';
    throw invalidConfig(`${where}: ${issue.message}`);
  }
  const names = Object.keys(definitions) as S[];
  const known = new Set<string>(names);
  for (const name of names) {
    for (const implied of definitions[name]!.implies ?? []) {
      if (!known.has(implied)) throw invalidConfig(`Scope "${name}" implies unknown scope "${implied}"`);
    }
  }
  const closures = closeOver(names, (n) => definitions[n]!.implies ?? []);
  const warned = new Set<string>();
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  // Granted names also come from OAuth tokens (dual mode), which may carry any text: the set is
  // bounded, and the name is quoted with its control characters escaped and cut.
  const unknownScope = (g: string) => {
    if (warned.size > MAX_WARNED || warned.has(g)) return;
    warned.add(g);
    if (warned.size > MAX_WARNED)
      return warn(`keycard: more than ${MAX_WARNED} unknown granted scopes; no more warnings`);
    warn(`keycard: ignoring granted scope ${stringify(excerpt(g, 128))}, which the scope catalogue no longer declares`);
  };

  const presets: Record<string, readonly S[]> = {};
  for (const [preset, list] of Object.entries(options.presets ?? {})) {
    for (const s of list) if (!known.has(s)) throw invalidConfig(`Preset "${preset}" names unknown scope "${s}"`);
    presets[preset] = freeze([...list]);
  }
  for (const s of options.defaults ?? []) {
    if (!known.has(s)) throw invalidConfig(`Default scope "${s}" is not declared`);
  }

  const catalogue: ScopeCatalogue<S> = {
    names: freeze(names),
    definitions: freeze({ ...definitions }) as Record<S, ScopeDefinition>,
    presets: freeze(presets),
    defaults: freeze([...(options.defaults ?? [])]),
    has: (name): name is S => known.has(name),
    closure(granted) {
      const out = new Set<S>();
      for (const g of granted) {
        const c = closures.get(g);
        if (c === undefined) {
          unknownScope(g);
          continue;
        }
        for (const s of c) out.add(s as S);
      }
      return out;
    },
    missing: (requirement, effective) => missingOf(checked(requirement), effective),
    satisfies: (requirement, effective) => catalogue.missing(requirement, effective).length === 0,
    isWithin(inner, outer) {
      const o = catalogue.closure(outer);
      for (const s of catalogue.closure(inner)) if (!o.has(s)) return false;
      return true;
    },
    parseGrant(scopes, field = 'scopes') {
      if (!isArray(scopes)) throw new KeycardError('invalid_argument', `${field} must be an array of scope names`);
      const out: S[] = [];
      for (const s of scopes) {
        if (typeof s !== 'string' || !known.has(s)) {
          throw new KeycardError('invalid_argument', `${field} names unknown scope "${excerpt(String(s), 128)}"`);
        }
        if (!out.includes(s as S)) out.push(s as S);
      }
      return out;
    },
    assertRequirement(requirement) {
      if (hasEmptyCombinator(checked(requirement))) throw invalidConfig('Requirement has an empty allOf/anyOf');
      for (const s of scopesOf(requirement)) {
        if (!known.has(s)) throw invalidConfig(`Requirement names unknown scope "${s}"`);
      }
      return requirement;
    },
  };
  return freeze(catalogue);
}

/** Per-name transitive closure by depth-first search; a back edge is a cycle, reported by path. */
function closeOver(
  names: readonly string[],
  edges: (name: string) => readonly string[],
): Map<string, ReadonlySet<string>> {
  const done = new Map<string, ReadonlySet<string>>();
  const onPath: string[] = [];
  const visit = (name: string): ReadonlySet<string> => {
    const finished = done.get(name);
    if (finished) return finished;
    const at = onPath.indexOf(name);
    if (at !== -1) {
      const cycle = [...onPath.slice(at), name].join(' → ');
      throw invalidConfig(`Scope implication cycle: ${cycle}`);
    }
    onPath.push(name);
    const set = new Set<string>([name]);
    for (const next of edges(name)) for (const s of visit(next)) set.add(s);
    onPath.pop();
    done.set(name, set);
    return set;
  };
  for (const n of names) visit(n);
  return done;
}

/**
 * The guards' shape check (core/requirement-check.ts), run first by every method given a
 * requirement: a scope nested in itself, past 64 allOf/anyOf groups, `null` or an `anyOf` that is no
 * array is `invalid_config` naming it, not walked to a `RangeError` or read as a string's characters.
 */
function checked(requirement: Requirement): Requirement {
  const shape = scopeError(requirement);
  if (shape !== null) throw invalidConfig(shape);
  return requirement;
}

function* scopesOf(requirement: Requirement): Generator<string> {
  if (typeof requirement === 'string') yield requirement;
  else if ('allOf' in requirement) for (const r of requirement.allOf) yield* scopesOf(r);
  else for (const r of requirement.anyOf) yield* scopesOf(r);
}

function hasEmptyCombinator(requirement: Requirement): boolean {
  if (typeof requirement === 'string') return false;
  const parts = 'allOf' in requirement ? requirement.allOf : requirement.anyOf;
  return parts.length === 0 || parts.some(hasEmptyCombinator);
}

const NONE: readonly string[] = /* @__PURE__ */ freeze([]);
/** What an `anyOf` with no alternatives reports: it can never be met (fail closed). */
const UNSATISFIABLE: readonly string[] = /* @__PURE__ */ freeze(['(no alternative)']);

/**
 * What `effective` lacks to meet `requirement`: for a scope, itself; for `allOf`, the union of
 * its parts (in order, de-duplicated); for `anyOf`, nothing if one part is met, else the part
 * missing the fewest scopes. A hand-built `{ anyOf: [] }` is never met (fail closed); the
 * `anyOf()`/`allOf()` helpers refuse to build one.
 */
function missingOf(requirement: Requirement, effective: ReadonlySet<string>): readonly string[] {
  if (typeof requirement === 'string') return effective.has(requirement) ? NONE : [requirement];
  if ('allOf' in requirement) {
    let out: string[] | undefined;
    for (const r of requirement.allOf) {
      const m = missingOf(r, effective);
      if (m.length === 0) continue;
      out ??= [];
      for (const s of m) if (!out.includes(s)) out.push(s);
    }
    return out ?? NONE;
  }
  let best: readonly string[] | undefined;
  for (const r of requirement.anyOf) {
    const m = missingOf(r, effective);
    if (m.length === 0) return NONE;
    if (best === undefined || m.length < best.length) best = m;
  }
  return best ?? UNSATISFIABLE;
}

/**
 * The owner bound (SPEC §3): a personal token may never do more than its owner can now, so its
 * effective scopes are closure(token) ∩ closure(owner). Both arguments are closures already.
 *
 * @throws KeycardError `invalid_argument` naming `token` and/or `owner` when it is not a Set
 * @example A member demoted to read-only
 * ```ts
 * boundByOwner(new Set(['read', 'comments']), new Set(['read'])) // Set { 'read' }
 * ```
 */
export function boundByOwner<S extends string>(token: ReadonlySet<S>, owner: ReadonlySet<string>): ReadonlySet<S> {
  checkArguments(
    'boundByOwner',
    ['token', hasMethod(token, 'has'), 'a Set', token],
    ['owner', hasMethod(owner, 'has'), 'a Set', owner],
  );
  return boundScopes(token, owner);
}

/** {@link boundByOwner} for keycard's own request path, whose sets are its own. */
export function boundScopes<S extends string>(token: ReadonlySet<S>, owner: ReadonlySet<string>): ReadonlySet<S> {
  const out = new Set<S>();
  for (const s of token) if (owner.has(s)) out.add(s);
  return out;
}

/** The 403 detail: `Token missing scope: a, b`. */
export function describeMissing(missing: readonly string[]): string {
  return `Token missing scope: ${missing.join(', ')}`;
}
