import { describe, expect, it } from 'vitest';
import { KeycardError } from './errors.ts';
import {
  checkResource,
  defineHierarchy,
  describeDenial,
  filterResources,
  isNarrowerOrEqual,
  parseRestrictions,
  type Access,
  type ResourceCheck,
  type ResourcePath,
  type Restrictions,
} from './restrictions.ts';

const h = defineHierarchy(['company', 'project']);

function expectKeycardError(fn: () => unknown, code: string, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(KeycardError);
  expect((thrown as KeycardError).code).toBe(code);
  expect((thrown as KeycardError).message).toMatch(message);
}

const ok: ResourceCheck = { ok: true };
const deny = (type: string, id: string): ResourceCheck => ({ ok: false, type, id });

describe('SPEC §4 truth table', () => {
  // The six rows of the table, each resource with its expected read and write outcome.
  const rows: {
    row: string;
    restrictions: unknown;
    cases: { resource: ResourcePath; read: ResourceCheck; write: ResourceCheck }[];
  }[] = [
    {
      row: 'none | anything',
      restrictions: null,
      cases: [
        { resource: { company: 'c1' }, read: ok, write: ok },
        { resource: { company: 'c2', project: 'p9' }, read: ok, write: ok },
      ],
    },
    {
      row: 'company c1 | company c1 / project p9 in c1',
      restrictions: { company: ['c1'] },
      cases: [
        { resource: { company: 'c1' }, read: ok, write: ok },
        { resource: { company: 'c1', project: 'p9' }, read: ok, write: ok },
      ],
    },
    {
      row: 'company c1 | company c2, or anything in it',
      restrictions: { company: ['c1'] },
      cases: [
        { resource: { company: 'c2' }, read: deny('company', 'c2'), write: deny('company', 'c2') },
        { resource: { company: 'c2', project: 'p1' }, read: deny('company', 'c2'), write: deny('company', 'c2') },
      ],
    },
    {
      row: 'company c1, project p1 | project p1 in c1',
      restrictions: { company: ['c1'], project: ['p1'] },
      cases: [{ resource: { company: 'c1', project: 'p1' }, read: ok, write: ok }],
    },
    {
      row: 'company c1, project p1 | project p2 in c1',
      restrictions: { company: ['c1'], project: ['p1'] },
      cases: [
        { resource: { company: 'c1', project: 'p2' }, read: deny('project', 'p2'), write: deny('project', 'p2') },
      ],
    },
    {
      row: 'company c1, project p1 | company c1 itself',
      restrictions: { company: ['c1'], project: ['p1'] },
      cases: [{ resource: { company: 'c1' }, read: ok, write: deny('company', 'c1') }],
    },
  ];

  it('has exactly the six rows of the spec', () => {
    expect(rows).toHaveLength(6);
  });

  for (const { row, restrictions, cases } of rows) {
    for (const { resource, read, write } of cases) {
      for (const [access, expected] of [
        ['read', read],
        ['write', write],
      ] as [Access, ResourceCheck][]) {
        it(`${row}: ${access} ${JSON.stringify(resource)}`, () => {
          const r = parseRestrictions(h, restrictions);
          expect(checkResource(h, r, resource, access)).toEqual(expected);
        });
      }
    }
  }

  it('treats {} exactly like null', () => {
    expect(checkResource(h, {}, { company: 'c9', project: 'p9' }, 'write')).toEqual(ok);
  });
});

describe('checkResource', () => {
  it('names the first failing type from the root', () => {
    const r = parseRestrictions(h, { company: ['c1'], project: ['p1'] });
    expect(checkResource(h, r, { company: 'c2', project: 'p2' }, 'read')).toEqual(deny('company', 'c2'));
  });

  it('lets a project restriction alone apply across companies', () => {
    const r = parseRestrictions(h, { project: ['p1'] });
    expect(checkResource(h, r, { company: 'c7', project: 'p1' }, 'write')).toEqual(ok);
    expect(checkResource(h, r, { company: 'c7', project: 'p2' }, 'read')).toEqual(deny('project', 'p2'));
    expect(checkResource(h, r, { company: 'c7' }, 'read')).toEqual(ok);
    expect(checkResource(h, r, { company: 'c7' }, 'write')).toEqual(deny('company', 'c7'));
  });

  it('applies the rule on a deeper hierarchy', () => {
    const h3 = defineHierarchy(['company', 'project', 'ticket']);
    const r = parseRestrictions(h3, { company: ['c1'], ticket: ['t1'] });
    expect(checkResource(h3, r, { company: 'c1', project: 'p1' }, 'read')).toEqual(ok);
    expect(checkResource(h3, r, { company: 'c1', project: 'p1' }, 'write')).toEqual(deny('project', 'p1'));
    expect(checkResource(h3, r, { company: 'c1', project: 'p1', ticket: 't1' }, 'write')).toEqual(ok);
    expect(checkResource(h3, r, { company: 'c1', project: 'p1', ticket: 't2' }, 'read')).toEqual(deny('ticket', 't2'));
    expect(checkResource(h3, r, { company: 'c2', project: 'p1', ticket: 't1' }, 'read')).toEqual(deny('company', 'c2'));
  });

  it('does not read inherited properties as path levels or restrictions', () => {
    const hp = defineHierarchy(['company', 'toString', 'constructor']);
    expect(checkResource(hp, parseRestrictions(hp, { toString: ['x'] }), { company: 'c1' }, 'read')).toEqual(ok);
    expect(checkResource(hp, parseRestrictions(hp, { toString: ['x'] }), { company: 'c1' }, 'write')).toEqual(
      deny('company', 'c1'),
    );
    expect(
      checkResource(hp, parseRestrictions(hp, { company: ['c1'] }), { company: 'c1', toString: 'x' }, 'write'),
    ).toEqual(ok);
  });

  it('decides alike for parsed restrictions (planned) and a plain record (scanned in place, never stale)', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const parsed = parseRestrictions(h, { project: ids });
    expect(checkResource(h, parsed, { company: 'c1', project: 'p39' }, 'write')).toEqual(ok);
    expect(checkResource(h, parsed, { company: 'c1', project: 'p40' }, 'read')).toEqual(deny('project', 'p40'));
    const mutable: Record<string, string[]> = { project: [...ids] };
    expect(checkResource(h, mutable, { company: 'c1', project: 'p40' }, 'read')).toEqual(deny('project', 'p40'));
    mutable.project!.push('p40');
    expect(checkResource(h, mutable, { company: 'c1', project: 'p40' }, 'read')).toEqual(ok);
  });

  it('accepts a hand-written hierarchy object and validates it on first use', () => {
    expect(checkResource({ types: ['company'] }, { company: ['c1'] }, { company: 'c1' }, 'write')).toEqual(ok);
    expectKeycardError(
      () => checkResource({ types: ['company', 'company'] }, null, { company: 'c1' }, 'read'),
      'invalid_config',
      /entry 1.*twice/,
    );
  });

  it('returns a frozen shared object when allowed and a fresh denial otherwise', () => {
    const a = checkResource(h, null, { company: 'c1' }, 'read');
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toBe(checkResource(h, null, { company: 'c2' }, 'write'));
  });

  describe('refuses a path that is not a contiguous prefix of the hierarchy, even for an unrestricted token', () => {
    const bad: [string, unknown, RegExp][] = [
      ['empty', {}, /resource path is empty/],
      ['skips a level', { project: 'p1' }, /names project but skips company/],
      ['unknown type', { company: 'c1', team: 't1' }, /unknown resource type "team"/],
      ['unknown type only', { team: 't1' }, /unknown resource type "team"/],
      ['non-string id', { company: 1 }, /company must be a non-empty string id, got number/],
      ['undefined id', { company: 'c1', project: undefined }, /project must be a non-empty string id, got undefined/],
      ['empty id', { company: '' }, /company must be a non-empty string id/],
      ['null path', null, /resource path must be an object/],
      ['array path', ['c1'], /resource path must be an object/],
    ];
    for (const [name, path, message] of bad) {
      it(name, () => {
        for (const r of [null, parseRestrictions(h, { company: ['c1'] })]) {
          expectKeycardError(() => checkResource(h, r, path as ResourcePath, 'read'), 'invalid_argument', message);
        }
        expectKeycardError(
          () => filterResources(h, null, [path], (p) => p as ResourcePath),
          'invalid_argument',
          message,
        );
      });
    }
  });

  it('refuses an unknown access and malformed restrictions', () => {
    expectKeycardError(
      () => checkResource(h, null, { company: 'c1' }, 'delete' as Access),
      'invalid_argument',
      /access must be 'read' or 'write', got "delete"/,
    );
    expectKeycardError(
      () => checkResource(h, { team: ['t1'] }, { company: 'c1' }, 'read'),
      'invalid_argument',
      /unknown resource type "team"/,
    );
    expectKeycardError(
      () => checkResource(h, { company: 'c1' } as unknown as Restrictions, { company: 'c1' }, 'read'),
      'invalid_argument',
      /restrictions.company must be an array/,
    );
  });
});

describe('describeDenial', () => {
  it('is the 403 detail text', () => {
    expect(describeDenial({ type: 'project', id: 'p9' })).toBe('Token not allowed for project p9');
    const check = checkResource(h, parseRestrictions(h, { company: ['c1'] }), { company: 'c1', project: 'p9' }, 'read');
    expect(check.ok).toBe(true);
    const denied = checkResource(
      h,
      parseRestrictions(h, { company: ['c1'], project: ['p1'] }),
      { company: 'c1', project: 'p9' },
      'write',
    );
    if (denied.ok) throw new Error('expected a denial');
    expect(describeDenial(denied)).toBe('Token not allowed for project p9');
  });
});

describe('filterResources', () => {
  const rows: { id: string; path: ResourcePath }[] = [
    { id: 'c1', path: { company: 'c1' } },
    { id: 'c2', path: { company: 'c2' } },
    { id: 'c1/p1', path: { company: 'c1', project: 'p1' } },
    { id: 'c1/p2', path: { company: 'c1', project: 'p2' } },
    { id: 'c2/p1', path: { company: 'c2', project: 'p1' } },
  ];
  const ids = (r: unknown) => filterResources(h, parseRestrictions(h, r), rows, (row) => row.path).map((row) => row.id);

  it('keeps only rows the token may read, in order', () => {
    expect(ids(null)).toEqual(['c1', 'c2', 'c1/p1', 'c1/p2', 'c2/p1']);
    expect(ids({ company: ['c1'] })).toEqual(['c1', 'c1/p1', 'c1/p2']);
    expect(ids({ company: ['c1'], project: ['p1'] })).toEqual(['c1', 'c1/p1']);
    expect(ids({ project: ['p1'] })).toEqual(['c1', 'c2', 'c1/p1', 'c2/p1']);
  });

  it('returns a new array and takes any iterable', () => {
    const all = filterResources(h, null, rows, (row) => row.path);
    expect(all).not.toBe(rows);
    expect(all).toEqual(rows);
    function* generate() {
      yield* rows;
    }
    expect(filterResources(h, { company: ['c2'] }, generate(), (row) => row.path).map((row) => row.id)).toEqual([
      'c2',
      'c2/p1',
    ]);
  });

  it('works with long, unfrozen restriction lists', () => {
    const many = Array.from({ length: 20 }, (_, i) => `x${i}`);
    expect(filterResources(h, { company: [...many, 'c2'] }, rows, (row) => row.path).map((row) => row.id)).toEqual([
      'c2',
      'c2/p1',
    ]);
  });
});

describe('isNarrowerOrEqual', () => {
  const cases: [unknown, unknown, boolean][] = [
    [null, null, true],
    [{ company: ['c1'] }, null, true],
    [null, { company: ['c1'] }, false],
    [{}, { company: ['c1'] }, false],
    [{ company: ['c1'] }, {}, true],
    [{ company: ['c1'] }, { company: ['c1'] }, true],
    [{ company: ['c1'] }, { company: ['c1', 'c2'] }, true],
    [{ company: ['c1', 'c2'] }, { company: ['c1'] }, false],
    [{ company: ['c1'], project: ['p1'] }, { company: ['c1'] }, true],
    [{ company: ['c1'] }, { company: ['c1'], project: ['p1'] }, false],
    [{ project: ['p1'] }, { company: ['c1'] }, false],
    [{ company: ['c1'], project: ['p1'] }, { project: ['p1', 'p2'] }, true],
  ];
  for (const [next, prev, expected] of cases) {
    it(`${JSON.stringify(next)} ≤ ${JSON.stringify(prev)} is ${expected}`, () => {
      expect(isNarrowerOrEqual(h, next as Restrictions | null, prev as Restrictions | null)).toBe(expected);
      expect(isNarrowerOrEqual(h, parseRestrictions(h, next), parseRestrictions(h, prev))).toBe(expected);
    });
  }

  it('refuses restrictions naming an unknown type', () => {
    expectKeycardError(
      () => isNarrowerOrEqual(h, { team: ['t'] }, null),
      'invalid_argument',
      /unknown resource type "team"/,
    );
  });
});

describe('defineHierarchy', () => {
  it('returns a frozen copy', () => {
    const types = ['company', 'project'];
    const hierarchy = defineHierarchy(types);
    types.push('ticket');
    expect(hierarchy.types).toEqual(['company', 'project']);
    expect(Object.isFrozen(hierarchy)).toBe(true);
    expect(Object.isFrozen(hierarchy.types)).toBe(true);
  });

  const bad: [string, unknown, RegExp][] = [
    ['empty', [], /^hierarchy must declare at least one resource type$/],
    ['not an array', 'company', /^hierarchy must be an array/],
    ['duplicate', ['company', 'project', 'company'], /^hierarchy entry 2 \("company"\) is declared twice$/],
    ['uppercase start', ['company', 'Project'], /^hierarchy entry 1 \("Project"\) must match/],
    ['digit start', ['1company'], /^hierarchy entry 0 \("1company"\) must match/],
    ['space', ['my company'], /^hierarchy entry 0 \("my company"\) must match/],
    ['too long', ['z'.repeat(65)], /^hierarchy entry 0 \("z{64}…"\) must match/],
    ['non-string', ['company', 3], /^hierarchy entry 1 \(number\) must be a string$/],
  ];
  for (const [name, input, message] of bad) {
    it(`refuses ${name}`, () => {
      expectKeycardError(() => defineHierarchy(input as string[]), 'invalid_config', message);
    });
  }

  it('accepts the longest name and the allowed punctuation', () => {
    expect(defineHierarchy(['a'.repeat(64), 'sub_team-2X']).types).toHaveLength(2);
  });
});

describe('parseRestrictions', () => {
  it('normalises: types in hierarchy order, ids sorted and de-duplicated, all frozen', () => {
    const r = parseRestrictions(h, { project: ['p2', 'p1', 'p2'], company: ['c1'] });
    expect(r).toEqual({ company: ['c1'], project: ['p1', 'p2'] });
    expect(Object.keys(r!)).toEqual(['company', 'project']);
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r!.project)).toBe(true);
  });

  it('returns null for no restriction', () => {
    expect(parseRestrictions(h, null)).toBeNull();
    expect(parseRestrictions(h, undefined)).toBeNull();
    expect(parseRestrictions(h, {})).toBeNull();
  });

  it('accepts an id of exactly 256 characters', () => {
    expect(parseRestrictions(h, { company: ['x'.repeat(256)] })).toEqual({ company: ['x'.repeat(256)] });
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'unknown type',
      { company: ['c1'], team: ['t1'] },
      /unknown resource type "team"; the hierarchy declares company, project/,
    ],
    ['own __proto__ key', JSON.parse('{"__proto__": ["x"]}'), /unknown resource type "__proto__"/],
    ['empty list', { project: [] }, /restrictions.project is empty/],
    ['list not an array', { company: 'c1' }, /restrictions.company must be an array/],
    ['non-string id', { company: ['c1', 7] }, /restrictions.company\[1\] must be a string, got number/],
    ['null id', { company: [null] }, /restrictions.company\[0\] must be a string, got null/],
    ['empty id', { company: [''] }, /restrictions.company\[0\] is an empty id/],
    [
      'id longer than 256',
      { project: ['p1', 'x'.repeat(257)] },
      /restrictions.project\[1\] is longer than 256 characters/,
    ],
    ['an array', [['c1']], /restrictions must be an object/],
    ['a string', 'c1', /restrictions must be an object/],
  ];
  for (const [name, input, message] of bad) {
    it(`refuses ${name}`, () => {
      expectKeycardError(() => parseRestrictions(h, input), 'invalid_argument', message);
    });
  }
});
