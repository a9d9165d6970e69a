/**
 * Comma's "Tokens are stored hashed server-side; Comma cannot show you a token again after
 * creation" (shared/seeds/000), walked on real Express with the management API, against what the
 * storage really holds: for each store a run can reach (PGlite always, a Postgres server with
 * DATABASE_URL, Redis with REDIS_URL), a token is created, used, rotated and revoked, and then
 * every row of every table in the schema (the token store's and the audit store's), or every key
 * under the Redis prefix, is read back raw. The secrets, in any common encoding, are nowhere;
 * the records are there (their ids are found), so the dump did read where they live.
 */
import { PGlite } from '@electric-sql/pglite';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressGuard, expressHandler } from '../src/adapters/express.ts';
import type { ManagementClient } from '../src/client/index.ts';
import {
  createKeycard,
  createManagementHandler,
  defineScopes,
  type AuditStore,
  type TokenStore,
} from '../src/index.ts';
import { fromPg, fromPglite, migrate, postgresAuditStore, postgresTokenStore } from '../src/stores/postgres.ts';
import { redisTokenStore } from '../src/stores/redis-token-store.ts';
import { connectPort, REDIS_URL, runPrefix } from './redis-helpers.ts';
import { serveWalk } from './seeds-fixture.ts';
import { DATABASE_URL, postgresSchema } from './store-backends.ts';

/** A store a run can reach, an audit store beside it when it has one, and a raw dump of both. */
interface Storage {
  store: TokenStore;
  audit?: AuditStore;
  dump(): Promise<string>;
  close(): Promise<void>;
}
type Query = (sql: string) => Promise<{ rows: Record<string, unknown>[] }>;

/** Every row of every table in the current schema (partitions included), as JSON text. */
async function dumpSchema(query: Query): Promise<string> {
  const { rows } = await query(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema()`,
  );
  const out: string[] = [];
  for (const { t } of rows) {
    const data = await query(`SELECT row_to_json(x)::text AS j FROM "${String(t)}" x`);
    out.push(String(t), ...data.rows.map((r) => String(r.j)));
  }
  return out.join('\n');
}

const storages: { name: string; open(): Promise<Storage> }[] = [
  {
    name: 'PGlite',
    async open() {
      const db = new PGlite();
      const port = fromPglite(db);
      await migrate(port);
      const store = postgresTokenStore(port, { onError: () => {} });
      const audit = postgresAuditStore(port, { requests: 'all' });
      return {
        store,
        audit,
        dump: () => dumpSchema((sql) => db.query(sql)),
        close: async () => void (await store.close(), await audit.close?.(), await db.close()),
      };
    },
  },
  ...(DATABASE_URL
    ? [
        {
          name: 'Postgres',
          async open(): Promise<Storage> {
            const { pool: poolOf, drop } = await postgresSchema('hashed');
            const pool = poolOf(5);
            await migrate(fromPg(pool));
            const store = postgresTokenStore(fromPg(pool), { onError: () => {} });
            const audit = postgresAuditStore(fromPg(pool), { requests: 'all' });
            return {
              store,
              audit,
              dump: () => dumpSchema((sql) => pool.query(sql)),
              close: async () => void (await store.close(), await audit.close?.(), await pool.end(), await drop()),
            };
          },
        },
      ]
    : []),
  ...(REDIS_URL
    ? [
        {
          name: 'Redis',
          async open(): Promise<Storage> {
            const { port, raw, close } = await connectPort('ioredis');
            const prefix = runPrefix('hashed');
            const store = redisTokenStore(port, { prefix, onWarning: () => {} });
            const read: Record<string, (k: string) => string[]> = {
              string: (k) => ['GET', k],
              hash: (k) => ['HGETALL', k],
              list: (k) => ['LRANGE', k, '0', '-1'],
              set: (k) => ['SMEMBERS', k],
              zset: (k) => ['ZRANGE', k, '0', '-1', 'WITHSCORES'],
              stream: (k) => ['XRANGE', k, '-', '+'],
            };
            const dump = async () => {
              const keys = (await raw(['KEYS', `${prefix}*`])) as string[];
              const out: string[] = [];
              for (const k of keys) out.push(k, JSON.stringify(await raw(read[String(await raw(['TYPE', k]))]!(k))));
              return out.join('\n');
            };
            return { store, dump, close: async () => void (await store.close(), await close()) };
          },
        },
      ]
    : []),
];

/** The secret and the encodings a careless store would keep it in. */
const encodings = (secret: string) => {
  const bytes = Buffer.from(secret, 'utf8');
  const body = secret.slice(secret.lastIndexOf('_') + 1);
  return [
    secret,
    body,
    body.slice(0, 12),
    body.slice(-12),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    encodeURIComponent(secret),
  ];
};

for (const backend of storages) {
  describe(`Comma: tokens are stored hashed server-side (${backend.name})`, () => {
    let storage: Storage;
    let api: ManagementClient;
    let base = '';
    let close: () => Promise<void>;
    let flush: () => Promise<void>;

    beforeAll(async () => {
      storage = await backend.open();
      const keycard = createKeycard({
        prefix: 'comma',
        scopes: defineScopes({ 'reports:read': {}, 'reports:write': {} }),
        store: storage.store,
        ...(storage.audit ? { audit: storage.audit } : {}),
      });
      const manage = createManagementHandler(keycard, {
        basePath: '/api/tokens',
        ...(storage.audit ? { auditStore: storage.audit } : {}),
        authorize: async (req) =>
          req.headers.get('cookie') === 'sid=ana'
            ? { kind: 'user', id: 'u_ana', scopes: ['reports:read', 'reports:write'] }
            : null,
      });
      const guard = expressGuard(keycard);
      const app = express();
      app.use('/api/tokens', expressHandler(manage));
      app.get('/api/v1/reports', guard({ scope: 'reports:read' }), (_req, res) => void res.json([]));
      flush = () => keycard.flush();
      const served = await serveWalk(app, 'ana', keycard);
      ({ api, base } = served);
      close = async () => {
        await served.close();
        await storage.close();
      };
    }, 60_000); // PGlite's first start takes seconds on a loaded machine
    afterAll(() => close());

    it('create, use, rotate, revoke: the stored rows hold the records, never a secret in any encoding', async () => {
      const first = await api.create({ label: 'claude-code', scopes: ['reports:read'] });
      const reports = (token: string) =>
        fetch(`${base}/api/v1/reports`, { headers: { authorization: `Bearer ${token}` } });
      expect((await reports(first.token)).status).toBe(200);
      const next = await api.rotate(first.record.id, { graceMs: 60_000 });
      expect((await reports(next.token)).status).toBe(200);
      await api.revoke(first.record.id, { reason: 'rotated' });
      expect((await reports(first.token)).status).toBe(401);
      for (const view of [await api.get(next.record.id), (await api.list({ status: 'all' })).data])
        expect(JSON.stringify(view)).not.toContain(next.token);

      await flush(); // the audit store's batched rows too
      const dump = await storage.dump();
      if (storage.audit) expect(dump).toContain('token.rotated');
      expect(dump).toContain(first.record.id);
      expect(dump).toContain(next.record.id);
      for (const secret of [first.token, next.token])
        for (const encoded of encodings(secret))
          expect(dump, `the store holds ${secret} as ${encoded}`).not.toContain(encoded);
    });
  });
}
