/**
 * A JSON body naming one member twice (`{"scopes":["read"],"scopes":["admin"]}`). `JSON.parse`
 * keeps the last and drops the first without a word, so whoever reads the body another way (a
 * proxy or WAF that keeps the first, a log, a person) sees another request than the one served
 * (RFC 8259 §4: names SHOULD be unique; RFC 7493 §2.3: I-JSON MUST NOT repeat them). The
 * handler refuses it as it refuses a query parameter given twice: 400 naming every repeated
 * member at its dotted path, nothing written; on Express, Hono and Next the same bytes.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BASE, ORIGIN, setup } from './fixture.ts';
import * as nextRoute from './next-app/api/tokens/[...path]/route.ts';
import { app } from './next-app/manage.ts';
import { servedDuringSuite } from './servers.ts';

const JSON_HEADERS = { 'content-type': 'application/json' };
type Entry = readonly [string, unknown];

/** `key` as a JSON string, every UTF-16 unit escaped when `escaped` (`"\u0061"` names `a`). */
const keyText = (key: string, escaped: boolean) =>
  escaped
    ? `"${key
        .split('')
        .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .join('')}"`
    : JSON.stringify(key);

/** An object written member by member, so a name may come twice. */
const objectText = (entries: readonly Entry[], escapedAt = -1) =>
  `{${entries.map(([k, v], i) => `${keyText(k, i === escapedAt)}:${JSON.stringify(v)}`).join(',')}}`;

const noReserved = (v: unknown) => !JSON.stringify(v).includes('"__proto__"');
const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__proto__');
const value = fc.jsonValue({ maxDepth: 2 }).filter(noReserved);

/** Every token of alice, all statuses: what a refused request must leave unchanged. */
const aliceTokens = async (s: ReturnType<typeof setup>) =>
  (await s.keycard.list({ ownerId: 'alice', status: 'all', limit: 500 })).records.map((r) => [r.id, r.label]);

describe('a member named twice is a 400 naming it, and nothing is written', () => {
  test('POST /tokens, a metadata member named twice (any names, any values, escaped or not)', async () => {
    const s = setup();
    const before = await aliceTokens(s);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(key, value), { minLength: 1, maxLength: 5, selector: ([k]) => k }),
        fc.nat(),
        value,
        fc.nat(),
        fc.boolean(),
        async (entries, pick, again, at, escaped) => {
          const [name] = entries[pick % entries.length]!;
          const twice: Entry[] = [...entries];
          const where = at % (twice.length + 1);
          twice.splice(where, 0, [name, again]);
          const raw = `{"label":"ci","scopes":["read"],"metadata":${objectText(twice, escaped ? where : -1)}}`;
          const res = await s.call('POST', '/tokens', { raw, headers: JSON_HEADERS });
          const body = (await res.json()) as { code: string; errors: unknown[] };
          expect(res.status, raw).toBe(400);
          expect(body.code).toBe('invalid_request');
          expect(body.errors).toEqual([{ field: `metadata.${name}`, message: 'is given more than once' }]);
          expect(await aliceTokens(s)).toEqual(before);
        },
      ),
      { numRuns: 150 },
    );
    expect(s.logs).toEqual([]);
  });

  test.each([
    ['POST', '/tokens', '{"label":"ci","scopes":["read"],"scopes":["tickets:write"]}', ['scopes']],
    ['POST', '/tokens', '{"label":"a","label":"b","scopes":["read"],"\\u006cabel":"c"}', ['label']],
    ['POST', '/tokens', '{"label":"ci","restrictions":{"company":["c1"],"company":[]}}', ['restrictions.company']],
    [
      'POST',
      '/tokens',
      '{"label":"ci","metadata":{"a":[{"x":1,"x":2}],"b":{"y":{"z":0,"z":0}}},"label":"d"}',
      ['metadata.a.0.x', 'metadata.b.y.z', 'label'],
    ],
    ['PATCH', '/tokens/:id', '{"label":"kept","label":"other"}', ['label']],
    ['PATCH', '/tokens/:id', '{"expiresAt":"2026-06-01T00:00:00Z","expiresAt":1}', ['expiresAt']],
    ['POST', '/tokens/:id/revoke', '{"reason":"a","reason":"b"}', ['reason']],
    ['POST', '/tokens/:id/rotate', '{"graceMs":0,"graceMs":2592000000}', ['graceMs']],
    [
      'POST',
      '/tokens/revoke-all',
      '{"target":{"ownerId":"bob","ownerId":"alice"},"reason":"x","expectCount":1}',
      ['target.ownerId'],
    ],
  ])('%s %s %s → 400 naming %j', async (method, path, raw, fields) => {
    const s = setup();
    const { record } = await s.create();
    const stored = JSON.stringify(await s.store.get(record.id));
    const before = await aliceTokens(s);
    const res = await s.call(method, path.replace(':id', record.id), { raw, headers: JSON_HEADERS });
    const body = (await res.json()) as { code: string; errors: unknown[] };
    expect(res.status).toBe(400);
    expect(body.code).toBe('invalid_request');
    expect(body.errors).toEqual(fields.map((field) => ({ field, message: 'is given more than once' })));
    expect(await aliceTokens(s)).toEqual(before);
    expect(JSON.stringify(await s.store.get(record.id))).toBe(stored);
    expect(s.logs).toEqual([]);
  });

  test('the same name in different objects, or names that differ in case, are not repeats', async () => {
    const s = setup();
    const raw =
      '{"label":"ci","scopes":["read"],"metadata":{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}],"X":0,"x":0,"s":"\\"x\\":1,\\"x\\""}}';
    const res = await s.call('POST', '/tokens', { raw, headers: JSON_HEADERS });
    expect(res.status, await res.clone().text()).toBe(201);
  });
});

test('a dropped first member is held to the nesting bound too: no answer bigger than the body', async () => {
  // JSON.parse drops the first `x`, so the depth check of the parsed value never saw it; the repeat
  // scan walked it and named each of its ~580 repeats at a path 8,000 characters long (16 KB in,
  // 4.8 MB out; 64 KB in, 72 MB out after 67 s).
  const s = setup();
  const depth = 4_000;
  const names = Array.from({ length: 500 }, (_, i) => `"${i}":0,"${i}":0`).join(',');
  const raw = `{"label":"ci","scopes":["read"],"metadata":{"x":${'['.repeat(depth)}{${names}}${']'.repeat(depth)},"x":1}}`;
  const res = await s.call('POST', '/tokens', { raw, headers: JSON_HEADERS });
  const text = await res.text();
  expect(res.status).toBe(400);
  expect(text.length).toBeLessThan(raw.length);
  expect(JSON.parse(text).errors).toEqual([{ field: 'body', message: 'nests deeper than 64 levels' }]);
});

test('repeats under a long name: the names listed stop before they outgrow the body', async () => {
  // Each of 500 repeats named at `metadata.x.<7,000 characters>.<n>`: 14.8 KB in, 3.5 MB out.
  const s = setup();
  const names = Array.from({ length: 500 }, (_, i) => `"${i}":0,"${i}":0`).join(',');
  const raw = `{"label":"ci","scopes":["read"],"metadata":{"x":{"${'a'.repeat(7_000)}":{${names}}},"x":1}}`;
  const res = await s.call('POST', '/tokens', { raw, headers: JSON_HEADERS });
  const text = await res.text();
  expect(res.status).toBe(400);
  expect(text.length).toBeLessThan(2 * raw.length);
  expect(JSON.parse(text).errors[0]).toEqual({
    field: `metadata.x.${'a'.repeat(7_000)}.0`,
    message: 'is given more than once',
  });
});

test('__proto__ keys under a long name: the names listed stop before they outgrow the body too', async () => {
  // 500 `__proto__` keys named at `metadata.<7,000 characters>.<n>.__proto__`: 15 KB in, 3.5 MB out.
  const s = setup();
  const items = Array.from({ length: 500 }, () => '{"__proto__":0}').join(',');
  const raw = `{"label":"ci","scopes":["read"],"metadata":{"${'a'.repeat(7_000)}":[${items}]}}`;
  const res = await s.call('POST', '/tokens', { raw, headers: JSON_HEADERS });
  const text = await res.text();
  expect(res.status).toBe(400);
  expect(text.length).toBeLessThan(2 * raw.length);
  expect(JSON.parse(text).errors[0]).toEqual({
    field: `metadata.${'a'.repeat(7_000)}.0.__proto__`,
    message: 'is a reserved name and not accepted',
  });
});

describe('on real Express and Hono servers and the Next route module: the same 400 bytes', () => {
  const served = servedDuringSuite(app.handler);

  test('POST /tokens with scopes twice', async () => {
    const before = await aliceTokens(app);
    const body = '{"label":"ci","scopes":["read"],"scopes":["tickets:write"]}';
    const init = (origin: string) => ({
      method: 'POST',
      headers: { ...JSON_HEADERS, cookie: 'sid=alice', origin },
      body,
    });
    const answers = [
      ...(await Promise.all(served.origins.map((o) => fetch(`${o}${BASE}/tokens`, init(o))))),
      await nextRoute.POST(new Request(`${ORIGIN}${BASE}/tokens`, init(ORIGIN))),
    ];
    const seen = await Promise.all(
      answers.map(async (r) => [
        r.status,
        r.headers.get('content-type'),
        r.headers.get('cache-control'),
        await r.text(),
      ]),
    );
    for (const s of seen)
      expect(s).toEqual([
        400,
        'application/problem+json',
        'no-store',
        '{"type":"about:blank","title":"Bad Request","status":400,"detail":"Invalid field: scopes","code":"invalid_request","errors":[{"field":"scopes","message":"is given more than once"}]}',
      ]);
    expect(await aliceTokens(app)).toEqual(before);
  });
});
