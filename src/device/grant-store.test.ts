/**
 * The pending-grant store conformance suite on every built-in store: memory, PGlite (always),
 * a Postgres server (DATABASE_URL) and a Redis server with both drivers (REDIS_URL).
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromPg, fromPglite } from '../stores/postgres-port.ts';
import { migrateDeviceGrants, postgresPendingGrantStore } from '../stores/postgres-grant-store.ts';
import { redisPendingGrantStore } from '../stores/redis-grant-store.ts';
import { pendingGrantStoreConformance } from '../testing/pending-grant-suite.ts';
import { DRIVERS, REDIS_URL, announceSkip, connectPort, runPrefix } from '../../test/redis-helpers.ts';
import { coreSays, coreWrongType, expectConfigError } from '../../test/config-errors.ts';
import { memoryPendingGrantStore } from './grant-store.ts';

pendingGrantStoreConformance('memory', { describe, it, expect }, () => memoryPendingGrantStore());

describe('memoryPendingGrantStore options', () => {
  const make = (options: unknown) => () => memoryPendingGrantStore(options as never);
  const secret = 'acme_sk_secretsecretsecret';

  it("bad options are one error in the core's wording, naming every bad field, quoting no secret", async () => {
    await expectConfigError(make({ maxGrants: '10', maxGrant: 10, deviceCode: secret }), {
      where: 'memoryPendingGrantStore',
      invalid: ['maxGrants'],
      unknown: ['maxGrant', 'deviceCode'],
      secrets: [secret],
      message: `memoryPendingGrantStore: ${coreWrongType('maxGrants', '10', 'number')}; ${coreSays({ maxGrant: 10, deviceCode: secret })}`,
    });
  });

  it('an out-of-range or non-object option is invalid_config, never a TypeError', async () => {
    for (const maxGrants of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      await expectConfigError(make({ maxGrants }), {
        where: 'memoryPendingGrantStore',
        invalid: ['maxGrants'],
        unknown: [],
      });
    }
    for (const options of [null, 5, 'maxGrants', [1]]) {
      await expectConfigError(make(options), { where: 'memoryPendingGrantStore', invalid: ['(options)'], unknown: [] });
    }
    expect(() => memoryPendingGrantStore({ maxGrants: 1 })).not.toThrow();
    expect(() => memoryPendingGrantStore(undefined)).not.toThrow();
  });
});

describe('PGlite', () => {
  let lite: ReturnType<typeof fromPglite>;
  // PGlite boots a WebAssembly Postgres: seconds on a busy machine, so outside the tests' timeout.
  beforeAll(async () => {
    lite = fromPglite(new PGlite());
    await migrateDeviceGrants(lite);
    await migrateDeviceGrants(lite); // idempotent
  }, 120_000);
  pendingGrantStoreConformance('PGlite', { describe, it, expect }, () => postgresPendingGrantStore(lite));
});

const DATABASE_URL = process.env['DATABASE_URL'];
describe.skipIf(!DATABASE_URL)('Postgres server (DATABASE_URL)', () => {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 20 });
  pool.on('error', () => {});
  afterAll(() => pool.end());
  let ready: Promise<void> | undefined;
  pendingGrantStoreConformance('pg', { describe, it, expect }, async () => {
    await (ready ??= migrateDeviceGrants(fromPg(pool, { listen: false })));
    return postgresPendingGrantStore(fromPg(pool, { listen: false }));
  });
});

announceSkip('grant-store.test.ts');
for (const driver of DRIVERS) {
  describe.skipIf(!REDIS_URL)(`Redis server (${driver})`, () => {
    let connected: ReturnType<typeof connectPort> | undefined;
    afterAll(async () => {
      if (connected) await (await connected).close();
    });
    const prefix = runPrefix('device');
    pendingGrantStoreConformance(`redis ${driver}`, { describe, it, expect }, async () => {
      const { port } = await (connected ??= connectPort(driver));
      return redisPendingGrantStore(port, { prefix });
    });
  });
}
