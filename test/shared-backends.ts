/**
 * Two store objects over one shared backend, as two processes sharing a store would hold them:
 * PGlite always; Redis and a Postgres server when REDIS_URL / DATABASE_URL are set.
 */
import { PGlite } from '@electric-sql/pglite';
import type { TokenStore } from '../src/index.ts';
import { fromPg, fromPglite, migrate, postgresTokenStore } from '../src/stores/postgres.ts';
import { redisTokenStore } from '../src/stores/redis-token-store.ts';
import { connectPort, REDIS_URL, runPrefix } from './redis-helpers.ts';
import { DATABASE_URL, postgresSchema } from './store-backends.ts';

/** Two store objects over one shared backend (as two processes would have). */
export interface Shared {
  readonly name: string;
  open(): Promise<{ a: TokenStore; b: TokenStore; close: () => Promise<void> }>;
}

const pglite: Shared = {
  name: 'PGlite',
  async open() {
    const db = new PGlite();
    await migrate(fromPglite(db));
    const a = postgresTokenStore(fromPglite(db), { onError: () => {} });
    const b = postgresTokenStore(fromPglite(db), { onError: () => {} });
    return { a, b, close: async () => void (await a.close(), await b.close(), await db.close()) };
  },
};

const redis: Shared = {
  name: 'Redis',
  async open() {
    const prefix = runPrefix('revoke-race');
    const [pa, pb] = await Promise.all([connectPort('ioredis'), connectPort('node-redis')]);
    const a = redisTokenStore(pa.port, { prefix, checkDurability: false });
    const b = redisTokenStore(pb.port, { prefix, checkDurability: false });
    return { a, b, close: async () => void (await a.close(), await b.close(), await pa.close(), await pb.close()) };
  },
};

const postgres: Shared = {
  name: 'Postgres',
  async open() {
    const { pool, drop } = await postgresSchema('rr');
    const [poolA, poolB] = [pool(5), pool(5)];
    await migrate(fromPg(poolA));
    const a = postgresTokenStore(fromPg(poolA), { onError: () => {} });
    const b = postgresTokenStore(fromPg(poolB), { onError: () => {} });
    return {
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
        await Promise.all([poolA.end(), poolB.end()]);
        await drop();
      },
    };
  },
};

/** Every shared backend this run can reach. */
export const SHARED: readonly Shared[] = [pglite, ...(REDIS_URL ? [redis] : []), ...(DATABASE_URL ? [postgres] : [])];
