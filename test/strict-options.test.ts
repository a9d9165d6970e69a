// Every public options object is strict (issue 12): an unknown or misspelled option is a
// KeycardError('invalid_config') naming it, at construction, before any I/O.
import { describe, expect, it } from 'vitest';
import { coreSays, errorOf } from './config-errors.ts';
import { FACTORIES } from './public-factories.ts';

const BOGUS = { revocationBoundMS: 10 };
const cases: [string, () => unknown][] = FACTORIES.map(([name, make]) => [name, () => make(BOGUS)]);

describe('strict options', () => {
  for (const [name, make] of cases) {
    it(`${name}: an unknown option is invalid_config naming it`, async () => {
      let error: unknown;
      try {
        await make();
      } catch (e) {
        error = e;
      }
      // keycard/client runs in browsers without the core: its error class is ManagementError.
      const errorClass = name === 'createManagementClient' ? 'ManagementError' : 'KeycardError';
      expect(error, `${name} accepted revocationBoundMS`).toMatchObject({
        name: errorClass,
        code: 'invalid_config',
      });
      expect((error as Error).message).toContain('revocationBoundMS');
    });

    it(`${name}: names it in the core's words, after the function's name`, async () => {
      const message = String(((await errorOf(make)) as Error | undefined)?.message);
      expect(message.startsWith(`${name}: `), message).toBe(true);
      expect(message.slice(name.length + 2).split('; ')).toContain(coreSays(BOGUS));
    });
  }
});
