/**
 * Every audit store backend this repository has, for the law tests (test/audit-laws*.test.ts):
 * memory, Postgres on PGlite, and a Postgres server when DATABASE_URL is set (its own schema,
 * dropped after). One database per backend for a whole file; runs keep apart by a run id in
 * every token, owner, workspace and actor id.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import { memoryAuditStore } from '../src/core/audit-memory.ts';
import { AuditLossError, type AuditRequestsMode, type AuditStore } from '../src/core/audit-store.ts';
import { fromPg, fromPglite, migrate, postgresAuditStore, type SqlPort } from '../src/stores/postgres.ts';
import { randomHex } from '../src/testing/fixtures.ts';

export interface OpenOptions {
  readonly requests: AuditRequestsMode;
  readonly now: () => number;
  readonly onError?: (e: Error) => void;
  /** Postgres only: how long close() waits for held events. */
  readonly closeTimeoutMs?: number;
  /** Postgres only: batches in flight at once (1: a batch that fails holds up every later one). */
  readonly concurrency?: number;
}
export type Open = (o: OpenOptions) => Promise<AuditStore>;

/** Each backend's name and opener, and `closeAll` for afterAll. */
export function auditBackends(): {
  backends: [string, Open][];
  warm: () => Promise<void>;
  closeAll: () => Promise<void>;
} {
  const cleanups: (() => Promise<void>)[] = [];
  const pgStore = (port: SqlPort, o: OpenOptions) =>
    postgresAuditStore(port, {
      requests: o.requests,
      onError: o.onError ?? (() => {}),
      closeTimeoutMs: o.closeTimeoutMs ?? 3_000,
      ...(o.concurrency !== undefined && { concurrency: o.concurrency }),
      clock: { now: o.now, monotonic: o.now },
    });
  let lite: Promise<SqlPort> | undefined;
  let server: Promise<SqlPort> | undefined;
  const backends: [string, Open][] = [
    ['memory', async (o) => memoryAuditStore({ requests: o.requests, clock: { now: o.now, monotonic: o.now } })],
    [
      'PGlite',
      async (o) => {
        const port = await (lite ??= (async () => {
          const db = new PGlite();
          cleanups.push(() => db.close());
          const p = fromPglite(db);
          await migrate(p);
          return p;
        })());
        return pgStore(port, o);
      },
    ],
  ];
  const url = process.env['DATABASE_URL'];
  if (url)
    backends.push([
      'Postgres server',
      async (o) => {
        const port = await (server ??= (async () => {
          const p = await schemaPort(url, 'keycard_al', cleanups);
          await migrate(p);
          return p;
        })());
        return pgStore(port, o);
      },
    ]);
  else console.warn('[keycard] DATABASE_URL is not set: the audit laws run on memory and PGlite only.');
  return {
    backends,
    // Opens each once, so the first property run does not pay for a cold database (PGlite's
    // start holds the event loop for seconds, longer than a close() bound).
    warm: async () => {
      for (const [, open] of backends) await (await open({ requests: 'all', now: Date.now })).close();
    },
    closeAll: async () => {
      for (const c of cleanups.reverse()) await c();
    },
  };
}

/**
 * A pool on the Postgres server at `url` in a fresh schema of its own (`<prefix>_<hex>`), as a port;
 * the pool ends and the schema is dropped by the cleanup it pushes onto `cleanups`.
 */
export async function schemaPort(url: string, prefix: string, cleanups: (() => Promise<void>)[]): Promise<SqlPort> {
  const schema = `${prefix}_${randomHex(4)}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = new pg.Pool({ connectionString: url, max: 5, options: `-c search_path=${schema}` });
  pool.on('error', () => {});
  cleanups.push(async () => {
    await pool.end();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });
  return fromPg(pool);
}

/**
 * Openers of a fresh SQL port per call: PGlite always, and a Postgres server in a schema of its
 * own (`<prefix>_<hex>`) when DATABASE_URL is set, else a warning naming `what` is asked of PGlite
 * only. Each opened port is closed by a cleanup pushed onto `cleanups`; run them in `afterAll`.
 */
export function sqlPorts(
  prefix: string,
  what: string,
  cleanups: (() => Promise<void>)[],
): [string, () => Promise<SqlPort>][] {
  const ports: [string, () => Promise<SqlPort>][] = [
    [
      'PGlite',
      async () => {
        const db = new PGlite();
        cleanups.push(() => db.close());
        return fromPglite(db);
      },
    ],
  ];
  const url = process.env['DATABASE_URL'];
  if (url) ports.push(['Postgres server', () => schemaPort(url, prefix, cleanups)]);
  else console.warn(`[keycard] DATABASE_URL is not set: ${what} asked of PGlite only.`);
  return ports;
}

/** The clock of the value laws (test/audit-laws-values, audit-laws-shapes): 2030-06-01T12:00Z. */
export const LAW_NOW = Date.UTC(2030, 5, 1, 12);

/** A rate-limit denial of run `run`, its `i`th event (label `e<i>`), with `extra` over it. */
export const lawDenial = (run: string, i: number, extra: Record<string, unknown> = {}): AuditEvent =>
  ({
    type: 'request.denied',
    time: new Date(LAW_NOW + i).toISOString(),
    tokenId: `${run}-tok`,
    label: `e${i}`,
    ownerId: `${run}-usr`,
    workspaceId: `${run}-ws`,
    surface: 'http',
    method: 'GET',
    path: '/',
    requestId: `${run}-r${i}`,
    reason: 'rate_limited',
    ...extra,
  }) as AuditEvent;

/** A `token.issued` event of `run` at `LAW_NOW`, labelled `label`, by the user `actorId` (any value). */
export const lawIssued = (run: string, label: string, actorId: unknown): AuditEvent =>
  ({
    type: 'token.issued',
    time: new Date(LAW_NOW).toISOString(),
    tokenId: `${run}-tok`,
    label,
    ownerId: `${run}-usr`,
    workspaceId: `${run}-ws`,
    actor: { kind: 'user', id: actorId },
  }) as AuditEvent;

/** How many events the `AuditLossError`s among `errors` say were lost. */
export const lostOf = (errors: readonly Error[]): number =>
  errors.filter((e) => e instanceof AuditLossError).reduce((n, e) => n + (e as AuditLossError).lost, 0);

/**
 * A value-law file's backends (warmed before its tests, closed after them), its property run
 * count, and run ids beginning with `prefix` (runs keep apart by them in one database).
 */
export function lawFile(prefix: string) {
  const { backends, warm, closeAll } = auditBackends();
  beforeAll(warm, 120_000);
  afterAll(closeAll);
  let n = 0;
  return {
    backends,
    RUNS: Number(process.env['KEYCARD_AUDIT_LAW_RUNS'] ?? 40),
    runId: () => `${prefix}${(n++).toString(36)}x${Math.random().toString(36).slice(2, 7)}`,
  };
}
