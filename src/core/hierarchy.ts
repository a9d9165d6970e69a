/**
 * The resource hierarchy (SPEC §4): the declared resource types, root first (company ⊃ project),
 * validated once and compiled into a frozen copy of its types and a depth map that every
 * restriction check shares. Pure; no I/O, no `node:` import.
 */
import { english } from './config.ts';
import { list, schema, text } from './kinds.ts';
import { invalidConfig } from './errors.ts';
import { describeValue } from './restrictions-paths.ts';
import { freeze, isArray } from './builtins.ts';

/**
 * Resource types from the root down, e.g. `['company', 'project']`. Build one with
 * `defineHierarchy`; it is validated and compiled once, then shared by every check.
 */
export interface Hierarchy {
  /** The type names, root first. A resource at depth `d` is named by the first `d + 1` of them. */
  readonly types: readonly string[];
}

const TYPE_NAME = /^[a-z][a-zA-Z0-9_-]{0,63}$/;

const typeNames = list(
  text({ error: 'must be a string', pattern: TYPE_NAME, patternError: 'must match /^[a-z][a-zA-Z0-9_-]{0,63}$/' }),
  {
    error: 'must be an array of resource type names, root first',
    min: 1,
    minError: 'must declare at least one resource type',
  },
);
const hierarchySchema = schema<string[]>((v, out) => {
  typeNames(v, out);
  if (out.some((issue) => issue.continue !== true)) return;
  const seen = new Set<string>();
  (v as string[]).forEach((type, index) => {
    if (seen.has(type)) out.push({ code: 'custom', path: [index], message: 'is declared twice', continue: true });
    seen.add(type);
  });
});

/** A hierarchy after validation: a private frozen copy of its types and their depths. */
export interface Compiled {
  readonly types: readonly string[];
  readonly depth: ReadonlyMap<string, number>;
}

/**
 * Compiled hierarchies, keyed by the object handed out. A WeakMap rather than a hidden field so
 * that a hand-written `{ types: [...] }` also works (it is validated on first use) and nothing
 * keycard-internal shows up when an integrator logs the hierarchy.
 */
const compiledHierarchies = new WeakMap<Hierarchy, Compiled>();

/**
 * Declares the resource hierarchy, root first. Validated once here so that every later check
 * can trust it; type names are identifiers because they appear in restrictions, paths and the
 * 403 detail (`Token not allowed for project p9`).
 *
 * @throws KeycardError `invalid_config` naming the bad entry: an empty list, a duplicate, or a
 *   name that does not match `/^[a-z][a-zA-Z0-9_-]{0,63}$/`.
 *
 * @example Companies that contain projects
 * ```ts
 * const hierarchy = defineHierarchy(['company', 'project']);
 * ```
 */
export function defineHierarchy(types: readonly string[]): Hierarchy {
  const compiled = compileTypes(types);
  const hierarchy: Hierarchy = freeze({ types: compiled.types });
  compiledHierarchies.set(hierarchy, compiled);
  return hierarchy;
}

/** The compiled form of `h`: cached, or validated and compiled on first use (a hand-written `{ types }`). */
export function compile(h: Hierarchy): Compiled {
  const hit = compiledHierarchies.get(h);
  if (hit !== undefined) return hit;
  if (h === null || typeof h !== 'object') {
    throw invalidConfig('hierarchy must be created with defineHierarchy([...types])');
  }
  const compiled = compileTypes(h.types);
  compiledHierarchies.set(h, compiled);
  return compiled;
}

function compileTypes(input: unknown): Compiled {
  const parsed = hierarchySchema.safeParse(input, english);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const index = issue.path[0];
    const where =
      typeof index === 'number' && isArray(input)
        ? `hierarchy entry ${index} (${describeValue(input[index])})`
        : 'hierarchy';
    throw invalidConfig(`${where} ${issue.message}`);
  }
  const types = freeze([...parsed.data]);
  return { types, depth: new Map(types.map((type, d) => [type, d])) };
}
