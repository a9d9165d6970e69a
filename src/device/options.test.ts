/** createDeviceRoutes' options: validated once, every bad field named in one error, no secret quoted. */
import { describe, expect, it } from 'vitest';
import { coreSays, coreWrongType, expectConfigError } from '../../test/config-errors.ts';
import { createKeycard, defineScopes, KeycardError } from '../index.ts';
import { createDeviceRoutes } from './routes.ts';

const scopes = defineScopes({ read: { description: 'Read tickets' } });

describe('createDeviceRoutes options', () => {
  it('refuses bad options naming every field', () => {
    const keycard = createKeycard({ prefix: 'toado', scopes });
    const bad = () => createDeviceRoutes(keycard, { basePath: 'x/', authorize: 1, interval: 0, nope: true } as never);
    expect(bad).toThrow(KeycardError);
    expect(bad).toThrow(/basePath.*authorize.*interval|nope/s);
  });

  it("a range, a type and two unknown keys wrong: one error in the core's wording naming all, quoting no secret", async () => {
    const keycard = createKeycard({ prefix: 'toado', scopes });
    const secret = 'toado_sk_secretsecretsecret';
    const o = { basePath: '/api', authorize: () => null, interval: 0, appName: 5, deviceSecret: secret, pollEvery: 5 };
    await expectConfigError(() => createDeviceRoutes(keycard, o as never), {
      where: 'createDeviceRoutes',
      invalid: ['interval', 'appName'],
      unknown: ['deviceSecret', 'pollEvery'],
      secrets: [secret],
      message: [
        'createDeviceRoutes: interval: Too small: expected number to be >=1',
        coreWrongType('appName', 5, 'string'),
        coreSays({ deviceSecret: secret, pollEvery: 5 }),
      ].join('; '),
    });
  });
});
