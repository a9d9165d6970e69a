/**
 * Stop 51's CI: a value whose `length` JavaScript cannot turn into a number — `{ length:
 * [Object.create(null)] }` (no `valueOf`, no `toString`), `{ length: Symbol() }` — given as any
 * option of any public factory, or inside an array option, is a `KeycardError('invalid_config')`
 * (keycard/client: `ManagementError`). zod's own length checks (`z.minLength`, `z.maxLength`) run
 * on anything with a `length` and compare it with `>=`, which throws a TypeError on such a value:
 * before, `issue({ ownerId })`, `protectedResource`, `jwtAccessTokens` and `mcpGate` threw one.
 */
import { describe, expect, it } from 'vitest';
import { FACTORIES } from './public-factories.ts';

/** Values JavaScript cannot compare with a number: `>=` throws a TypeError on each. */
const UNCOMPARABLE: readonly [string, unknown][] = [
  ['a length without a prototype', { length: [Object.create(null)] }],
  ['a length that is a symbol', { length: Symbol('n') }],
  ['an array holding one', [{ length: Object.create(null) }]],
];

/** What `make` throws or rejects with, or `'accepted'`. */
async function refusal(make: () => unknown): Promise<unknown> {
  try {
    await make();
  } catch (error) {
    return error;
  }
  return 'accepted';
}

describe('a length JavaScript cannot compare, as any option of any public factory', () => {
  for (const [name, make, keys] of FACTORIES) {
    it(`${name}: invalid_config naming the option, for each of its ${keys.length} options`, async () => {
      const errorClass = name === 'createManagementClient' ? 'ManagementError' : 'KeycardError';
      for (const key of keys) {
        for (const [what, value] of UNCOMPARABLE) {
          const error = await refusal(() => make({ [key]: value }));
          expect([key, what, error], `${name}({ ${key} }): ${String(error)}`).toMatchObject([
            key,
            what,
            { name: errorClass, code: 'invalid_config' },
          ]);
          expect((error as Error).message, `${name}({ ${key} }) with ${what}`).toContain(key);
        }
      }
    });
  }
});
