import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { allOf, anyOf, boundByOwner, defineScopes, type Requirement, type ScopeCatalogue } from './scopes.ts';

// Random acyclic catalogues: scope i may only imply scopes j < i, so every catalogue is valid.
const catalogue = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.tuple(fc.constant(n), fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n })),
  )
  .map(([n, edges]) => {
    const defs: Record<string, { implies: string[] }> = {};
    for (let i = 0; i < n; i++) {
      const implies = i === 0 ? [] : [...new Set(edges[i]!.map((e) => `s${e % i}`))];
      defs[`s${i}`] = { implies };
    }
    return defineScopes(defs, { onWarning: () => {} }) as ScopeCatalogue;
  });

const subsetOf = (c: ScopeCatalogue) => fc.subarray([...c.names]);
const requirementOf = (names: readonly string[]): fc.Arbitrary<Requirement> =>
  fc.letrec<{ req: Requirement }>((tie) => ({
    req: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...names),
      fc.array(tie('req'), { minLength: 1, maxLength: 3 }).map((r) => allOf(...r)),
      fc.array(tie('req'), { minLength: 1, maxLength: 3 }).map((r) => anyOf(...r)),
    ),
  })).req;

const withSets = catalogue.chain((c) => fc.tuple(fc.constant(c), subsetOf(c), subsetOf(c)));
const isSubset = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].every((x) => b.has(x));

describe('scope algebra laws', () => {
  test.prop([withSets], { numRuns: 1000 })('closure is extensive: S ⊆ closure(S)', ([c, s]) => {
    const cl = c.closure(s);
    for (const x of s) expect(cl.has(x)).toBe(true);
  });

  test.prop([withSets], { numRuns: 1000 })('closure is idempotent', ([c, s]) => {
    const once = c.closure(s);
    expect([...c.closure(once)].sort()).toEqual([...once].sort());
  });

  test.prop([withSets], { numRuns: 1000 })('closure is monotone: A ⊆ B ⇒ closure(A) ⊆ closure(B)', ([c, a, b]) => {
    const union = [...new Set([...a, ...b])];
    expect(isSubset(c.closure(a), c.closure(union))).toBe(true);
  });

  test.prop([catalogue.chain((c) => fc.tuple(fc.constant(c), subsetOf(c), subsetOf(c), requirementOf(c.names)))], {
    numRuns: 1000,
  })('a requirement met by a set is met by every superset', ([c, s, extra, req]) => {
    const set = c.closure(s);
    const superset = c.closure([...s, ...extra]);
    if (c.satisfies(req, set)) expect(c.satisfies(req, superset)).toBe(true);
    // And the explanation is honest: granting what is reported missing meets the requirement.
    const missing = c.missing(req, set);
    expect(c.satisfies(req, new Set([...set, ...missing]))).toBe(true);
  });

  test.prop([withSets], { numRuns: 1000 })('the owner bound never yields a scope either side lacks', ([c, t, o]) => {
    const token = c.closure(t);
    const owner = c.closure(o);
    const bound = boundByOwner(token, owner);
    expect(isSubset(bound, token)).toBe(true);
    expect(isSubset(bound, owner)).toBe(true);
    for (const x of token) if (owner.has(x)) expect(bound.has(x)).toBe(true);
  });
});

// A direct reading of SPEC §3, to compare the catalogue against.
const meets = (req: Requirement, set: ReadonlySet<string>): boolean =>
  typeof req === 'string'
    ? set.has(req)
    : 'allOf' in req
      ? req.allOf.every((r) => meets(r, set))
      : req.anyOf.some((r) => meets(r, set));
const reachable = (c: ScopeCatalogue, granted: readonly string[]): Set<string> => {
  const out = new Set<string>();
  const stack = [...granted];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (out.has(s)) continue;
    out.add(s);
    stack.push(...(c.definitions[s]!.implies ?? []));
  }
  return out;
};
const withRequirement = catalogue.chain((c) =>
  fc.tuple(fc.constant(c), subsetOf(c), requirementOf(c.names), subsetOf(c)),
);

describe('scope algebra against a direct model', () => {
  test.prop([withRequirement], { numRuns: 1000 })(
    'satisfies is exactly "every allOf part and some anyOf part is held"',
    ([c, s, req]) => {
      const set = c.closure(s);
      expect(c.satisfies(req, set)).toBe(meets(req, set));
      expect(c.missing(req, set).length === 0).toBe(meets(req, set));
    },
  );

  test.prop([withRequirement], { numRuns: 1000 })(
    'missing names each scope once, only scopes the requirement names and the set lacks',
    ([c, s, req]) => {
      const set = c.closure(s);
      const missing = c.missing(req, set);
      expect(new Set(missing).size).toBe(missing.length);
      const named = JSON.stringify(req);
      for (const m of missing) {
        expect(set.has(m)).toBe(false);
        expect(named).toContain(JSON.stringify(m));
      }
    },
  );

  test.prop([withSets], { numRuns: 1000 })('closure is exactly what the implications reach', ([c, s]) => {
    expect([...c.closure(s)].sort()).toEqual([...reachable(c, s)].sort());
  });

  test.prop([withRequirement], { numRuns: 1000 })(
    'isWithin(a, b) iff closure(a) ⊆ closure(b) (the no-escalation test)',
    ([c, a, , b]) => {
      expect(c.isWithin(a, b)).toBe(isSubset(c.closure(a), c.closure(b)));
    },
  );
});
