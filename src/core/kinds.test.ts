/**
 * Each kind of src/core/kinds.ts raises the issues of the zod type it stands for: over random
 * values, the same paths, codes and messages (through `english`, and through custom errors),
 * alone, inside a strict object, under an optional and before a chained refinement.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { english } from './config.ts';
import { _isoDateTime, regexes } from 'zod/v4/core';
import {
  anyOf,
  boolean,
  integer,
  is,
  json,
  list,
  nullable,
  oneOf,
  record,
  refine,
  schema,
  text,
  strict,
  type Kind,
} from './kinds.ts';

const object = (v: unknown) => typeof v === 'object' && v !== null;
const E = 'custom error';

/** Each kind, and the zod schema it stands for. */
const pairs: Record<string, [Kind, z.ZodMiniType]> = {
  boolean: [boolean, z.boolean()],
  enum: [oneOf(['a', 'b']), z.enum(['a', 'b'])],
  enumError: [oneOf(['a', 'b'], E), z.enum(['a', 'b'], { error: E })],
  custom: [is(object, E), z.custom(object, { message: E })],
  integer: [integer(0, 10), z.number().check(z.int(), z.minimum(0), z.maximum(10))],
  integerMin: [integer(1), z.number().check(z.int(), z.minimum(1))],
  integerError: [
    integer(0, Number.MAX_SAFE_INTEGER, E),
    z.number({ error: E }).check(z.int({ error: E }), z.minimum(0, { error: E }), z.maximum(Number.MAX_SAFE_INTEGER)),
  ],
  integerMaxError: [
    integer(-3, 10, undefined, { maxError: E }),
    z.number().check(z.int(), z.minimum(-3), z.maximum(10, { error: E })),
  ],
  string: [text(), z.string()],
  lengths: [text({ min: 2, max: 3 }), z.string().check(z.minLength(2), z.maxLength(3))],
  lengthsError: [
    text({ min: 1, max: 4, error: E }),
    z.string({ error: E }).check(z.minLength(1, { error: E }), z.maxLength(4, { error: E })),
  ],
  max: [text({ max: 2 }), z.string().check(z.maxLength(2))],
  pattern: [text({ pattern: /^[a-z]+$/, patternError: E }), z.string().check(z.regex(/^[a-z]+$/, E))],
  patternError: [text({ pattern: /^a/g, error: E }), z.string({ error: E }).check(z.regex(/^a/g, { error: E }))],
  refined: [
    refine(text({ min: 1, max: 3, error: E }), (s: string) => !s.includes('x'), 'has x'),
    z.string({ error: E }).check(
      z.minLength(1, { error: E }),
      z.maxLength(3, { error: E }),
      z.refine((s) => !s.includes('x'), { error: 'has x' }),
    ),
  ],
  nullable: [nullable(text({ max: 2 })), z.nullable(z.string().check(z.maxLength(2)))],
  list: [list(text()), z.array(z.string())],
  listMin: [list(text(), { min: 1 }), z.array(z.string()).check(z.minLength(1))],
  listErrors: [
    list(text({ error: 'el', pattern: /^[a-z]$/, patternError: 'pat' }), { error: E, min: 2, minError: 'short' }),
    z.array(z.string({ error: 'el' }).check(z.regex(/^[a-z]$/, 'pat')), { error: E }).check(z.minLength(2, 'short')),
  ],
  listOfIntegers: [
    list(integer(0, 5), { min: 2 }),
    z.array(z.number().check(z.int(), z.minimum(0), z.maximum(5))).check(z.minLength(2)),
  ],
  listOfCustom: [list(is(object, E), { error: 'arr' }), z.array(z.custom(object, { error: E }), { error: 'arr' })],
  union: [
    anyOf([oneOf(['never', '30d']), integer(1)]),
    z.union([z.enum(['never', '30d']), z.number().check(z.int(), z.minimum(1))]),
  ],
  unionError: [
    anyOf([oneOf(['never', '30d']), integer(1)], E),
    z.union([z.enum(['never', '30d']), z.number().check(z.int(), z.minimum(1))], { error: E }),
  ],
  positive: [integer(0, 10, undefined, { above: true }), z.number().check(z.int(), z.positive(), z.maximum(10))],
  isWithoutMessage: [is((v) => v === false), z.custom((v) => v === false)],
  lengthMessages: [
    text({ min: 1, max: 3, minError: 'empty', maxError: 'long' }),
    z.string().check(z.minLength(1, { error: 'empty' }), z.maxLength(3, { error: 'long' })),
  ],
  datetime: [
    text({ pattern: regexes.datetime({ offset: true }), format: 'datetime' }),
    _isoDateTime(z.ZodMiniISODateTime, { offset: true }),
  ],
  listMax: [
    list(text({ max: 2 }), { min: 1, max: 3 }),
    z.array(z.string().check(z.maxLength(2))).check(z.minLength(1), z.maxLength(3)),
  ],
  listMaxErrors: [
    list(text(), { error: E, max: 2, maxError: 'many' }),
    z.array(z.string(), { error: E }).check(z.maxLength(2, { error: 'many' })),
  ],
  record: [
    record(text({ max: 2 }), list(text(), { max: 2 })),
    z.record(z.string().check(z.maxLength(2)), z.array(z.string()).check(z.maxLength(2))),
  ],
  json: [json, z.json()],
  recordOfJson: [record(text({ max: 3 }), json), z.record(z.string().check(z.maxLength(3)), z.json())],
  unionOfObjects: [
    anyOf([strict({ a: text({ min: 1 }) }), strict({ b: integer(0, 3) }, ['b'])], E),
    z.union(
      [
        z.strictObject({ a: z.string().check(z.minLength(1)) }),
        z.strictObject({ b: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(3))) }),
      ],
      { error: E },
    ),
  ],
  strict: [
    strict({ a: text({ max: 2 }), b: nullable(integer(0, 3)), c: is((v) => v !== 0, 'zero') }, ['b', 'c']),
    z.strictObject({
      a: z.string().check(z.maxLength(2)),
      b: z.optional(z.nullable(z.number().check(z.int(), z.minimum(0), z.maximum(3)))),
      c: z.optional(z.custom((v) => v !== 0, { error: 'zero' })),
    }),
  ],
  strictRefined: [
    refine(strict({ a: text({ max: 2 }) }), (v: { a: string }) => v.a !== 'x', 'is x', ['a']),
    z
      .strictObject({ a: z.string().check(z.maxLength(2)) })
      .check(z.refine((v) => v.a !== 'x', { error: 'is x', path: ['a'] })),
  ],
  optionalKinds: [
    strict({ a: oneOf(['x']), b: oneOf(['y']) }, ['b']),
    z.strictObject({ a: z.enum(['x']), b: z.optional(z.enum(['y'])) }),
  ],
  unionOfList: [
    anyOf([is(object, 'obj'), list(is(object, 'obj'))]),
    z.union([z.custom(object, { message: 'obj' }), z.array(z.custom(object, { message: 'obj' }))]),
  ],
};

class Named {}
const edges = fc.constantFrom<unknown>(
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  1,
  -1,
  0.5,
  3,
  10,
  11,
  -4,
  2 ** 53,
  -(2 ** 53),
  2 ** 60,
  -(2 ** 60),
  1e300,
  '',
  'a',
  'b',
  'ab',
  'abc',
  'abcd',
  'x',
  'ax',
  'A',
  '\u{1F600}',
  '\u{1F600}\u{1F600}',
  'a\u{1F600}\u{1F600}',
  '\uD800',
  '\uD800\uD800\uD800',
  'never',
  '30d',
  null,
  undefined,
  true,
  false,
  [],
  ['a'],
  ['a', 'b'],
  ['a', 1],
  [1, 2],
  [0, 1.5],
  [0, 2 ** 60],
  ['a', 'b', 'c', 'd'],
  [{}],
  [{}, null],
  {},
  { length: 0 },
  { length: 5 },
  { length: 'x' },
  { length: null },
  () => 1,
  (a: unknown, b: unknown) => [a, b],
  new Named(),
  new Date(0),
  Symbol('s'),
  10n,
  Object.create(null) as object,
);
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom<unknown>(Infinity, NaN, undefined, 'ab', 'abcd', 1, null, true, new Date(0), () => 1, Symbol('s')),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'ab', 'abcd', '__proto__', '1', '12345'), tie('value'), { maxKeys: 3 }),
  ),
})).value;
const times = fc
  .tuple(fc.date({ noInvalidDate: true }), fc.constantFrom('Z', '+02:00', '-23:59', '+24:00', '', '+0200', ' '))
  .map(([d, zone]) => d.toISOString().replace('Z', zone));
const anything = fc.oneof(
  edges,
  jsonish,
  times,
  fc.jsonValue(),
  fc.constantFrom({ a: '' }, { a: 'x' }, { b: 5 }, { b: 1.5 }, { a: 'x', b: 1 }, { a: 1 }, { [Symbol('k')]: 1 }),
  fc.constantFrom(
    { a: 'x', b: null, c: 0 },
    { a: 'xyz', b: undefined },
    { a: undefined },
    Object.create({ a: 'x' }) as object,
  ),
  fc.constantFrom(
    { a: 'x', d: 1 },
    { b: 'y' },
    { a: 'x', b: 'y', z: 1 },
    Object.assign(Object.create({ z: 1 }), { a: 'x' }) as object,
  ),
  fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withSparseArray: true,
  }),
  fc.double(),
  fc.integer(),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.array(fc.oneof(edges, fc.string({ maxLength: 2 })), { maxLength: 4 }),
);

/** Every issue of parsing `value`, as `path code: message`. */
function issues(schema: z.ZodMiniType, value: unknown): string[] {
  const r = schema.safeParse(value, english);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.map(String).join('.')} ${i.code}: ${i.message}`);
}

/** Whether JavaScript cannot turn `v` into a number (`Number(v)` throws): a symbol, an object without `valueOf`. */
function uncomparable(v: unknown): boolean {
  try {
    Number(v);
    return false;
  } catch {
    return true;
  }
}

/** `value` with every `length` JavaScript cannot compare, in it and its plain objects and arrays, made NaN. */
function tamed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tamed);
  if (!object(value) || ![Object.prototype, null].includes(Object.getPrototypeOf(value))) return value;
  const members = Object.getOwnPropertyDescriptors(value);
  for (const [key, member] of Object.entries(members)) {
    if ('value' in member)
      member.value = key === 'length' && uncomparable(member.value) ? Number.NaN : tamed(member.value);
  }
  return Object.create(Object.getPrototypeOf(value), members);
}

/**
 * zod's issues for `value`. zod's length checks throw a TypeError on a `length` JavaScript cannot
 * compare, where the kinds count it as NaN (src/core/kinds.ts `counted`): those are zod's issues
 * for the value with such lengths made NaN.
 */
function zods(schema: z.ZodMiniType, value: unknown): string[] {
  try {
    return issues(schema, value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return issues(schema, tamed(value));
  }
}

describe('zod types as kinds (src/core/kinds.ts)', () => {
  it('count a length JavaScript cannot compare as NaN, where zod throws a TypeError', () => {
    for (const length of [[Object.create(null)], Object.create(null), Symbol('n')]) {
      const value = { length };
      expect(() => z.string().check(z.minLength(1)).safeParse(value)).toThrow(TypeError);
      const ours = issues(schema(text({ min: 1, max: 3 })), value);
      expect(ours).toEqual(zods(z.string().check(z.minLength(1), z.maxLength(3)), value));
      expect(ours).toEqual([
        ' invalid_type: Invalid input: expected string, received object',
        ' too_small: Too small: expected unknown to be >=1',
        ' too_big: Too big: expected unknown to be <=3',
      ]);
    }
  });

  test.prop([anything], { numRuns: 2_000 })('raise the issues of the zod type they stand for', (value) => {
    for (const [name, [kind, zod]] of Object.entries(pairs)) {
      expect([name, issues(schema(kind), value)]).toEqual([name, zods(zod, value)]);
    }
  });

  test.prop([fc.dictionary(fc.constantFrom('a', 'b', 'c'), anything)], { numRuns: 500 })(
    'inside a strict object, required and optional, before a chained refinement',
    (input) => {
      for (const [name, [kind, zod]] of Object.entries(pairs)) {
        const ours = z.strictObject({ a: schema(kind), b: z.optional(schema(kind)) });
        const theirs = z.strictObject({ a: zod, b: z.optional(zod) });
        expect([name, issues(ours, input)]).toEqual([name, zods(theirs, input)]);
        const after = z.refine((v: unknown) => v !== 'a' && v !== 3, 'chained');
        expect([name, issues(schema(kind).check(after), input.a)]).toEqual([name, zods(zod.check(after), input.a)]);
      }
    },
  );

  it('pass a value through unchanged', () => {
    const value = ['a', 'b'];
    expect(schema(list(text())).safeParse(value, english).data).toBe(value);
  });
});
