/**
 * Session 46's misuse walk of the exported functions that are not factories (session 45 did
 * those: test/factory-misuse.test.ts): every building block of every entry in package.json
 * "exports", called with an argument left out, `null`, a number, a string where an object goes or
 * an object where a string goes, answers with a KeycardError naming every wrong argument
 * (`<fn>: <name> must be <what>, got <kind>; …`, `error.fields` their names), never a TypeError
 * from inside it, nor a wrong answer (`scannerPattern()` made a pattern for the prefix
 * "undefined", `redact(5)` returned 5, `describeActor({})` said "undefined (undefined)").
 */
import { describe, expect, it } from 'vitest';
import * as adapterKit from '../src/adapter-kit.ts';
import { mayOpenBrowser, writeCredentials } from '../src/cli/index.ts';
import { boundByOwner, describeActor, isKeycardError, parseToken, redact } from '../src/index.ts';
import { scannerPattern, validateToken } from '../src/index.ts';
import * as storeKit from '../src/store-kit.ts';
import * as testing from '../src/testing/index.ts';

const TOKEN = storeKit.generateToken({ prefix: 'acme' });
const FORMAT = { prefix: 'acme' };
const SET = new Set(['read']);

/** The KeycardError `call` throws or rejects with, or a failure saying what it did instead. */
async function refusal(call: () => unknown): Promise<{ code: string; message: string; fields?: readonly string[] }> {
  let outcome: unknown;
  try {
    outcome = await call();
  } catch (e) {
    if (isKeycardError(e)) return { code: e.code, message: e.message, fields: e.fields };
    throw new Error(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}, not a KeycardError`);
  }
  throw new Error(`returned ${JSON.stringify(outcome) ?? typeof outcome} instead of refusing`);
}

/** [function, how it is called (for the test name), the call, the wrong arguments it names]. */
type Row = [fn: string, args: string, call: () => unknown, fields: string[]];
const any = (f: (...a: never[]) => unknown) => f as (...a: unknown[]) => unknown;

const rows: Row[] = [];
const add = (fn: string, f: (...a: never[]) => unknown, cases: [string, unknown[], string[]][]) => {
  for (const [args, given, fields] of cases) rows.push([fn, args, () => any(f)(...given), fields]);
};
const formats: [string, unknown, string][] = [
  ['nothing', undefined, 'tokenFormat'],
  ['null', null, 'tokenFormat'],
  ["the prefix 'acme' alone", 'acme', 'tokenFormat'],
  ['a number', 5, 'tokenFormat'],
  ['{ prefix: 5 }', { prefix: 5 }, 'tokenFormat'],
  ["{ prefix: 'acme', type: 5 }", { prefix: 'acme', type: 5 }, 'tokenFormat'],
];
for (const [fn, f] of [
  ['validateToken', validateToken],
  ['parseToken', parseToken],
] as const)
  add(
    fn,
    f,
    formats.map(([kind, format, field]) => [`(token, ${kind})`, [TOKEN, format], [field]]),
  );
add('scannerPattern', scannerPattern, [
  ['()', [], ['prefix']],
  ['(null)', [null], ['prefix']],
  ['(5)', [5], ['prefix']],
  ['({ prefix })', [FORMAT], ['prefix']],
  ["('Acme')", ['Acme'], ['prefix']],
  ["('acme', 5)", ['acme', 5], ['type']],
  ["('acme', 'S K')", ['acme', 'S K'], ['type']],
]);
add('redact', redact, [
  ['()', [], ['text']],
  ['(null)', [null], ['text']],
  ['(5)', [5], ['text']],
  ['({})', [{}], ['text']],
]);
add('describeActor', describeActor, [
  ['()', [], ['subject']],
  ['(null)', [null], ['subject']],
  ["('usr_1')", ['usr_1'], ['subject']],
  ['({})', [{}], ['subject']],
]);
add('boundByOwner', boundByOwner, [
  ['()', [], ['token', 'owner']],
  ['(set, undefined)', [SET, undefined], ['owner']],
  ["('read', set)", ['read', SET], ['token']],
  ["(['read'], ['read'])", [['read'], ['read']], ['token', 'owner']],
]);

// keycard/store-kit
const record = storeKit.toRecord(testing.storedTokenFixture());
add('toRecord', storeKit.toRecord, [
  ['()', [], ['token']],
  ["('x')", ['x'], ['token']],
]);
add('countedByRevokeAll', storeKit.countedByRevokeAll, [
  ['()', [], ['token', 'at']],
  ["(record, '5')", [record, '5'], ['at']],
]);
add('coveredByRevokeAll', storeKit.coveredByRevokeAll, [
  ['()', [], ['filter', 'token']],
  ["({ ownerId }, 'x')", [{ ownerId: 'u' }, 'x'], ['token']],
]);
add('watermarkKey', storeKit.watermarkKey, [
  ['()', [], ['token']],
  ['(5)', [5], ['token']],
  ['({}) (it was "w:undefined")', [{}], ['token']],
  ["({ kind: 'personal' }) (no ownerId)", [{ kind: 'personal' }], ['token']],
]);
add('classOf', storeKit.classOf, [
  ['()', [], ['method']],
  ['({})', [{}], ['method']],
]);
add('chargeFor', storeKit.chargeFor, [
  ['()', [], ['config', 'id', 'cls']],
  ["(5, 'tok', 'read')", [5, 'tok', 'read'], ['config']],
  ["(config, 'tok', 'delete')", [storeKit.parseRateLimit({ limit: 10, window: 60 }), 'tok', 'delete'], ['cls']],
]);
add('crc32', storeKit.crc32, [
  ['()', [], ['text']],
  ['(5)', [5], ['text']],
  ["('abc', 'x')", ['abc', 'x'], ['end']],
]);
add('createHasher', storeKit.createHasher, [
  ['(null)', [null], ['peppers']],
  ["('secret')", ['secret'], ['peppers']],
  ['({})', [{}], ['peppers']],
]);
add('constantTimeEqual', storeKit.constantTimeEqual, [
  ['()', [], ['a', 'b']],
  ["('a', 5)", ['a', 5], ['b']],
]);
add('generateToken', storeKit.generateToken, [
  ['()', [], ['tokenFormat']],
  ["('acme')", ['acme'], ['tokenFormat']],
  ["({ prefix: 'A' })", [{ prefix: 'A' }], ['tokenFormat.prefix']],
]);
add('formatToken', storeKit.formatToken, [
  ['()', [], ['tokenFormat', 'body']],
  ['(format, 5)', [FORMAT, 5], ['body']],
  ["(format, 'short')", [FORMAT, 'short'], ['body']],
  ["(format, body, 'xx')", [FORMAT, '0'.repeat(32), 'xx'], ['version']],
]);

// keycard/adapter-kit
add('problem', adapterKit.problem, [
  ['()', [], ['detail']],
  ["('invalid_token')", ['invalid_token'], ['detail']],
]);
add('rateLimitHeaders', adapterKit.rateLimitHeaders, [
  ['()', [], ['policy', 'decision']],
  ['(policy, 5)', [{ name: 'read', limit: 1, windowSeconds: 1 }, 5], ['decision']],
]);
add('describeMissing', adapterKit.describeMissing, [
  ['()', [], ['missing']],
  ["('read')", ['read'], ['missing']],
]);
add('describeDenial', adapterKit.describeDenial, [
  ['()', [], ['check']],
  ['({})', [{}], ['check']],
]);
add('configError', adapterKit.configError, [
  ['()', [], ['where', 'error']],
  ["('myAdapter', new Error())", ['myAdapter', new Error('x')], ['error']],
]);
add('linkRequest', adapterKit.linkRequest, [
  ['()', [], ['request', 'from']],
  ['(request, 5)', [new Request('https://a.example/'), 5], ['from']],
]);
add('nodeRequestUrl', adapterKit.nodeRequestUrl, [
  ['()', [], ['protocol', 'target']],
  ["('http', 'a.example', 5)", ['http', 'a.example', 5], ['target']],
  ["('http', 5, '/')", ['http', 5, '/'], ['host']],
]);
add('auditPath', adapterKit.auditPath, [
  ['()', [], ['path']],
  ['({})', [{}], ['path']],
]);

// keycard/testing, keycard/cli, keycard/ui
for (const [fn, f] of [
  ['tokenStoreConformance', testing.tokenStoreConformance],
  ['auditStoreConformance', testing.auditStoreConformance],
  ['limiterConformance', testing.limiterConformance],
  ['pendingGrantStoreConformance', testing.pendingGrantStoreConformance],
] as const)
  add(fn, f, [
    ['()', [], ['name', 't', 'factory']],
    ["('memory', undefined, factory)", ['memory', undefined, () => null], ['t']],
  ]);
add('maxInAnyWindow', testing.maxInAnyWindow, [['()', [], ['times', 'windowMs']]]);
add('parseCsv', testing.parseCsv, [['()', [], ['text']]]);
add('randomHex', testing.randomHex, [
  ['()', [], ['bytes']],
  ["('8')", ['8'], ['bytes']],
]);
add('storedTokenFixture', testing.storedTokenFixture, [
  ['(null)', [null], ['overrides']],
  ["('x')", ['x'], ['overrides']],
]);
add('pendingGrantFixture', testing.pendingGrantFixture, [["('x')", ['x'], ['over']]]);
add('fakeClock', testing.fakeClock, [["('2026-01-01')", ['2026-01-01'], ['start']]]);
add('seededRandom', testing.seededRandom, [["('x')", ['x'], ['seed']]]);
add('mayOpenBrowser', mayOpenBrowser, [['(null)', [null], ['env']]]);
add('writeCredentials', writeCredentials, [["('acme')", ['acme'], ['values']]]);

describe('every exported building block refuses wrong arguments with a KeycardError naming each', () => {
  it.each(rows)('%s%s', async (fn, _args, call, fields) => {
    const e = await refusal(call);
    expect(e.code).toBe('invalid_argument');
    expect(e.message.startsWith(`${fn}: `)).toBe(true);
    expect(e.fields).toEqual(fields);
    for (const field of fields) expect(e.message).toContain(`${field} must be `);
    expect(e.message).not.toMatch(/Cannot read|is not a function|is not iterable|undefined_sk/);
  });
});

describe('what stays an answer, not an error', () => {
  it('validateToken and parseToken never throw on the token: anything but one is false / undefined', () => {
    for (const input of [undefined, null, 5, {}, '', TOKEN.slice(1)]) {
      expect(validateToken(input as never, FORMAT)).toBe(false);
      expect(parseToken(input as never, FORMAT)).toBeUndefined();
    }
    expect(validateToken(TOKEN, FORMAT)).toBe(true);
    expect(validateToken(TOKEN, { prefix: 'acme', type: 'sk' })).toBe(true);
  });
  it('the adapter-kit readers of request input answer null or a fresh id for anything', () => {
    for (const v of [undefined, null, 5, {}]) {
      expect(adapterKit.parseUrl(v as never)).toBeNull();
      expect(adapterKit.requestIdFrom(v as never)).toMatch(/^[\w-]+$/);
    }
  });
});
