/**
 * Every token store the core runs on, built the same way for suites that must hold on all of them:
 * memory and PGlite always; Redis and a Postgres server when REDIS_URL / DATABASE_URL are set
 * (`eval "$(bash scripts/redis-server.sh start)"`, `eval "$(bash scripts/postgres-server.sh start)"`).
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TokenStore } from '../src/core/store.ts';
import { memoryTokenStore } from '../src/stores/memory.ts';
import { fromPg, fromPglite, migrate, postgresTokenStore } from '../src/stores/postgres.ts';
import { redisTokenStore } from '../src/stores/redis-token-store.ts';
import { randomHex } from '../src/testing/fixtures.ts';
import { connectPort, REDIS_URL, runPrefix } from './redis-helpers.ts';

export const DATABASE_URL = process.env['DATABASE_URL'];

/** A fresh, empty store and how to close what it opened. */
export interface Backend {
  readonly name: string;
  open(): Promise<{ store: TokenStore; close: () => Promise<void> }>;
}

export const memoryBackend: Backend = {
  name: 'memory',
  open: async () => ({ store: memoryTokenStore(), close: async () => {} }),
};

export const pgliteBackend: Backend = {
  name: 'PGlite',
  async open() {
    const db = new PGlite();
    const port = fromPglite(db);
    await migrate(port);
    const store = postgresTokenStore(port, { onError: () => {} });
    return { store, close: async () => void (await store.close(), await db.close()) };
  },
};

export const redisBackend: Backend = {
  name: 'Redis',
  async open() {
    const { port, close } = await connectPort('ioredis');
    // The appendonly-no durability warning is this test server's expected one (it is asserted in
    // src/stores/redis-token-store.test.ts); here it would only print on every suite.
    const store = redisTokenStore(port, { prefix: runPrefix('fail-closed'), onWarning: () => {} });
    return { store, close: async () => void (await store.close(), await close()) };
  },
};

/** A fresh schema on the DATABASE_URL server: pools whose search_path is it, and how to drop it. */
export async function postgresSchema(
  tag: string,
): Promise<{ pool: (max: number) => pg.Pool; drop: () => Promise<void> }> {
  const schema = `keycard_${tag}_${randomHex(4)}`;
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  admin.on('error', () => {});
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = (max: number) => {
    const p = new pg.Pool({ connectionString: DATABASE_URL, max, options: `-c search_path=${schema}` });
    p.on('error', () => {});
    return p;
  };
  const drop = async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  };
  return { pool, drop };
}

export const postgresBackend: Backend = {
  name: 'Postgres',
  async open() {
    const { pool: poolOf, drop } = await postgresSchema('fc');
    const pool = poolOf(20);
    await migrate(fromPg(pool));
    const store = postgresTokenStore(fromPg(pool), { onError: () => {} });
    return {
      store,
      close: async () => {
        await store.close();
        await pool.end();
        await drop();
      },
    };
  },
};

/** The stores available in this run: memory and PGlite, plus the servers that are configured. */
export const BACKENDS: readonly Backend[] = [
  memoryBackend,
  pgliteBackend,
  ...(REDIS_URL ? [redisBackend] : []),
  ...(DATABASE_URL ? [postgresBackend] : []),
];
