/**
 * deviceLogin's options are checked once, before any request, against what their types say: a
 * wrong-typed value is one `KeycardError('invalid_config')` naming every bad field, and nothing
 * is sent, printed or opened.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { deviceLogin, type DeviceLoginOptions } from './login.ts';

const MAX_TIMER_MS = 2_147_483_647;

/** Valid options whose one request fails at once, recording that it was made. */
function base(sent: string[]): DeviceLoginOptions {
  return {
    url: 'https://app.example/api/tokens',
    clientId: 'toado-cli',
    output: (line) => void sent.push(`output ${line}`),
    fetch: async (input) => {
      sent.push(`fetch ${String(input)}`);
      throw new TypeError('fetch failed');
    },
    sleep: async () => {},
  };
}

/** The outcome of a login with `bad` laid over valid options, and what it did. */
async function attempt(bad: Record<string, unknown>): Promise<{ outcome: unknown; sent: string[] }> {
  const sent: string[] = [];
  const outcome = await deviceLogin({ ...base(sent), ...bad } as DeviceLoginOptions).catch((e: unknown) => e);
  return { outcome, sent };
}

/** True when `message` has a clause for `field` (`field: …` or `field.path: …`). */
const names = (message: string, field: string) =>
  new RegExp(`(?:^deviceLogin: |; )${field.replace('.', '\\.')}[.:]`).test(message);

const BAD: [keyof DeviceLoginOptions, unknown][] = [
  ['url', 42],
  ['clientId', ''],
  ['clientId', 7],
  ['scopes', 'read'],
  ['scopes', [1]],
  ['scopes', ['read', null]],
  ['scopes', ['read write']],
  ['scopes', ['']],
  ['scopes', { 0: 'read' }],
  ['restrictions', []],
  ['restrictions', 'company=c1'],
  ['restrictions', { company: 'c1' }],
  ['restrictions', { company: [1] }],
  ['restrictions', null],
  ['tokenLifetime', '7d'],
  ['tokenLifetime', '90'],
  ['tokenLifetime', 0],
  ['tokenLifetime', -1],
  ['tokenLifetime', 1.5],
  ['tokenLifetime', Number.NaN],
  ['tokenLifetime', Number.POSITIVE_INFINITY],
  ['tokenLifetime', 1e10],
  ['host', 5],
  ['host', null],
  ['output', 'stderr'],
  ['output', 1],
  ['openBrowser', 'yes'],
  ['openBrowser', 1],
  ['openBrowser', 'false'],
  ['openBrowser', {}],
  ['signal', { aborted: false }],
  ['signal', new AbortController()],
  ['signal', 'x'],
  ['timeoutMs', 0],
  ['fetch', 'yes'],
  ['fetch', {}],
  ['sleep', 1000],
  ['env', 'CI'],
  ['env', { CI: 1 }],
  ['env', []],
];

/** A value as a test name shows it (NaN and an AbortController are not JSON). */
const show = (v: unknown) =>
  typeof v === 'number' ? String(v) : v instanceof AbortController ? 'an AbortController' : JSON.stringify(v);

describe('deviceLogin: every option is checked against its type', () => {
  for (const [field, value] of BAD)
    it(`${field} ${show(value)}: invalid_config naming ${field}, nothing sent`, async () => {
      const { outcome, sent } = await attempt({ [field]: value });
      expect(outcome).toMatchObject({ name: 'KeycardError', code: 'invalid_config' });
      expect(names((outcome as Error).message, field), (outcome as Error).message).toBe(true);
      expect(sent).toEqual([]);
    });

  it('one invalid_config names every bad field at once, and an unknown one', async () => {
    const bad = Object.fromEntries(BAD);
    const { outcome, sent } = await attempt({ ...bad, revocationBoundMS: 1 });
    expect(outcome).toMatchObject({ name: 'KeycardError', code: 'invalid_config' });
    const message = (outcome as Error).message;
    for (const field of [...new Set(BAD.map(([f]) => f)), 'revocationBoundMS'])
      expect(names(message, field), `${field} in ${message}`).toBe(true);
    expect(sent).toEqual([]);
  });

  it('options that are not an object: invalid_config', async () => {
    for (const options of [undefined, null, 'https://app.example', 42])
      await expect(deviceLogin(options as never)).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('good values of every type pass (the login then fails on the network, not the options)', async () => {
    const good: Record<string, unknown>[] = [
      { scopes: [], restrictions: {}, tokenLifetime: 'never', host: '', env: {} },
      { scopes: ['read', 'comments:write'], restrictions: { company: ['c1', 'c2'], project: [] } },
      { tokenLifetime: 1 },
      { tokenLifetime: 9_999_999_999, timeoutMs: MAX_TIMER_MS },
      { openBrowser: true, env: { CI: 'true' } },
      { openBrowser: false, signal: new AbortController().signal },
      { openBrowser: () => {}, env: process.env },
      { env: { CI: undefined }, restrictions: Object.assign(Object.create(null) as object, { a: ['b'] }) },
      // Explicit undefined is the default, as before.
      Object.fromEntries(
        ['scopes', 'restrictions', 'tokenLifetime', 'host', 'openBrowser', 'signal', 'timeoutMs', 'env'].map((k) => [
          k,
          undefined,
        ]),
      ),
    ];
    for (const options of good) {
      const { outcome, sent } = await attempt(options);
      expect(outcome, Object.keys(options).join()).toMatchObject({ code: 'unavailable' });
      expect(sent).toEqual(['fetch https://app.example/api/tokens/device/code']);
    }
  });
});

const isFunction = (v: unknown) => typeof v === 'function';
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScope = (v: unknown) => typeof v === 'string' && /^\S+$/.test(v);

/** What each optional field's type admits (DeviceLoginOptions), scopes being space-free names. */
const ADMITS: Record<string, (v: unknown) => boolean> = {
  scopes: (v) => Array.isArray(v) && v.every(isScope),
  restrictions: (v) =>
    isRecord(v) && Object.values(v).every((ids) => Array.isArray(ids) && ids.every((id) => typeof id === 'string')),
  tokenLifetime: (v) =>
    ['never', '30d', '90d', '365d'].includes(v as string) ||
    (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 9_999_999_999),
  host: (v) => typeof v === 'string',
  output: isFunction,
  openBrowser: (v) => typeof v === 'boolean' || isFunction(v),
  signal: (v) => v instanceof AbortSignal,
  timeoutMs: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_TIMER_MS,
  fetch: isFunction,
  sleep: isFunction,
  env: (v) => isRecord(v) && Object.values(v).every((s) => s === undefined || typeof s === 'string'),
};

/** A random set of optional fields, each holding a value its type refuses (undefined is the default). */
const wrongTyped = fc
  .subarray(Object.keys(ADMITS), { minLength: 1 })
  .chain((fields) =>
    fc.record(
      Object.fromEntries(
        fields.map((f) => [f, fc.anything().filter((v) => v !== undefined && !ADMITS[f]!(v))]),
      ) as Record<string, fc.Arbitrary<unknown>>,
    ),
  );

describe('deviceLogin: wrong-typed options, at random', () => {
  test.prop([wrongTyped])('one invalid_config names every wrong field; nothing is sent', async (bad) => {
    const { outcome, sent } = await attempt(bad);
    expect(outcome).toMatchObject({ name: 'KeycardError', code: 'invalid_config' });
    for (const field of Object.keys(bad))
      expect(names((outcome as Error).message, field), (outcome as Error).message).toBe(true);
    expect(sent).toEqual([]);
  });
});
