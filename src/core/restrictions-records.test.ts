/**
 * Restrictions that did not come from `parseRestrictions` (a record read back from a store, an
 * untyped caller): a corrupt one is refused loudly, never read as "unrestricted" (SPEC §4).
 */
import { describe, expect, it } from 'vitest';
import { KeycardError } from './errors.ts';
import {
  checkResource,
  defineHierarchy,
  filterResources,
  isNarrowerOrEqual,
  parseRestrictions,
  type Restrictions,
} from './restrictions.ts';

const h = defineHierarchy(['company', 'project']);

/** `code: message` of the KeycardError `fn` throws; `no throw` when it returns (read as allowed). */
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return e instanceof KeycardError ? `${e.code}: ${e.message}` : `not a KeycardError: ${String(e)}`;
  }
  return 'no throw';
};
const expectKeycardError = (fn: () => unknown, code: string, message: RegExp) => {
  const got = refusal(fn);
  expect(got.startsWith(`${code}: `), got).toBe(true);
  expect(got.slice(code.length + 2)).toMatch(message);
};

describe('restrictions that did not come from parseRestrictions (a record read back from a store)', () => {
  const inherited = Object.create({ company: ['c1'] }) as Restrictions;
  const corrupt: [string, unknown, RegExp][] = [
    ['a number', 5, /restrictions must be an object or null, got number/],
    ['a boolean', true, /restrictions must be an object or null, got boolean/],
    ['an array', [], /restrictions must be an object or null, got an array/],
    ['a string', 'c1', /restrictions must be an object or null, got string/],
    ['an inherited restriction', inherited, /restrictions inherit the enumerable key "company"; pass a plain object/],
  ];
  for (const [name, r, message] of corrupt) {
    it(`refuses ${name} loudly instead of reading it as unrestricted`, () => {
      const path = { company: 'c9', project: 'p9' };
      for (const access of ['read', 'write'] as const)
        expectKeycardError(() => checkResource(h, r as Restrictions, path, access), 'invalid_argument', message);
      expectKeycardError(() => filterResources(h, r as Restrictions, [path], (p) => p), 'invalid_argument', message);
      expectKeycardError(() => isNarrowerOrEqual(h, r as Restrictions, null), 'invalid_argument', message);
      expectKeycardError(() => isNarrowerOrEqual(h, null, r as Restrictions), 'invalid_argument', message);
    });
  }

  it('names every declared type when refusing an unknown one', () => {
    expectKeycardError(
      () => checkResource(h, { team: ['t1'] }, { company: 'c1' }, 'read'),
      'invalid_argument',
      /^restrictions name unknown resource type "team"; the hierarchy declares company, project$/,
    );
  });

  it('isNarrowerOrEqual validates the previous restrictions too (a type since removed from the hierarchy)', () => {
    expectKeycardError(
      () => isNarrowerOrEqual(h, { company: ['c1'] }, { team: ['t1'] }),
      'invalid_argument',
      /unknown resource type "team"/,
    );
  });

  it('undefined is unrestricted, as null is', () => {
    const u = undefined as unknown as Restrictions | null;
    expect(checkResource(h, u, { company: 'c9' }, 'write')).toEqual({ ok: true });
    expect(filterResources(h, u, [{ company: 'c9' }], (p) => p)).toEqual([{ company: 'c9' }]);
    expect(isNarrowerOrEqual(h, { company: ['c1'] }, u)).toBe(true);
    expect(isNarrowerOrEqual(h, u, { company: ['c1'] })).toBe(false);
  });

  it('restrictions parsed against one hierarchy are decided by the hierarchy they are checked against', () => {
    const wide = defineHierarchy(['org', 'company', 'project']);
    const r = parseRestrictions(h, { company: ['c1'] });
    const path = { org: 'c1', company: 'c9' };
    expect(checkResource(wide, r, path, 'read')).toEqual({ ok: false, type: 'company', id: 'c9' });
    expect(filterResources(wide, r, [path, { org: 'o1', company: 'c1' }], (p) => p)).toEqual([
      { org: 'o1', company: 'c1' },
    ]);
  });
});
