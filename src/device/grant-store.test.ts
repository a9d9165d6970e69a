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
import { memoryPendingGrantStore } from './grant-store.ts';

pendingGrantStoreConformance('memory', { describe, it, expect }, () => memoryPendingGrantStore());

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
