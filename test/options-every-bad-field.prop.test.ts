/**
 * `createKeycard` names every bad option in one `KeycardError('invalid_config')`, whatever mix is
 * bad (HOUSE: bad input names every bad field). Before, the checks `createKeycard` made after its
 * options schema each threw alone, and only once every other field was valid: `maxCredentialBytes`
 * too small for the prefix's own tokens, the contents of `rateLimit`, `resources` and `peppers`,
 * `realm` and `problemTypeBase` (named `typeBase`), `audit` sinks and `clock` (named `AuditTrail:
 * sinks.0` and `memoryLimiter: clock`), and an `auditQueueSize` the audit trail refused
 * (`AuditTrail: queueSize`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes } from '../src/index.ts';
import { expectConfigError } from './config-errors.ts';

const scopes = defineScopes({ read: {} });
/** Valid on their own: a 16-character prefix and an 8-character type make 65-character tokens. */
const base = { prefix: 'a'.repeat(16), type: 'b'.repeat(8), scopes, onWarning: () => {} };
const sink = { write: () => {} };

/** Values each option refuses alone (the schema's own, and the later checks'). */
const BAD: Record<string, readonly unknown[]> = {
  prefix: ['A', 1],
  type: ['X!'],
  scopes: [{}],
  store: [1, {}, { create: () => {} }],
  limiter: [null, {}],
  rateLimit: [1, { limit: -1, window: 60 }, { read: { limit: 1, window: 1 } }],
  workspaceRateLimit: [1],
  resources: [[], ['a', 'a'], ['a b']],
  peppers: [1, [{ version: 1, secret: 'short' }], [{}]],
  resolveOwner: ['x'],
  ownerCacheMs: [-1],
  revocationBoundMs: [1.5],
  cacheSize: [-1],
  negativeCacheSize: ['1'],
  touchIntervalMs: [Number.NaN],
  storeTimeoutMs: [0],
  defaultExpiresIn: ['1d'],
  audit: [1, {}, [sink, {}]],
  auditQueueSize: [0, 2_000_000],
  auditTimeoutMs: [0],
  onError: [1],
  onWarning: [1],
  clock: [1, {}, { now: () => 0 }],
  realm: [1, '', 'a"b'],
  problemTypeBase: [1, 'not a url', '/errors/'],
  // 64: under the 65 characters of the base's tokens, so bad only while prefix and type are valid.
  maxCredentialBytes: [63, 'x', 64],
  allowQueryToken: ['yes'],
  onForeignToken: ['x'],
  passPreflight: [1],
  limiterFailure: ['x'],
  onAuthFailure: [1],
  oauth: [{}],
  resourceMetadataUrl: ['x'],
  settingsUrl: ['x'],
};

const refused = (options: Record<string, unknown>, invalid: string[], unknown: string[] = []) =>
  expectConfigError(() => createKeycard({ ...base, ...options } as never), {
    where: 'createKeycard',
    invalid,
    unknown,
  });

describe('createKeycard names every bad option at once', () => {
  it.each(Object.entries(BAD).flatMap(([field, values]) => values.map((v) => [field, v] as const)))(
    '%s: %j is refused alone, named',
    async (field, value) => {
      await refused({ [field]: value }, [field]);
    },
  );

  it('maxCredentialBytes too small for the prefix, with other bad options: each named', async () => {
    const message = await refused(
      { maxCredentialBytes: 64, storeTimeoutMs: 0, rateLimit: { limit: 0, window: 60 }, realm: 'a"b' },
      ['maxCredentialBytes', 'storeTimeoutMs', 'rateLimit', 'realm'],
    );
    expect(message).toBe(
      'createKeycard: rateLimit: rateLimit.limit must be an integer >= 1 and <= 2147483647; ' +
        'storeTimeoutMs: Too small: expected number to be >=1; ' +
        'realm: only printable ASCII without `"` or `\\` is allowed; ' +
        "maxCredentialBytes: must be at least 65, the length of this prefix's and type's tokens",
    );
  });

  it('law: for any set of bad options (and an unknown one), the message names each, and only those', async () => {
    const fields = Object.keys(BAD);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.constantFrom(...fields), { minLength: 1, maxLength: fields.length }),
        fc.array(fc.nat(), { minLength: fields.length, maxLength: fields.length }),
        fc.boolean(),
        async (chosen, picks, misspelt) => {
          const options = Object.fromEntries(chosen.map((f, i) => [f, BAD[f]![picks[i]! % BAD[f]!.length]]));
          // 64 is a bound only the base's own prefix and type overrun.
          const fits = options.maxCredentialBytes === 64 && ('prefix' in options || 'type' in options);
          const invalid = chosen.filter((f) => !(f === 'maxCredentialBytes' && fits));
          if (misspelt) options.revocationBoundMS = 1000;
          await refused(options, invalid, misspelt ? ['revocationBoundMS'] : []);
        },
      ),
      { numRuns: 300 },
    );
  });
});
