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
