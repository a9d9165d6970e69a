/**
 * The TokenStore conformance suite on a real Postgres server through node-postgres, with LISTEN
 * (on a pool client, and on a separate pg.Client) and with polling. Runs when DATABASE_URL is set
 * (`eval "$(bash scripts/postgres-server.sh start)"`); the PGlite runs are in src/stores/postgres.test.ts.
 */
import * as fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fromPg,
  migrate,
  postgresTokenStore,
  type FromPgOptions,
  type PostgresTokenStoreOptions,
} from '../src/stores/postgres.ts';
import { tokenStoreConformance } from '../src/testing/token-store-suite.ts';

const url = process.env['DATABASE_URL'];
if (!url)
  console.warn(
    '[keycard] DATABASE_URL is not set: skipping the Postgres server conformance suites (start one with `eval "$(bash scripts/postgres-server.sh start)"`).',
  );

describe.skipIf(!url)('Postgres server (DATABASE_URL)', () => {
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  pool.on('error', () => {}); // a terminated idle client; the pool replaces it
  let migrated: Promise<void> | undefined; // at the first test: collecting a skipped suite must not connect
  afterAll(() => pool.end());

  const variants: [string, FromPgOptions, PostgresTokenStoreOptions][] = [
    ['pg, LISTEN on a pool client', {}, { notifications: 'listen' }],
    [
      'pg, LISTEN on its own pg.Client',
      { listenClient: () => new pg.Client({ connectionString: url }) },
      { notifications: 'listen' },
    ],
    ['pg, polling', { listen: false }, {}],
  ];
  for (const [name, portOptions, storeOptions] of variants) {
    const port = fromPg(pool, portOptions);
    tokenStoreConformance(
      name,
      { describe, it, expect },
      async () => {
        await (migrated ??= migrate(fromPg(pool)));
        return postgresTokenStore(port, { ...storeOptions, onError: () => {} });
      },
      { fc, runs: 20 },
    );
  }
});
