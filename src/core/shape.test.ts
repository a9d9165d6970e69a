/**
 * src/core/shape.ts's strictObject, optional, unknown and check run as zod/mini's: over random
 * values, the same issues (every field of each, messages included) and the same output (the keys
 * present, `undefined` ones too), nested in each other and in zod's own types both ways.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import * as zod from 'zod/mini';
import { english } from './config.ts';
import { integer, oneOf, text, type Issue, type Kind } from './kinds.ts';
import * as ours from './shape.ts';

type Z = typeof zod;
type Schema = zod.ZodMiniType;

/** A field raising `kind`'s issues, as kinds.ts's `schema` builds it, with either library. */
const field = (z: Z, kind: Kind): Schema =>
  z.unknown().check(z.check((p) => kind(p.value, p.issues as Issue[]))) as unknown as Schema;
/** A field replacing its value, as the actor's check copies it. */
const copying = (z: Z): Schema =>
  z.unknown().check(
    z.check((p) => {
      if (Array.isArray(p.value)) p.value = [...(p.value as unknown[])];
    }),
  ) as unknown as Schema;

/** The same schemas, built from `z`: the cases createKeycard, its calls and the management API use. */
function zoo(z: Z): Record<string, Schema> {
  const a = field(z, text({ max: 2 }));
  const b = field(z, integer(0, 3));
  const c = field(z, oneOf(['x', 'y'], 'must be x or y'));
  const inner = z.strictObject({ a, b: z.optional(b) }, { error: 'must be an object' });
  const checked = z.strictObject({ a: z.optional(a), b: z.optional(b) }).check(
    z.check(({ value, issues }) => {
      const v = value as { a?: string; b?: number };
      if (v.a !== undefined && v.b !== undefined)
        issues.push({ code: 'custom', path: ['b'], message: 'not both', input: v, continue: true });
    }),
    z.check(({ value }) => {
      const v = value as Record<string, unknown>;
      if (v['b'] === undefined) v['b'] = 2;
    }),
  );
  return {
    flat: z.strictObject({ a, b: z.optional(b), c: z.optional(c) }) as unknown as Schema,
    errors: z.strictObject({ a: z.optional(a) }, { error: 'must be an object' }) as unknown as Schema,
    nested: z.strictObject({ inner, more: z.optional(inner) }) as unknown as Schema,
    optionalObject: z.optional(inner) as unknown as Schema,
    checked: checked as unknown as Schema,
    copy: z.strictObject({ list: z.optional(copying(z)), a: copying(z) }) as unknown as Schema,
    empty: z.strictObject({}) as unknown as Schema,
    // zod's own types inside ours, as src/manage/options.ts's union holds them.
    mixed: z.strictObject({ n: z.optional(zod.number()), s: zod.string(), a: z.optional(a) }) as unknown as Schema,
    unknown: z.unknown() as unknown as Schema,
  };
}

const theirs = zoo(zod);
const mine = zoo(ours as unknown as Z);

const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom<unknown>(
      undefined,
      null,
      0,
      1,
      2,
      5,
      1.5,
      NaN,
      'ab',
      'abc',
      'x',
      'z',
      '',
      true,
      [],
      [1],
      new Date(0),
    ),
    fc.constantFrom<unknown>(
      Object.create({ a: 'x' }),
      Object.assign(Object.create({ z: 1 }), { a: 'x' }),
      Object.create(null),
    ),
    fc.constantFrom<unknown>(
      { a: 'x', b: 1, z: 1 },
      { a: 'x', b: undefined },
      { inner: { a: 'x', q: 1 } },
      { s: 's', n: 1 },
    ),
    fc.array(tie('value'), { maxLength: 2 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'n', 's', 'z', 'inner', 'more', 'list', '__proto__'), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

/** A parse's answer: its issues, or its output (with `undefined` keys told from absent ones). */
function answer(schema: Schema, input: unknown) {
  const r = schema.safeParse(input, english);
  if (!r.success) return { issues: r.error.issues };
  const keys = r.data !== null && typeof r.data === 'object' ? Object.keys(r.data) : null;
  return { data: r.data, keys };
}

describe("zod's object, optional and unknown without zod (src/core/shape.ts)", () => {
  test.prop([value], { numRuns: 3_000 })('answer as zod/mini does', (input) => {
    for (const name of Object.keys(theirs)) {
      expect([name, answer(mine[name]!, input)]).toStrictEqual([name, answer(theirs[name]!, input)]);
    }
  });

  test.prop([value], { numRuns: 1_000 })("hold and are held by zod's own objects", (input) => {
    const a = field(zod, text({ max: 2 }));
    const theirsIn = zod.strictObject({ o: zod.optional(zod.strictObject({ a }, { error: 'obj' })) });
    const oursIn = zod.strictObject({
      o: zod.optional(ours.strictObject({ a: field(ours as unknown as Z, text({ max: 2 })) }, { error: 'obj' })),
    });
    expect(answer(oursIn as unknown as Schema, input)).toStrictEqual(answer(theirsIn as unknown as Schema, input));
  });

  it('outputs a fresh object, the value a check made', () => {
    const input = { a: [1], list: [2] };
    const r = mine['copy']!.safeParse(input, english);
    expect(r.success && r.data).toEqual(input);
    expect(r.data).not.toBe(input);
    expect((r.data as { a: unknown }).a).not.toBe(input.a);
  });
});
