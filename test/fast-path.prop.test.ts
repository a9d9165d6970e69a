/**
 * The pipeline's one-pass read of `Authorization: Bearer <ours>` (core/first-pass.ts) is only a
 * shortcut: it must answer exactly as the full RFC 6750 reader (core/credentials.ts) would, for
 * every scheme spelling and spacing, and it must keep `maxCredentialBytes` (SPEC §8).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { readCredential } from '../src/core/credentials.ts';
import { createKeycard } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';

const req = (authorization: string) => ({
  method: 'GET',
  url: 'https://api.example.com/tickets',
  headers: { authorization },
});

describe('the one-pass read agrees with the full credential reader', async () => {
  // The law is about reading, not budgets: under the default 60 per minute, a seed that draws
  // more than 60 Bearer spellings (or a shrink replaying one) read `rate_limited` (props54: 5 × the
  // runs failed at run 450, seed 808544335).
  const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), rateLimit: { limit: 1_000_000, window: 60 } });
  const { token } = await kc.issue({ ownerId: 'u', label: 'x', scopes: ['read'] });
  const scheme = fc.oneof(
    fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Token', 'Bearer:', 'Bearerx', 'Bear', 'DPoP', 'Token:'),
    fc.stringMatching(/^[A-Za-z!#$%&'*+.^_`|~-]{1,8}$/),
  );
  test.prop([scheme, fc.integer({ min: 0, max: 3 })], { numRuns: 300 })(
    'any scheme and spacing before a token of ours',
    async (s, spaces) => {
      const value = `${s}${' '.repeat(spaces)}${token}`;
      const kind = readCredential([value], null, { maxCredentialBytes: 1024 }).kind;
      const r = await kc.authenticate(req(value));
      const expected = {
        bearer: 'ok',
        'other-scheme': 'missing_token',
        none: 'missing_token',
        malformed: 'invalid_request',
      };
      expect(r.ok ? 'ok' : 'code' in r ? r.code : 'skip').toBe(expected[kind]);
    },
  );
});

describe('maxCredentialBytes holds for a token of ours too', () => {
  // 16 + 8 + 2 + 39 = 65 characters: one more than the smallest maxCredentialBytes allowed. Such a
  // configuration is refused at start (every token would be a 400): the bound holds by construction.
  const format = { prefix: 'abcdefghijklmnop', type: 'abcdefgh' };
  for (const onForeignToken of ['reject', 'next'] as const) {
    it(`a 65-character token under maxCredentialBytes 64 is refused at start (onForeignToken ${onForeignToken})`, () => {
      expect(() => createKeycard({ ...format, scopes: toadoScopes(), maxCredentialBytes: 64, onForeignToken })).toThrow(
        expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('maxCredentialBytes') }),
      );
    });
    it(`under maxCredentialBytes 65 the token passes and one character more is 400 (onForeignToken ${onForeignToken})`, async () => {
      const kc = createKeycard({ ...format, scopes: toadoScopes(), maxCredentialBytes: 65, onForeignToken });
      const { token } = await kc.issue({ ownerId: 'u', label: 'x', scopes: ['read'] });
      expect(token).toHaveLength(65);
      expect((await kc.authenticate(req(`Bearer ${token}`))).ok).toBe(true);
      const r = await kc.authenticate(req(`Bearer ${token}A`));
      expect(r.ok ? 'ok' : 'code' in r ? r.code : 'skip').toBe('invalid_request');
    });
  }
});
