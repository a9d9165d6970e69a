import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { KeycardError } from './errors.ts';
import {
  checkResource,
  defineHierarchy,
  filterResources,
  isNarrowerOrEqual,
  parseRestrictions,
  type Access,
  type Hierarchy,
  type ResourceCheck,
  type ResourcePath,
  type Restrictions,
} from './restrictions.ts';

// Type names include two Object.prototype members, so a lookup that forgets own-property checks fails.
const TYPE_NAMES = ['company', 'project', 'ticket', 'comment', 'toString', 'constructor'] as const;
// Twelve ids: lists longer than the linear-scan threshold (8) take the cached-Set path.
const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'] as const;
const FRESH = 'zz'; // never listed

const typesArb = fc.uniqueArray(fc.constantFrom(...TYPE_NAMES), { minLength: 1, maxLength: 4 });

/** Raw (unsorted, duplicated, unfrozen) restrictions over `types`, or null. */
function rawRestrictionsArb(
  types: readonly string[],
  ids: readonly string[],
): fc.Arbitrary<Record<string, string[]> | null> {
  const perType = types.map(() =>
    fc.option(fc.array(fc.constantFrom(...ids), { minLength: 1, maxLength: 14 }), { nil: undefined }),
  );
  return fc.option(
    fc.tuple(...perType).map((lists) => {
      const r: Record<string, string[]> = {};
      lists.forEach((list, d) => {
        if (list !== undefined) r[types[d]!] = list;
      });
      return r;
    }),
    { nil: null, freq: 6 },
  );
}

function pathArb(types: readonly string[], ids: readonly string[]): fc.Arbitrary<ResourcePath> {
  return fc.integer({ min: 1, max: types.length }).chain((n) =>
    fc.tuple(...types.slice(0, n).map(() => fc.constantFrom(...ids))).map((chosen) => {
      const path: Record<string, string> = {};
      chosen.forEach((id, d) => {
        path[types[d]!] = id;
      });
      return path;
    }),
  );
}

const PATH_IDS = [...IDS.slice(0, 4), FRESH]; // paths mostly hit listed ids, sometimes not

const scenarioArb = typesArb.chain((types) =>
  fc.record({
    types: fc.constant(types),
    raw: rawRestrictionsArb(types, IDS),
    path: pathArb(types, PATH_IDS),
    access: fc.constantFrom<Access>('read', 'write'),
    parsed: fc.boolean(),
  }),
);

/**
 * The reference model, written differently from the implementation: it partitions the
 * restricted types into those at or above the path's depth and those below it, and decides
 * from the two partitions, instead of walking depths with early returns.
 */
function reference(
  types: readonly string[],
  r: Readonly<Record<string, readonly string[]>> | null,
  path: ResourcePath,
  access: Access,
): ResourceCheck {
  const depth = Object.keys(path).length;
  const restricted = Object.entries(r ?? {})
    .map(([type, ids]) => ({ type, level: types.indexOf(type), ids: new Set(ids) }))
    .sort((x, y) => x.level - y.level);
  const atOrAbove = restricted.filter((x) => x.level < depth);
  const below = restricted.filter((x) => x.level >= depth);
  const miss = atOrAbove.find((x) => !x.ids.has(path[x.type]!));
  if (miss !== undefined) return { ok: false, type: miss.type, id: path[miss.type]! };
  if (access === 'write' && below.length > 0) {
    const own = types[depth - 1]!;
    return { ok: false, type: own, id: path[own]! };
  }
  return { ok: true };
}

function restrictionsOf(h: Hierarchy, raw: Record<string, string[]> | null, parsed: boolean): Restrictions | null {
  return parsed ? parseRestrictions(h, raw) : raw;
}

describe('checkResource', () => {
  test.prop([scenarioArb], { numRuns: 1000 })(
    'agrees with the reference model',
    ({ types, raw, path, access, parsed }) => {
      const h = defineHierarchy(types);
      expect(checkResource(h, restrictionsOf(h, raw, parsed), path, access)).toEqual(
        reference(types, raw, path, access),
      );
    },
  );

  test.prop([scenarioArb], { numRuns: 500 })(
    'write ⇒ read: anything writable is readable',
    ({ types, raw, path, parsed }) => {
      const h = defineHierarchy(types);
      const r = restrictionsOf(h, raw, parsed);
      if (checkResource(h, r, path, 'write').ok) expect(checkResource(h, r, path, 'read').ok).toBe(true);
    },
  );

  test.prop([scenarioArb], { numRuns: 300 })(
    'normalising restrictions never changes a decision',
    ({ types, raw, path, access }) => {
      const h = defineHierarchy(types);
      const parsed = parseRestrictions(h, raw);
      expect(checkResource(h, parsed, path, access)).toEqual(checkResource(h, raw, path, access));
      expect(parseRestrictions(h, parsed)).toEqual(parsed); // idempotent
    },
  );

  const badPathArb = typesArb.chain((types) =>
    fc.record({
      types: fc.constant(types),
      path: pathArb(types, IDS),
      defect: fc.constantFrom('drop-root', 'unknown-type', 'non-string', 'empty'),
      value: fc.oneof(fc.integer(), fc.constant(null), fc.constant(undefined), fc.constant(''), fc.constant(['a'])),
      r: rawRestrictionsArb(types, IDS),
      pick: fc.nat(),
    }),
  );

  test.prop([badPathArb], { numRuns: 300 })(
    'throws invalid_argument on any path that is not a contiguous prefix',
    ({ types, path, defect, value, r, pick }) => {
      const h = defineHierarchy(types);
      const bad: Record<string, unknown> = { ...path };
      const keys = Object.keys(path);
      if (defect === 'drop-root') {
        // Remove a level that has another below it (a skipped level), or the only one (empty path).
        delete bad[types[keys.length < 2 ? 0 : pick % (keys.length - 1)]!];
      } else if (defect === 'unknown-type') bad['team'] = 'x';
      else if (defect === 'non-string') bad[keys[keys.length - 1]!] = value;
      else for (const key of keys) delete bad[key];
      for (const access of ['read', 'write'] as const) {
        expect(() => checkResource(h, r, bad as ResourcePath, access)).toThrow(KeycardError);
        try {
          checkResource(h, r, bad as ResourcePath, access);
        } catch (error) {
          expect((error as KeycardError).code).toBe('invalid_argument');
        }
      }
    },
  );
});

describe('filterResources', () => {
  const listingArb = typesArb.chain((types) =>
    fc.record({
      types: fc.constant(types),
      raw: rawRestrictionsArb(types, IDS),
      rows: fc.array(pathArb(types, PATH_IDS), { maxLength: 30 }),
      parsed: fc.boolean(),
    }),
  );

  test.prop([listingArb], { numRuns: 500 })(
    'returns exactly the rows the reference lets the token read, in order',
    ({ types, raw, rows, parsed }) => {
      const h = defineHierarchy(types);
      const wrapped = rows.map((path, index) => ({ index, path }));
      const kept = filterResources(h, restrictionsOf(h, raw, parsed), wrapped, (row) => row.path);
      expect(kept).toEqual(wrapped.filter((row) => reference(types, raw, row.path, 'read').ok));
    },
  );

  test.prop([listingArb], { numRuns: 500 })(
    'never returns a row of another root (company) to a root-restricted token',
    ({ types, raw, rows, parsed }) => {
      const h = defineHierarchy(types);
      const root = types[0]!;
      const rootIds = raw !== null && Object.hasOwn(raw, root) ? raw[root] : undefined;
      fc.pre(rootIds !== undefined);
      const kept = filterResources(h, restrictionsOf(h, raw, parsed), rows, (path) => path);
      for (const path of kept) expect(rootIds).toContain(path[root]);
    },
  );
});

describe('isNarrowerOrEqual', () => {
  const SMALL = ['a', 'b', 'c'] as const;

  /** Every path of the hierarchy over `ids`: depth 1..L, ids at each level from `ids`. */
  function allPaths(types: readonly string[], ids: readonly string[]): ResourcePath[] {
    const out: ResourcePath[] = [];
    const walk = (prefix: Record<string, string>, d: number): void => {
      if (d === types.length) return;
      for (const id of ids) {
        const path = { ...prefix, [types[d]!]: id };
        out.push(path);
        walk(path, d + 1);
      }
    };
    walk({}, 0);
    return out;
  }

  /** Brute force: every (path, access) the reference allows under `next` it allows under `prev`. */
  function bruteNarrower(
    types: readonly string[],
    next: Record<string, string[]> | null,
    prev: Record<string, string[]> | null,
    ids: readonly string[],
  ): boolean {
    return allPaths(types, ids).every((path) =>
      (['read', 'write'] as const).every(
        (access) => !reference(types, next, path, access).ok || reference(types, prev, path, access).ok,
      ),
    );
  }

  const pairArb = typesArb.chain((types) =>
    fc.record({
      types: fc.constant(types),
      next: rawRestrictionsArb(types, SMALL),
      prev: rawRestrictionsArb(types, SMALL),
    }),
  );

  /** `next` derived from `prev` by keeping a subset of each list and maybe restricting more types: mostly narrower. */
  const derivedArb = typesArb.chain((types) =>
    rawRestrictionsArb(types, SMALL).chain((prev) =>
      fc.record({
        types: fc.constant(types),
        prev: fc.constant(prev),
        next: fc
          .tuple(
            ...types.map((type) => {
              const listed = prev !== null && Object.hasOwn(prev, type) ? prev[type] : undefined;
              const keep =
                listed === undefined ? fc.constant(undefined) : fc.subarray([...new Set(listed)], { minLength: 1 });
              const add = fc.array(fc.constantFrom(...SMALL), { minLength: 1, maxLength: 3 });
              // Occasionally widen (drop the type or add ids) so both outcomes occur.
              return fc.oneof(
                { arbitrary: keep, weight: 6 },
                { arbitrary: add, weight: 1 },
                { arbitrary: fc.constant(undefined), weight: 1 },
              );
            }),
          )
          .map((lists) => {
            const r: Record<string, string[]> = {};
            lists.forEach((list, d) => {
              if (list !== undefined) r[types[d]!] = list;
            });
            return r;
          }),
      }),
    ),
  );

  test.prop([derivedArb], { numRuns: 500 })(
    'isNarrowerOrEqual ⇒ every allowed (path, access) under next is allowed under prev',
    ({ types, next, prev }) => {
      const h = defineHierarchy(types);
      if (isNarrowerOrEqual(h, parseRestrictions(h, next), parseRestrictions(h, prev))) {
        expect(bruteNarrower(types, next, prev, SMALL)).toBe(true);
      }
    },
  );

  test.prop([fc.oneof(pairArb, derivedArb)], { numRuns: 500 })(
    'is exact: with one never-listed id in the universe, it equals the brute force',
    ({ types, next, prev }) => {
      const h = defineHierarchy(types);
      const expected = bruteNarrower(types, next, prev, [...SMALL, FRESH]);
      expect(isNarrowerOrEqual(h, parseRestrictions(h, next), parseRestrictions(h, prev))).toBe(expected);
      expect(isNarrowerOrEqual(h, next, prev)).toBe(expected);
    },
  );

  test.prop([pairArb], { numRuns: 200 })('is reflexive', ({ types, prev }) => {
    const h = defineHierarchy(types);
    expect(isNarrowerOrEqual(h, prev, prev)).toBe(true);
  });
});
