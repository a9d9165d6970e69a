/**
 * The management API validates its requests with src/manage/schemas.ts (src/core/kinds.ts on zod's
 * object type) and describes them with src/manage/request-schemas.ts (zod's own types, which make
 * the OpenAPI document and the client's types): over random bodies and queries, the two give the
 * same answer, to the field error and the parsed data.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { regexes } from 'zod/v4/core';
import { english } from '../../src/core/config.ts';
import * as doc from '../../src/manage/request-schemas.ts';
import * as runtime from '../../src/manage/schemas.ts';

const ROUTES = [
  'listQuery',
  'activityQuery',
  'createBody',
  'updateBody',
  'revokeBody',
  'rotateBody',
  'revokeAllBody',
] as const;

/** What a parse answers: the field errors as the API words them, or the data. */
function answer(schema: z.ZodMiniType, value: unknown, root: 'body' | 'query') {
  const r = schema.safeParse(value, english);
  return r.success
    ? { data: r.data }
    : {
        issues: r.error.issues.map((i) => `${i.path.map(String).join('.')} ${i.code}: ${i.message}`),
        fields: runtime.fieldErrors(r.error, root),
      };
}

const long = (n: number) => 'x'.repeat(n);
const strings = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom(
    '',
    'read',
    'w1',
    'alice',
    '30d',
    'never',
    'workspace',
    'personal',
    'all',
    'expiring',
    'allowed',
    'denied',
  ),
  fc.constantFrom(
    long(64),
    long(65),
    long(128),
    long(129),
    long(200),
    long(201),
    long(256),
    long(257),
    long(500),
    long(501),
    long(1024),
    long(1025),
  ),
  fc.constantFrom('\u{1F600}'.repeat(200), '\u{1F600}'.repeat(201), '\uD800'.repeat(2)),
  fc.constantFrom(
    '0',
    '1',
    '50',
    '100',
    '101',
    '007',
    '1.5',
    '-1',
    '9999999999999999',
    '99999999999999999',
    ' 1',
    '1e2',
  ),
  fc
    .tuple(fc.date({ noInvalidDate: true }), fc.constantFrom('Z', '+02:00', '-23:59', '+24:00', '', '+0200'))
    .map(([d, zone]) => d.toISOString().replace('Z', zone)),
);
const numbers = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, 1, -1, 1.5, 2 ** 31, 2 ** 31 - 1, 2_678_400, 2_678_401, 2_592_000_000, 2_592_000_001),
  fc.constantFrom(8_640_000_000_000, 8_640_000_000_001, 8.64e15, 8.64e15 + 2, 2 ** 53, 2 ** 60, 1e300, -(2 ** 60)),
);
const policy = fc.dictionary(fc.constantFrom('limit', 'window', 'name', 'x'), fc.oneof(numbers, strings), {
  maxKeys: 3,
});
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small' },
    strings,
    numbers,
    fc.constantFrom(null, true, false, undefined, Infinity, NaN, () => 1, new Date(0)),
    fc.jsonValue({ maxDepth: 3 }),
    policy,
    fc.record({ read: policy, write: policy }, { requiredKeys: [] }),
    fc.constantFrom(
      { read: { limit: 1, window: 1, name: 'x' }, write: { limit: 2, window: 2, name: 'x' } },
      { read: { limit: 1, window: 1, name: 'write' }, write: { limit: 2, window: 2 } },
      { read: { limit: 1, window: 1 }, write: { limit: 2, window: 2 } },
    ),
    fc.dictionary(fc.constantFrom('ownerId', 'workspaceId', 'x'), fc.oneof(strings, numbers), { maxKeys: 2 }),
    fc.dictionary(
      fc.oneof(strings, fc.constantFrom('project', long(65))),
      fc.array(fc.oneof(strings, numbers), { maxLength: 3 }),
    ),
    fc.array(tie('any'), { maxLength: 3 }),
    fc.array(strings, { minLength: 199, maxLength: 202 }),
    fc.dictionary(fc.oneof(strings, fc.constant(long(257))), tie('any'), { maxKeys: 3 }),
  ),
})).any;

/** The fields the routes name (read off the document's schemas), and one they do not. */
const fieldsOf = (...schemas: z.ZodMiniObject[]) => [...new Set(schemas.flatMap((s) => Object.keys(s.shape)))];
const CREATE_FIELDS = fieldsOf(doc.createBody);
const BODY_FIELDS = fieldsOf(doc.createBody, doc.updateBody, doc.revokeBody, doc.rotateBody, doc.revokeAllBody);
const QUERY_FIELDS = fieldsOf(doc.listQuery, doc.activityQuery);
// The bounds no random pick below reaches: 16 digits (the longest `limit` read as a number, 17
// refused as text) and 1,000 ids of one resource type (1,001 refused).
const digits = fc.integer({ min: 15, max: 17 }).chain((n) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`)));
const ids = fc.constantFrom(999, 1000, 1001).map((n) => ({ project: Array.from({ length: n }, (_, i) => `p${i}`) }));
const bodies = fc.oneof(
  fc.dictionary(fc.constantFrom(...BODY_FIELDS, 'x'), value, { maxKeys: 5 }),
  fc
    .tuple(fc.dictionary(fc.constantFrom(...CREATE_FIELDS), value, { maxKeys: 4 }), strings)
    .map(([b, label]) => ({ label, ...b })),
  fc
    .tuple(value, strings, fc.option(numbers))
    .map(([target, reason, expectCount]) =>
      expectCount === null ? { target, reason } : { target, reason, expectCount },
    ),
  value,
  fc.record({ label: fc.constant('ci'), restrictions: ids }),
  fc.record({ restrictions: fc.oneof(ids, fc.constant(null)) }),
  // Mostly valid, so that the rules between fields are reached.
  fc.record(
    {
      label: fc.constantFrom('ci', ''),
      scopes: fc.constantFrom(['read'], []),
      preset: fc.constantFrom('ops', 5),
      kind: fc.constantFrom('personal', 'workspace'),
      workspaceId: fc.constantFrom('w1', ''),
      expiresIn: fc.constantFrom('30d', 0, 86_400_000),
      expiresAt: fc.constantFrom(0, '2030-01-01T00:00:00Z', 'soon'),
      metadata: fc.constantFrom({ a: 1 }, { a: Infinity }),
    },
    { requiredKeys: ['label'] },
  ),
);
const queries = fc.oneof(
  fc.dictionary(fc.constantFrom(...QUERY_FIELDS, 'zz'), strings, { maxKeys: 4 }),
  fc.record({ limit: fc.oneof(digits, fc.constantFrom('0'.repeat(15) + '1', '9'.repeat(16))) }),
  fc.dictionary(fc.constantFrom(...QUERY_FIELDS, 'zz'), value, { maxKeys: 3 }),
);

describe("the management API's request schemas: the runtime's and the document's", () => {
  test.prop([bodies], { numRuns: 3_000 })('answer every body alike', (body) => {
    for (const route of ROUTES.filter((r) => r.endsWith('Body'))) {
      const d = doc[route] as z.ZodMiniType;
      const r = runtime[route] as z.ZodMiniType;
      expect([route, answer(r, body, 'body')]).toEqual([route, answer(d, body, 'body')]);
    }
  });

  test.prop([queries], { numRuns: 3_000 })('answer every query alike', (query) => {
    for (const route of ['listQuery', 'activityQuery'] as const) {
      expect([route, answer(runtime[route], query, 'query')]).toEqual([route, answer(doc[route], query, 'query')]);
    }
  });

  it("use zod's ISO date-time pattern", () => {
    expect(String(runtime.DATETIME)).toBe(String(regexes.datetime({ offset: true })));
  });
});
