/**
 * Session 45's misuse walk: every public factory given a missing or wrong first argument —
 * nothing, `undefined`, `null`, a string, its arguments swapped, a client of the wrong kind (a raw
 * ioredis client where a RedisPort goes, a pg Pool where PGlite goes, node-redis for ioredis) —
 * answers with a KeycardError naming the factory, the argument and what was expected, at the
 * call. Before, `createManagementHandler(undefined, …)`, `mcpGate(undefined)` and the Redis
 * adapters threw TypeErrors; the store factories accepted anything and failed on first use; the
 * swapped `(options, keycard)` listed the keycard's methods as "unknown options"; the error handlers
 * returned a handler that threw on the first error it met. Real client objects, never connected.
 */
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { expressHandler, keycardErrorHandler } from '../src/adapters/express.ts';
import { honoErrorHandler, honoGuard } from '../src/adapters/hono.ts';
import { mcpGate, mcpVerifier } from '../src/adapters/mcp/index.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { credentialsPath, envPrefix, readCredentials, removeCredentials, resolveToken } from '../src/cli/index.ts';
import { writeCredentials } from '../src/cli/index.ts';
import { createDeviceRoutes } from '../src/device/index.ts';
import { createKeycard, createLeakIntakeHandler, createManagementHandler, defineScopes } from '../src/index.ts';
import { isKeycardError, jsonLinesSink } from '../src/index.ts';
import { fromPg, fromPglite, migrate, migrateDeviceGrants, postgresAuditStore } from '../src/stores/postgres.ts';
import { postgresPendingGrantStore, postgresTokenStore } from '../src/stores/postgres.ts';
import { fromIoredis, fromNodeRedis, redisLimiter, redisPendingGrantStore } from '../src/stores/redis.ts';
import { redisTokenStore } from '../src/stores/redis.ts';

const keycard = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }) });
const ioredis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
const nodeRedis = createClient({ disableOfflineQueue: true });
const pool = new pg.Pool({ host: '127.0.0.1', port: 1 });
const pglite = new PGlite();
afterAll(async () => {
  ioredis.disconnect();
  await Promise.all([pool.end(), pglite.close(), keycard.close()]);
}, 60_000);

/** The KeycardError `call` throws or rejects with, or a failure saying what it did instead. */
async function refusal(call: () => unknown): Promise<{ code: string; message: string }> {
  let outcome: unknown;
  try {
    outcome = await call();
  } catch (e) {
    if (isKeycardError(e)) return { code: e.code, message: e.message };
    throw new Error(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}, not a KeycardError`);
  }
  throw new Error(`returned ${typeof outcome} instead of refusing`);
}

const MISSING: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['a string', 'acme'],
];
type Row = {
  /** The factory, with a first argument and the rest valid. */
  call: (first: unknown) => unknown;
  /** What the message must say was expected, after `<name>: `. */
  says: RegExp;
  /** Wrong things given as the first argument, beyond MISSING, each with what the message says it got. */
  wrong?: [string, unknown][];
  /** The arguments swapped (options first): the call. */
  swapped?: () => unknown;
};

const KEYCARD = /the first argument must be the keycard createKeycard\(\) returned( \(.+\))?, got /;
const REDIS_PORT =
  /the first argument must be a RedisPort \(fromIoredis\(client\), fromNodeRedis\(client\), or your own\), got /;
const SQL_PORT = /the first argument must be a SqlPort \(fromPg\(pool\), fromPglite\(db\), or your own\), got /;
const manageOptions = { authorize: () => null };
const deviceOptions = { basePath: '/api/tokens', authorize: () => null };

const rows: Record<string, Row> = {
  createManagementHandler: {
    call: (k) => createManagementHandler(k as never, manageOptions),
    says: KEYCARD,
    swapped: () => createManagementHandler(manageOptions as never, keycard as never),
  },
  createLeakIntakeHandler: {
    call: (k) => createLeakIntakeHandler(k as never, { provider: 'github' }),
    says: KEYCARD,
    swapped: () => createLeakIntakeHandler({ provider: 'github' } as never, keycard as never),
  },
  createDeviceRoutes: {
    call: (k) => createDeviceRoutes(k as never, deviceOptions),
    says: KEYCARD,
    swapped: () => createDeviceRoutes(deviceOptions as never, keycard as never),
  },
  mcpGate: { call: (k) => mcpGate(k as never), says: KEYCARD, swapped: () => mcpGate({} as never, keycard as never) },
  mcpVerifier: { call: (k) => mcpVerifier(k as never), says: KEYCARD, wrong: [['options', {}]] },
  keycardErrorHandler: { call: (k) => keycardErrorHandler(k as never), says: KEYCARD, wrong: [['options', {}]] },
  honoErrorHandler: { call: (k) => honoErrorHandler(k as never), says: KEYCARD, wrong: [['options', {}]] },
  fromIoredis: {
    call: (c) => fromIoredis(c as never),
    says: /the first argument must be an ioredis client \(new Redis\(url, \{ enableOfflineQueue: false \}\)\), got /,
    wrong: [['a node-redis client', nodeRedis]],
  },
  fromNodeRedis: {
    call: (c) => fromNodeRedis(c as never),
    says: /the first argument must be a node-redis client \(createClient\(\{ url, disableOfflineQueue: true \}\)\), got /,
    wrong: [['an ioredis client', ioredis]],
  },
  redisTokenStore: { call: (p) => redisTokenStore(p as never), says: REDIS_PORT },
  redisLimiter: { call: (p) => redisLimiter(p as never), says: REDIS_PORT },
  redisPendingGrantStore: { call: (p) => redisPendingGrantStore(p as never), says: REDIS_PORT },
  fromPg: {
    call: (p) => fromPg(p as never),
    says: /the first argument must be a node-postgres Pool \(new pg\.Pool\(\{ connectionString \}\)\), got /,
    wrong: [['a PGlite instance', pglite]],
  },
  fromPglite: {
    call: (d) => fromPglite(d as never),
    says: /the first argument must be a PGlite instance \(new PGlite\(\)\), got /,
    wrong: [['a pg Pool', pool]],
  },
  postgresTokenStore: { call: (p) => postgresTokenStore(p as never), says: SQL_PORT },
  postgresAuditStore: { call: (p) => postgresAuditStore(p as never), says: SQL_PORT },
  postgresPendingGrantStore: { call: (p) => postgresPendingGrantStore(p as never), says: SQL_PORT },
  migrate: { call: (p) => migrate(p as never), says: SQL_PORT },
  migrateDeviceGrants: { call: (p) => migrateDeviceGrants(p as never), says: SQL_PORT },
  // Session 46: a sink that threw "write is not a function" at the first event, inside a request.
  jsonLinesSink: {
    call: (w) => jsonLinesSink(w as never),
    says: /the first argument must be a function \(line\) => …, got /,
    wrong: [['a stream', { write: () => true }]],
  },
  // Session 46: a handler that threw "handler is not a function" inside the first request.
  expressHandler: {
    call: (h) => expressHandler(h as never),
    says: /the first argument must be a Web handler \(request\) => Promise<Response>, such as createManagementHandler\(…\), got /,
    wrong: [['the keycard', keycard]],
  },
};
// A store factory given the client itself instead of its port, or the keycard.
for (const name of ['redisTokenStore', 'redisLimiter', 'redisPendingGrantStore'])
  rows[name]!.wrong = [
    ['a raw ioredis client', ioredis],
    ['the keycard', keycard],
  ];
for (const name of ['postgresTokenStore', 'postgresAuditStore', 'postgresPendingGrantStore', 'migrate'])
  rows[name]!.wrong = [['the keycard', keycard]];

describe('every public factory refuses a missing or wrong first argument with a KeycardError', () => {
  for (const [name, row] of Object.entries(rows)) {
    const kinds: [string, unknown][] = [...MISSING, ...(row.wrong ?? [])];
    it.each(kinds)(`${name}(%s, …): invalid_config naming ${name} and what it takes`, async (_kind, first) => {
      const e = await refusal(() => row.call(first));
      expect(e.code).toBe('invalid_config');
      expect(e.message.startsWith(`${name}: `)).toBe(true);
      expect(e.message).toMatch(row.says);
      expect(e.message).not.toMatch(/Cannot read|is not a function|unknown option/);
    });
    if (row.swapped)
      it(`${name}(options, keycard): the first argument named, not the keycard's methods as unknown options`, async () => {
        const e = await refusal(row.swapped!);
        expect(e.message).toMatch(new RegExp(`^${name}: ${KEYCARD.source}an object`));
        expect(e.message).not.toMatch(/unknown option|authenticate/);
      });
  }
});

describe('keycard/cli: a missing app name is the documented KeycardError, not a TypeError', () => {
  const calls: [string, (app: unknown) => unknown][] = [
    ['envPrefix', (a) => envPrefix(a as never)],
    ['credentialsPath', (a) => credentialsPath(a as never)],
    ['readCredentials', (a) => readCredentials(a as never)],
    ['writeCredentials', (a) => writeCredentials(a as never, { token: 'acme_x', url: 'https://a.example' } as never)],
    ['removeCredentials', (a) => removeCredentials(a as never)],
    ['resolveToken', (a) => resolveToken(a as never)],
  ];
  for (const [name, call] of calls)
    it.each([...MISSING.slice(0, 2), ['a number', 1]])(`${name}(%s)`, async (_kind, app) => {
      const e = await refusal(() => call(app));
      expect(e.code).toBe('invalid_argument');
      expect(e.message).toMatch(/^app must be 1 to 40 lower-case letters, digits or dashes, starting with a letter/);
    });
});

// Session 46: a factory of (keycard, options) given both wrong names both in one error, in
// createKeycard's format (`<factory>: <one>; <other>`), not the keycard alone and the options at the next try.
describe('a wrong keycard and wrong options: one KeycardError naming both', () => {
  const pairs: [string, (first: unknown, second: unknown) => unknown][] = [
    ['createManagementHandler', (k, o) => createManagementHandler(k as never, o as never)],
    ['createLeakIntakeHandler', (k, o) => createLeakIntakeHandler(k as never, o as never)],
    ['createDeviceRoutes', (k, o) => createDeviceRoutes(k as never, o as never)],
    ['mcpGate', (k, o) => mcpGate(k as never, o as never)],
    ['mcpVerifier', (k, o) => mcpVerifier(k as never, o as never)],
    ['honoGuard', (k, o) => honoGuard(k as never, o as never)],
    ['withKeycard', (k, o) => withKeycard(k as never, o as never, () => new Response())],
  ];
  const seconds: [string, unknown, RegExp][] = [
    [
      'a number',
      5,
      /(\(options\): Invalid input: expected object, received number|requirement must be an object .*got a number)$/,
    ],
    [
      'a string',
      'read',
      /(\(options\): Invalid input: expected object, received string|requirement must be an object .*got a string)$/,
    ],
    ['an unknown key', { bogus: 1 }, /bogus: unknown option/],
  ];
  for (const [name, call] of pairs) {
    it.each(seconds)(
      `${name}(undefined, %s): names the keycard and the second argument`,
      async (_kind, second, says) => {
        const e = await refusal(() => call(undefined, second));
        expect(e.code).toBe('invalid_config');
        expect(e.message).toMatch(new RegExp(`^${name}: ${KEYCARD.source}undefined; `));
        expect(e.message).toMatch(says);
      },
    );
    it(`${name}(undefined, valid): the keycard alone`, async () => {
      const valid = { createManagementHandler: manageOptions, createLeakIntakeHandler: { provider: 'github' } }[name];
      const e = await refusal(() => call(undefined, name === 'createDeviceRoutes' ? deviceOptions : valid));
      expect(e.message).toMatch(new RegExp(`^${name}: ${KEYCARD.source}undefined$`));
    });
  }
  it('the arguments swapped: says so, never listing the keycard’s methods', async () => {
    for (const [name, call] of pairs.slice(0, 5)) {
      const e = await refusal(() => call(manageOptions, keycard));
      expect(e.message).toMatch(
        new RegExp(
          `^${name}: ${KEYCARD.source}an object; the second argument is the keycard: the arguments are swapped$`,
        ),
      );
    }
  });
});

describe('withKeycard: every bad argument of the three in one error', () => {
  it('a string requirement and no handler: both named', async () => {
    const e = await refusal(() => withKeycard(keycard as never, 'read' as never, undefined as never));
    expect(e.message).toMatch(
      /^withKeycard: handler must be a function, got undefined: .+; requirement must be an object/,
    );
  });
  it('no keycard, a string requirement and no handler: all three named', async () => {
    const e = await refusal(() => withKeycard(undefined as never, 'read' as never, undefined as never));
    expect(e.message).toMatch(
      new RegExp(
        `^withKeycard: ${KEYCARD.source}undefined; handler must be a function, got undefined: .+; requirement must be an object`,
      ),
    );
  });
});
