// Every public options object is strict (issue 12): an unknown or misspelled option is a
// KeycardError('invalid_config') naming it, at construction, before any I/O.
import { describe, expect, it } from 'vitest';
import {
  createKeycard,
  createLeakIntakeHandler,
  createManagementHandler,
  defineScopes,
  memoryAuditStore,
  memoryLimiter,
  type Keycard,
} from '../src/index.ts';
import { createDeviceRoutes, memoryPendingGrantStore } from '../src/device/index.ts';
import { expressGuard } from '../src/adapters/express.ts';
import { honoGuard } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { mcpGate } from '../src/adapters/mcp/index.ts';
import { redisLimiter, redisTokenStore, redisPendingGrantStore } from '../src/stores/redis.ts';
import { postgresTokenStore, postgresAuditStore } from '../src/stores/postgres.ts';
import { jwtAccessTokens, protectedResource } from '../src/oauth/index.ts';
import { createManagementClient } from '../src/client/index.ts';
import { deviceLogin } from '../src/cli/index.ts';
import { coreSays, errorOf } from './config-errors.ts';

const scopes = defineScopes({ read: {}, write: { implies: ['read'] } });
const kc = (): Keycard => createKeycard({ prefix: 'acme', scopes });
const redisPort = { evalsha: async () => null, scriptLoad: async () => '', subscribe: async () => () => {} } as never;
const sqlPort = { query: async () => ({ rows: [] }) } as never;
const BOGUS = { revocationBoundMS: 10 };

const cases: [string, () => unknown][] = [
  ['createKeycard', () => createKeycard({ prefix: 'acme', scopes, ...BOGUS } as never)],
  ['memoryLimiter', () => memoryLimiter(BOGUS as never)],
  ['memoryAuditStore', () => memoryAuditStore(BOGUS as never)],
  ['memoryPendingGrantStore', () => memoryPendingGrantStore(BOGUS as never)],
  ['createManagementHandler', () => createManagementHandler(kc(), { authorize: () => null, ...BOGUS } as never)],
  ['createLeakIntakeHandler', () => createLeakIntakeHandler(kc(), { provider: 'github', ...BOGUS } as never)],
  ['createDeviceRoutes', () => createDeviceRoutes(kc(), { authorize: () => null, ...BOGUS } as never)],
  ['expressGuard', () => expressGuard(kc())({ scope: 'read', ...BOGUS } as never)],
  ['honoGuard', () => honoGuard(kc(), { scope: 'read', ...BOGUS } as never)],
  ['withKeycard', () => withKeycard(kc(), { scope: 'read', ...BOGUS } as never, async () => new Response())],
  ['mcpGate', () => mcpGate(kc(), BOGUS as never)],
  ['redisTokenStore', () => redisTokenStore(redisPort, BOGUS as never)],
  ['redisLimiter', () => redisLimiter(redisPort, BOGUS as never)],
  ['redisPendingGrantStore', () => redisPendingGrantStore(redisPort, BOGUS as never)],
  ['postgresTokenStore', () => postgresTokenStore(sqlPort, BOGUS as never)],
  ['postgresAuditStore', () => postgresAuditStore(sqlPort, BOGUS as never)],
  [
    'jwtAccessTokens',
    () => jwtAccessTokens({ issuer: 'https://i.example', audience: 'a', keys: [], ...BOGUS } as never),
  ],
  [
    'protectedResource',
    () =>
      protectedResource({
        resource: 'https://api.example',
        authorizationServers: ['https://i.example'],
        ...BOGUS,
      } as never),
  ],
  [
    'createManagementClient',
    () => createManagementClient({ baseUrl: 'https://api.example/api/tokens', ...BOGUS } as never),
  ],
  ['deviceLogin', () => deviceLogin({ url: 'https://api.example/api/tokens', clientId: 'x', ...BOGUS } as never)],
];

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
