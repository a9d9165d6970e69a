import { afterEach, describe, expect, it } from 'vitest';
import { checkResource, defineHierarchy, filterResources, parseRestrictions } from './restrictions.ts';

const h = defineHierarchy(['company', 'project']);
const polluted = Object.prototype as Record<string, unknown>;

describe('a polluted Object.prototype', () => {
  afterEach(() => {
    delete polluted['project'];
  });

  // pathLength counts inherited enumerable keys on purpose: a path that only looks short because
  // a level comes from the prototype must fail loudly, never be read as a shorter path and pass.
  it('makes a path fail loudly instead of passing as a shorter one', () => {
    const r = parseRestrictions(h, { company: ['c1'] });
    expect(checkResource(h, r, { company: 'c1' }, 'read')).toEqual({ ok: true });
    polluted['project'] = 'p1';
    expect(() => checkResource(h, r, { company: 'c1' }, 'read')).toThrow(/resource path/);
    expect(() => checkResource(h, null, { company: 'c1' }, 'read')).toThrow(/resource path/);
    expect(() => filterResources(h, r, [{ company: 'c1' }], (p) => p)).toThrow(/resource path/);
  });
});
