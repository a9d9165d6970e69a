/**
 * The handler-side checks of an Identity (SPEC §4): `can`, `assert` and `filter` decide exactly as
 * the core rule does, `has` reads the effective scopes, and the scopes cannot be widened.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { KeycardError } from './errors.ts';
import { Identity } from './identity.ts';
import {
  checkResource,
  defineHierarchy,
  filterResources,
  parseRestrictions,
  type ResourcePath,
  type Restrictions,
} from './restrictions.ts';
import { storedTokenFixture } from '../testing/fixtures.ts';

const h = defineHierarchy(['company', 'project']);

const record = (restrictions: Restrictions | null) =>
  storedTokenFixture({ id: 'tok_1', scopes: ['read'], restrictions });

const identity = (restrictions: Restrictions | null, hierarchy: typeof h | null = h) =>
  new Identity<'read' | 'comments'>(record(restrictions), new Set(['read']), hierarchy);

describe('Identity', () => {
  const restricted = identity(parseRestrictions(h, { company: ['c1'], project: ['p1'] }));

  it('can() answers the SPEC §4 rule: listed ids only, no write above a restriction', () => {
    expect(restricted.can({ company: 'c1', project: 'p1' }, 'write')).toBe(true);
    expect(restricted.can({ company: 'c1' }, 'read')).toBe(true);
    expect(restricted.can({ company: 'c1' }, 'write')).toBe(false);
    expect(restricted.can({ company: 'c2' }, 'read')).toBe(false);
    expect(restricted.can({ company: 'c1', project: 'p2' }, 'read')).toBe(false);
    expect(identity(null).can({ company: 'c2', project: 'p9' }, 'write')).toBe(true);
  });

  it('assert() throws forbidden_resource naming the resource, and nothing when allowed', () => {
    expect(() => restricted.assert({ company: 'c1', project: 'p1' }, 'write')).not.toThrow();
    let thrown: unknown;
    try {
      restricted.assert({ company: 'c1', project: 'p2' }, 'read');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(KeycardError);
    expect((thrown as KeycardError).code).toBe('forbidden_resource');
    expect((thrown as KeycardError).message).toBe('Token not allowed for project p2');
    expect((thrown as KeycardError).resource).toEqual({ type: 'project', id: 'p2' });
  });

  it('filter() keeps only the rows the token may read, in order; unrestricted gets a copy of all', () => {
    const rows: ResourcePath[] = [{ company: 'c1' }, { company: 'c2' }, { company: 'c1', project: 'p1' }];
    expect(restricted.filter(rows, (r) => r)).toEqual([{ company: 'c1' }, { company: 'c1', project: 'p1' }]);
    const all = identity(null).filter(rows, (r) => r);
    expect(all).toEqual(rows);
    expect(all).not.toBe(rows);
  });

  it('a restricted identity without a hierarchy refuses every resource check with invalid_config', () => {
    const blind = identity(parseRestrictions(h, { company: ['c1'] }), null);
    for (const f of [
      () => blind.can({ company: 'c1' }, 'read'),
      () => blind.assert({ company: 'c1' }, 'read'),
      () => blind.filter([{ company: 'c1' }], (r) => r),
    ])
      expect(f).toThrow(/Resource checks need `resources`/);
  });

  it('an unrestricted identity without a hierarchy refuses them too (misuse48: the path is read for every token)', () => {
    const blind = identity(null, null);
    for (const f of [
      () => blind.can({ company: 'c1' }, 'read'),
      () => blind.assert({ company: 'c1' }, 'read'),
      () => blind.filter([{ company: 'c1' }], (r) => r),
    ])
      expect(f).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });

  it('has() reads the effective scopes, which cannot be widened', () => {
    expect(restricted.has('read')).toBe(true);
    expect(restricted.has('comments')).toBe(false);
    expect((restricted.scopes as unknown as { add?: unknown }).add).toBeUndefined();
    expect(Object.isFrozen(restricted)).toBe(true);
    expect(restricted.toJSON()).toMatchObject({
      tokenId: 'tok_1',
      scopes: ['read'],
      restrictions: restricted.restrictions,
    });
  });
});

const ids = fc.constantFrom('c1', 'c2', 'p1', 'p2');
const restrictionsArb = fc.option(
  fc.record(
    { company: fc.uniqueArray(ids, { minLength: 1 }), project: fc.uniqueArray(ids, { minLength: 1 }) },
    {
      requiredKeys: [],
    },
  ),
);
const pathArb = fc.oneof(
  fc.record({ company: ids }),
  fc.record({ company: ids, project: ids }),
) as fc.Arbitrary<ResourcePath>;

describe('Identity against the core rule', () => {
  test.prop([restrictionsArb, fc.array(pathArb, { maxLength: 6 }), fc.constantFrom('read', 'write' as const)], {
    numRuns: 500,
  })('can, assert and filter decide exactly as checkResource and filterResources', (input, paths, access) => {
    const r = parseRestrictions(h, input);
    const id = identity(r);
    for (const path of paths) {
      const ok = checkResource(h, r, path, access).ok;
      expect(id.can(path, access)).toBe(ok);
      if (ok) expect(() => id.assert(path, access)).not.toThrow();
      else expect(() => id.assert(path, access)).toThrow(KeycardError);
    }
    expect(id.filter(paths, (p) => p)).toEqual(filterResources(h, r, paths, (p) => p));
  });
});
