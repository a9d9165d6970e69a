/**
 * The audit store on a real Postgres server (issue 18): the AuditStore conformance suite through
 * node-postgres, and the fault test — the server stopped mid-load, then started: the events lost
 * equal the count reported through onError, and nothing is written twice. The fault test starts its
 * OWN server (scripts/postgres-server.sh) so it can stop it. Runs when DATABASE_URL is set.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLossError, createKeycard, defineScopes, memoryLimiter, memoryTokenStore } from '../src/index.ts';
import { fromPg, migrate, postgresAuditStore } from '../src/stores/postgres.ts';
import { auditStoreConformance } from '../src/testing/audit-store-suite.ts';

const url = process.env['DATABASE_URL'];
if (!url) console.warn('[keycard] DATABASE_URL is not set: skipping the Postgres audit store tests.');

describe.skipIf(!url)('audit store on the Postgres server (DATABASE_URL)', () => {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});
  let migrated: Promise<void> | undefined;
  afterAll(() => pool.end());
  auditStoreConformance(
    'postgres server',
    { describe, it, expect },
    async ({ requests, clock }) => {
      await (migrated ??= migrate(fromPg(pool)));
      return postgresAuditStore(fromPg(pool), {
        requests,
        clock: { now: clock.now, monotonic: clock.now },
        onError: () => {},
      });
    },
    { fc, runs: 25 },
  );
});

const script = fileURLToPath(new URL('../scripts/postgres-server.sh', import.meta.url));
const server = (...args: string[]) => execFileSync('bash', [script, ...args], { encoding: 'utf8', timeout: 60_000 });

describe.skipIf(!url)('audit store: Postgres stopped mid-load, then started', () => {
  for (const mode of ['fast', 'immediate'] as const) {
    it(`pg_ctl stop -m ${mode}: requests unaffected; lost == reported; nothing written twice`, async () => {
      const out = server('start');
      const ownUrl = /DATABASE_URL=(\S+?);/.exec(out)![1]!;
      const dir = /KEYCARD_PG_DIR=(\S+?);/.exec(out)![1]!;
      const pool = new pg.Pool({
        connectionString: ownUrl,
        max: 4,
        connectionTimeoutMillis: 500,
        query_timeout: 2_000,
      });
      pool.on('error', () => {});
      try {
        await migrate(fromPg(pool));
        const errors: Error[] = [];
        const audit = postgresAuditStore(fromPg(pool), {
          requests: 'all',
          queueSize: 2_000,
          batchSize: 200,
          onError: (e) => errors.push(e),
        });
        const keycard = createKeycard({
          prefix: 'acme',
          scopes: defineScopes({ read: {} }, { defaults: ['read'] }),
          store: memoryTokenStore(),
          limiter: memoryLimiter(),
          rateLimit: { limit: 1_000_000, window: 1 },
          audit,
          onWarning: () => {},
        });
        const { token, record } = await keycard.issue({ ownerId: 'usr_fault', label: 'load' });
        const request = () =>
          keycard.authenticate(new Request('http://127.0.0.1/x', { headers: { authorization: `Bearer ${token}` } }));
        let sent = 0;
        const burst = async (n: number) => {
          for (let i = 0; i < n; i++) {
            const r = await request();
            expect(r.ok).toBe(true); // a dead audit database costs the request nothing
            sent++;
            if (i % 50 === 49) await new Promise((r) => setImmediate(r)); // let the writer run, as a server's I/O would
          }
        };
        await burst(1_500);
        server('halt', dir, mode);
        await burst(5_000); // more than the bound while the server is down
        server('resume', dir);
        await burst(1_500);
        await audit.flush(); // every event written, or dropped and reported
        await keycard.close();
        await audit.close();
        if (process.env['KEYCARD_DEBUG']) console.log(errors.map((e) => e.message));
        const lost = errors
          .filter((e): e is AuditLossError => e instanceof AuditLossError)
          .reduce((n, e) => n + e.lost, 0);
        const r = await pool.query<{ rows: number; distinct: number; rolled: number }>(
          `SELECT (SELECT count(*) FROM keycard_audit_events WHERE token_id = $1 AND type = 'request.allowed')::int AS rows,
                  (SELECT count(DISTINCT request_id) FROM keycard_audit_events WHERE token_id = $1 AND type = 'request.allowed')::int AS distinct,
                  (SELECT coalesce(sum(allowed), 0) FROM keycard_audit_usage WHERE token_id = $1)::int AS rolled`,
          [record.id],
        );
        const { rows, distinct, rolled } = r.rows[0]!;
        console.log(`[fault ${mode}] sent ${sent}, written ${rows}, lost (reported) ${lost}`);
        expect(lost).toBeGreaterThan(0);
        expect(rows + lost).toBe(sent);
        expect(distinct).toBe(rows);
        expect(rolled).toBe(rows);
      } finally {
        await pool.end();
        server('stop', dir);
      }
    }, 120_000);
  }
});
