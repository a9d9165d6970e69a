/**
 * Every public factory that takes options, each with a call given valid options and `options`
 * over them, and the options it has: the table test/strict-options.test.ts (an unknown option)
 * and test/uncomparable-length.test.ts (a value JavaScript cannot compare, in each option) walk.
 */
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
import { redisLimiter, redisPendingGrantStore, redisTokenStore } from '../src/stores/redis.ts';
import { postgresAuditStore, postgresTokenStore } from '../src/stores/postgres.ts';
import { jwtAccessTokens, protectedResource } from '../src/oauth/index.ts';
import { createManagementClient } from '../src/client/index.ts';
import { deviceLogin } from '../src/cli/index.ts';

const scopes = defineScopes({ read: {}, write: { implies: ['read'] } });
const kc = (): Keycard => createKeycard({ prefix: 'acme', scopes });
const redisPort = { evalsha: async () => null, scriptLoad: async () => '', subscribe: async () => () => {} } as never;
const sqlPort = { query: async () => ({ rows: [] }) } as never;

export type Make = (options: Record<string, unknown>) => unknown;
/** Each factory: how to call it with valid options and `options` over them, and every option it has. */
export const FACTORIES: [string, Make, readonly string[]][] = [
  [
    'createKeycard',
    (o) => createKeycard({ prefix: 'acme', scopes, ...o } as never),
    [
      'prefix',
      'type',
      'scopes',
      'store',
      'limiter',
      'rateLimit',
      'workspaceRateLimit',
      'resources',
      'peppers',
      'resolveOwner',
      'ownerCacheMs',
      'revocationBoundMs',
      'cacheSize',
      'negativeCacheSize',
      'touchIntervalMs',
      'storeTimeoutMs',
      'defaultExpiresIn',
      'audit',
      'auditQueueSize',
      'auditTimeoutMs',
      'onError',
      'onWarning',
      'clock',
      'realm',
      'problemTypeBase',
      'maxCredentialBytes',
      'allowQueryToken',
      'onForeignToken',
      'passPreflight',
      'limiterFailure',
      'onAuthFailure',
      'oauth',
      'resourceMetadataUrl',
      'settingsUrl',
    ],
  ],
  ['memoryLimiter', (o) => memoryLimiter(o as never), ['clock', 'maxTrackedTokens']],
  ['memoryAuditStore', (o) => memoryAuditStore(o as never), ['requests', 'maxEvents', 'clock']],
  ['memoryPendingGrantStore', (o) => memoryPendingGrantStore(o as never), ['maxGrants']],
  [
    'createManagementHandler',
    (o) => createManagementHandler(kc(), { authorize: () => null, ...o } as never),
    [
      'authorize',
      'basePath',
      'managementScope',
      'can',
      'canManageWorkspace',
      'allowedOrigins',
      'maxBodyBytes',
      'expiringWithinMs',
      'cursorSecret',
      'auditStore',
      'onError',
      'device',
    ],
  ],
  [
    'createLeakIntakeHandler',
    (o) => createLeakIntakeHandler(kc(), { provider: 'github', ...o } as never),
    ['provider', 'fetch', 'keysUrl', 'onLeak', 'onError', 'maxBodyBytes', 'tokenHashEncoding'],
  ],
  [
    'createDeviceRoutes',
    (o) => createDeviceRoutes(kc(), { authorize: () => null, ...o } as never),
    [
      'basePath',
      'authorize',
      'store',
      'allowedOrigins',
      'codeLifetimeSeconds',
      'interval',
      'defaultTokenLifetime',
      'maxEntryAttempts',
      'entryWindowSeconds',
      'sessionKey',
      'verificationUri',
      'loginUrl',
      'appName',
      'css',
      'onError',
    ],
  ],
  ...(
    [
      ['expressGuard', (o: object) => expressGuard(kc())({ scope: 'read', ...o } as never)],
      ['honoGuard', (o: object) => honoGuard(kc(), { scope: 'read', ...o } as never)],
      ['withKeycard', (o: object) => withKeycard(kc(), { scope: 'read', ...o } as never, async () => new Response())],
    ] as const
  ).map(([name, make]): [string, Make, readonly string[]] => [
    name,
    make,
    ['scope', 'class', 'resource', 'workspaceId', 'forbid', 'surface', 'rpcMethod', 'tool'],
  ]),
  [
    'mcpGate',
    (o) => mcpGate(kc(), o as never),
    [
      'tools',
      'resourceMetadataUrl',
      'recheckSeconds',
      'allowedHosts',
      'allowedOrigins',
      'maxSessionsPerToken',
      'sessionIdleSeconds',
      'onWarning',
    ],
  ],
  [
    'redisTokenStore',
    (o) => redisTokenStore(redisPort, o as never),
    ['prefix', 'timeoutMs', 'heartbeatMs', 'checkDurability', 'onWarning'],
  ],
  ['redisLimiter', (o) => redisLimiter(redisPort, o as never), ['prefix', 'timeoutMs', 'unsafeTestClock']],
  [
    'redisPendingGrantStore',
    (o) => redisPendingGrantStore(redisPort, o as never),
    ['prefix', 'timeoutMs', 'retentionMs'],
  ],
  [
    'postgresTokenStore',
    (o) => postgresTokenStore(sqlPort, o as never),
    ['notifications', 'pollIntervalMs', 'channel', 'changeRetentionMs', 'shared', 'onError'],
  ],
  [
    'postgresAuditStore',
    (o) => postgresAuditStore(sqlPort, o as never),
    ['requests', 'queueSize', 'batchSize', 'concurrency', 'onError', 'closeTimeoutMs', 'clock'],
  ],
  [
    'jwtAccessTokens',
    (o) => jwtAccessTokens({ issuer: 'https://i.example', audience: 'a', keys: { keys: [] }, ...o } as never),
    [
      'issuer',
      'audience',
      'jwksUrl',
      'keys',
      'algorithms',
      'requireAccessTokenType',
      'clockToleranceSeconds',
      'owner',
      'fetch',
      'now',
      'jwksTimeoutMs',
    ],
  ],
  [
    'protectedResource',
    (o) =>
      protectedResource({
        resource: 'https://api.example',
        authorizationServers: ['https://i.example'],
        scopesSupported: ['read'],
        ...o,
      } as never),
    ['resource', 'authorizationServers', 'scopesSupported', 'resourceName', 'resourceDocumentation', 'allowQueryToken'],
  ],
  [
    'createManagementClient',
    (o) => createManagementClient({ baseUrl: 'https://api.example/api/tokens', ...o } as never),
    ['baseUrl', 'fetch', 'headers', 'credentials', 'timeoutMs'],
  ],
  [
    'deviceLogin',
    (o) => deviceLogin({ url: 'https://api.example/api/tokens', clientId: 'x', ...o } as never),
    [
      'url',
      'clientId',
      'scopes',
      'restrictions',
      'tokenLifetime',
      'host',
      'output',
      'openBrowser',
      'signal',
      'timeoutMs',
      'fetch',
      'sleep',
      'env',
    ],
  ],
];
