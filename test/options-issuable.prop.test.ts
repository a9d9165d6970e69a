/**
 * For every configuration `createKeycard` accepts, a token it issues authenticates (from the
 * header, and from the query when `allowQueryToken` is on): a combination of options under which
 * every token would be refused (a 65-character token under `maxCredentialBytes: 64`) is an
 * `invalid_config` at start naming its fields, not a 400 on every request. The property failed
 * before (counterexample: prefix of 16, type of 8, `maxCredentialBytes: 64`: every request 400).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, isKeycardError, type KeycardOptions } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';

const scopes = defineScopes({ read: {} });
const MAX_LIFETIME_MS = 9_999_999_999_000; // defaultExpiresIn's cap (src/core/options.ts)

/** `[a-z][a-z0-9]{min-1,max-1}`, its shortest and longest forms as likely as all the others together. */
const word = (min: number, max: number) =>
  fc
    .tuple(
      fc.constantFrom(...'abcxyz'),
      fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max })),
      fc.constantFrom(...'a0z9'),
    )
    .map(([first, length, fill]) => first + fill.repeat(length - 1));

const config = fc.record(
  {
    prefix: word(2, 16),
    type: word(1, 8),
    maxCredentialBytes: fc.oneof(
      fc.constantFrom(64, 65),
      fc.integer({ min: 64, max: 72 }),
      fc.integer({ min: 64, max: 65_536 }),
    ),
    allowQueryToken: fc.boolean(),
    onForeignToken: fc.constantFrom('reject' as const, 'next' as const),
    defaultExpiresIn: fc.oneof(
      fc.constantFrom('never' as const, '30d' as const, '90d' as const, '365d' as const),
      fc.integer({ min: 1, max: MAX_LIFETIME_MS }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    ),
    cacheSize: fc.constantFrom(0, 1, 10_000),
    peppers: fc.constantFrom([], [{ version: 1, secret: 'p'.repeat(32) }]),
  },
  { requiredKeys: ['prefix'] },
);

type Options = KeycardOptions<'read'>;

async function authenticates(options: Options): Promise<void> {
  const keycard = createKeycard(options);
  const { token } = await keycard.issue({ ownerId: 'u1', label: 'l', scopes: ['read'] });
  const header = await keycard.authenticate({
    method: 'GET',
    url: 'https://api.example.com/x',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(header.ok, JSON.stringify(header)).toBe(true);
  if (options.allowQueryToken) {
    const query = await keycard.authenticate({
      method: 'GET',
      url: `https://api.example.com/x?access_token=${token}`,
      headers: {},
    });
    expect(query.ok, JSON.stringify(query)).toBe(true);
  }
  await keycard.close();
}

describe('createKeycard refuses a configuration under which no token it issues authenticates', () => {
  test.prop([config], { numRuns: 1_000 })(
    'every accepted configuration issues tokens that authenticate',
    async (cfg) => {
      const options = { ...cfg, scopes, clock: fakeClock() } as Options;
      const length = cfg.prefix.length + (cfg.type ?? 'sk').length + 41;
      // A default lifetime past 9,999,999,999 s (year 9999 from any start) is refused at start.
      if (typeof cfg.defaultExpiresIn === 'number' && cfg.defaultExpiresIn > MAX_LIFETIME_MS) {
        expect(() => createKeycard(options)).toThrow(
          expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('defaultExpiresIn') }),
        );
        return;
      }
      if (cfg.maxCredentialBytes !== undefined && length > cfg.maxCredentialBytes) {
        expect(() => createKeycard(options)).toThrow(
          expect.objectContaining({
            code: 'invalid_config',
            message: expect.stringContaining(`maxCredentialBytes: must be at least ${length}`),
          }),
        );
        return;
      }
      await authenticates(options);
    },
  );

  const longest = { prefix: 'a'.repeat(16), type: 'b'.repeat(8), scopes };

  it('names maxCredentialBytes, with the other bad fields, once prefix, type and it are valid on their own', () => {
    const messageOf = (options: Options) => {
      try {
        createKeycard(options);
      } catch (error) {
        expect(isKeycardError(error) && error.code).toBe('invalid_config');
        return (error as Error).message;
      }
      return null;
    };
    expect(messageOf({ ...longest, maxCredentialBytes: 64 })).toBe(
      "createKeycard: maxCredentialBytes: must be at least 65, the length of this prefix's and type's tokens",
    );
    // A combination is checked once its parts are valid, and named with the other bad fields
    // (test/options-every-bad-field.prop.test.ts); a bad part is named instead.
    expect(messageOf({ ...longest, maxCredentialBytes: 64, storeTimeoutMs: 0 })).toBe(
      'createKeycard: storeTimeoutMs: Too small: expected number to be >=1; ' +
        "maxCredentialBytes: must be at least 65, the length of this prefix's and type's tokens",
    );
    expect(messageOf({ ...longest, type: 'B', maxCredentialBytes: 64 })).toBe(
      'createKeycard: type: must match [a-z][a-z0-9]{0,7}',
    );
  });

  it('accepts the longest prefix and type at the bound their tokens need', async () => {
    await authenticates({ ...longest, maxCredentialBytes: 65 });
    await authenticates({ ...longest, type: 'b'.repeat(7), maxCredentialBytes: 64 });
  });
});
