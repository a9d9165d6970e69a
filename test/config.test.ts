/**
 * keycard's English issue messages (`src/core/config.ts`, which replaced zod's `en` locale in
 * the edge bundle) say word for word what zod's locale says, for every kind of schema keycard
 * writes: over random values through a zoo of those schemas, and over the management API's own
 * body and query schemas. And URL options are taken as written: no whitespace, no control
 * character, an http(s) one absolute.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { configError, english, issueMessage, urlText } from '../src/core/config.ts';
import { createKeycard } from '../src/index.ts';
import { policyInput, splitInput } from '../src/core/limiter.ts';
import * as manage from '../src/manage/request-schemas.ts';

const zods = { error: en().localeError };

const zoo: Record<string, z.ZodMiniType> = {
  text: z.string().check(z.minLength(1), z.maxLength(5)),
  pattern: z.string().check(z.regex(/^[a-z]+$/)),
  url: z.url(),
  httpUrl: z.url({ protocol: /^https?$/ }),
  datetime: z.iso.datetime({ offset: true }),
  number: z.number().check(z.int(), z.minimum(0), z.maximum(10)),
  exclusive: z.number().check(z.positive()),
  boolean: z.boolean(),
  enum: z.enum(['read', 'write']),
  literal: z.literal(false),
  union: z.union([z.number(), z.date()]),
  array: z.array(z.string()).check(z.minLength(1), z.maxLength(2)),
  record: z.record(z.string().check(z.maxLength(3)), z.number()),
  object: z.strictObject({ a: z.string(), b: z.optional(z.nullable(z.number())) }),
  tuple: z.tuple([z.string(), z.optional(z.number())]),
  custom: z.custom<string>((v) => typeof v === 'string'),
  instance: z.instanceof(Date),
  refined: z.unknown().check(z.refine((v) => v !== 0)),
};

class Named {}
const anything = fc.oneof(
  fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withNullPrototype: true,
  }),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0.5, 11, '', 'abcdef', 'ABC', 'http://x', 'ftp://x', 'not a url'),
  fc.constantFrom('2026-12-03T10:00:00Z', '2026-12-03', new Named(), [], ['a', 'b', 'c'], { a: 'x', c: 1 }),
  fc.constantFrom({ abcd: 1 }, { a: 1 }, ['x', 'y', 'z'], [1], Object.create(null) as object, () => 1, Symbol('s')),
  fc.constantFrom(Object.create({ constructor: 1 }) as object, Object.create({ constructor: { name: 'N' } }) as object),
);

/** Every message of parsing `value` with `schema`, under zod's locale and under keycard's. */
function both(schema: z.ZodMiniType, value: unknown): [string[], string[]] {
  const theirs = schema.safeParse(value, zods);
  const ours = schema.safeParse(value, english);
  const messages = (r: typeof theirs) =>
    r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  return [messages(theirs), messages(ours)];
}

describe("keycard's English issue messages", () => {
  test.prop([anything], { numRuns: 3_000 })('match zod’s en locale over a zoo of schemas', (value) => {
    for (const schema of Object.values(zoo)) {
      const [theirs, ours] = both(schema, value);
      expect(ours).toEqual(theirs);
    }
  });

  const routes = [manage.listQuery, manage.activityQuery, manage.createBody, manage.updateBody, manage.revokeAllBody];
  test.prop(
    [fc.dictionary(fc.constantFrom('label', 'scopes', 'kind', 'limit', 'since', 'target', 'expiresIn', 'x'), anything)],
    {
      numRuns: 2_000,
    },
  )("match zod’s en locale over the management API's bodies and queries", (body) => {
    for (const schema of routes) {
      const [theirs, ours] = both(schema, body);
      expect(ours).toEqual(theirs);
    }
  });

  // parseRateLimit's policy is written with src/core/kinds.ts; the management API's copy in zod's
  // own types describes it in the OpenAPI document: the two raise the same issues.
  const policyField = fc.oneof(
    anything,
    fc.integer(),
    fc.constantFrom(2 ** 31, 2 ** 31 - 1, 2_678_400, 2_678_401, 'ok'),
  );
  const policyValue = fc.oneof(
    anything,
    fc.dictionary(fc.constantFrom('limit', 'window', 'name', 'x'), policyField, { maxKeys: 3 }),
  );
  test.prop([policyValue, policyValue], { numRuns: 2_000 })(
    "parseRateLimit's policy matches the management API's, alone and split",
    (read, write) => {
      const messages = (schema: z.ZodMiniType, value: unknown) => {
        const r = schema.safeParse(value, english);
        return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')} ${i.code}: ${i.message}`);
      };
      expect(messages(policyInput, read)).toEqual(messages(manage.ratePolicy, read));
      const split = { read, write };
      expect(messages(splitInput, split)).toEqual(messages(manage.splitOf(manage.ratePolicy), split));
    },
  );

  test('pins one message of each: zod’s own, and keycard’s for an issue built by hand', () => {
    const [theirs] = both(zoo['number']!, 'x');
    expect(theirs).toEqual([': Invalid input: expected number, received string']);
    expect(issueMessage({ code: 'too_big', origin: 'number', maximum: 10, inclusive: true, input: 11 } as never)).toBe(
      'Too big: expected number to be <=10',
    );
  });
});

describe('URL options', () => {
  const ok = (schema: z.ZodMiniType, s: string) => schema.safeParse(s, english).success;

  test.each(['https://api.example/a?b=1#c', 'http://127.0.0.1:8080/', 'HTTPS://EXAMPLE.COM'])(
    'an http(s) URL %s passes',
    (s) => {
      expect(ok(urlText(true), s)).toBe(true);
      expect(ok(urlText(), s)).toBe(true);
    },
  );

  test.each(['ftp://files.example/', 'mailto:a@example.com', 'urn:isbn:0451450523'])(
    '%s is a URL, not an http(s) one',
    (s) => {
      expect(ok(urlText(), s)).toBe(true);
      expect(ok(urlText(true), s)).toBe(false);
    },
  );

  test.each([
    ' https://api.example/',
    'https://api.example/\n',
    'https://api.exa\tmple/',
    'https://api.example/a b',
    'https://api.example/\u0000',
    'https://api.example/\u00a0',
    'https://api.example/\u0085',
    'https://api.example/\u2028',
    'https://api.example/\ufeff',
    'https://api.example/\u3000',
    'http:api.example',
    'https:/api.example',
    '/relative',
    '',
  ])('%j is refused', (s) => {
    expect(ok(urlText(true), s)).toBe(false);
    const parsed = urlText(true).safeParse(s, english);
    expect(parsed.success ? null : parsed.error.issues[0]?.message).toBe('Invalid URL');
  });

  // Node 20's URL.canParse answers false for valid non-ASCII input once its call site is
  // optimised (about half of 300,000 calls); keycard's checks parse instead.
  test('answer the same on the 20,000th call as on the first, for a non-ASCII URL', () => {
    const check = urlText(true);
    const answers = new Set<boolean>();
    for (let i = 0; i < 20_000; i++) answers.add(ok(check, i % 2 ? 'https://é.example/' : 'https://a.example/'));
    expect([...answers]).toEqual([true]);
  });

  test('a settingsUrl with a newline is an invalid_config naming it, not a header to split', () => {
    expect(() => createKeycard({ settingsUrl: 'https://app.example/settings\r\nX-Evil: 1' } as never)).toThrow(
      /settingsUrl: Invalid URL/,
    );
  });
});

describe('configError: the one bad-options message', () => {
  const schema = z.strictObject({ limit: z.optional(z.number()), nested: z.optional(z.strictObject({})) });
  const message = (options: unknown) => {
    const parsed = schema.safeParse(options, english);
    return parsed.success ? 'accepted' : configError('fn', parsed.error).message;
  };

  test('names every bad field, unknown keys in one clause, nested ones by their path', () => {
    expect(message({ limit: '1', a: 1, b: 2, nested: { c: 3 } })).toBe(
      'fn: limit: Invalid input: expected number, received string; nested.c: unknown option; a, b: unknown options',
    );
    expect(message(null)).toBe('fn: (options): Invalid input: expected object, received null');
  });

  test('cuts an unknown key at 64 characters: the key is the caller’s, the message is ours', () => {
    const key = 'k'.repeat(10_000);
    expect(message({ [key]: 1 })).toBe(`fn: ${'k'.repeat(64)}…: unknown option`);
    expect(message({ ['k'.repeat(64)]: 1 })).toBe(`fn: ${'k'.repeat(64)}: unknown option`);
  });

  test('masks a token pasted as an option key (KeycardError redacts its message; a guard)', () => {
    const token = 'acme_sk_1NMrm0qSp3wxTAxLEDNAD5W1Ab2KoWbM205gNtZ';
    const m = message({ [token]: 1, nested: { [`x${token}`]: 2 } });
    expect(m).not.toContain(token.slice(8));
    expect(m).toMatch(/^fn: nested\.\S*\[redacted\]: unknown option; \[redacted\]: unknown option$/);
  });
});
