import { PGlite } from '@electric-sql/pglite';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/audit.ts';
import { AuditLossError } from '../core/audit-store.ts';
import { auditStoreConformance } from '../testing/audit-store-suite.ts';
import { AUDIT_SCHEMA_SQL, splitAuditStatements } from './postgres-audit-sql.ts';
import { fromPglite, migrate, postgresAuditStore, type SqlPort } from './postgres.ts';

const db = new PGlite();
const port = fromPglite(db);
const migrated = migrate(port);
afterAll(() => db.close());

auditStoreConformance(
  'postgres on PGlite',
  { describe, it, expect },
  async ({ requests, clock }) => {
    await migrated;
    return postgresAuditStore(port, { requests, clock: { now: clock.now, monotonic: clock.now }, onError: () => {} });
  },
  { fc, runs: 25 },
);

const event = (i: number, time = new Date(Date.UTC(2031, 0, 1) + i).toISOString()): AuditEvent => ({
  type: 'request.denied',
  time,
  tokenId: 'tok_pgl',
  label: 'l',
  ownerId: 'usr_pgl',
  workspaceId: 'ws_pgl_writer',
  surface: 'http',
  method: 'GET',
  path: '/',
  requestId: `w-${i}`,
  reason: 'invalid_token',
});

describe('postgresAuditStore on PGlite', () => {
  it('write never throws, also when it reports an event it refuses to an onError that throws', async () => {
    await migrated;
    const s = postgresAuditStore(port, {
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect(() => s.write({ type: 'nope' } as unknown as AuditEvent)).not.toThrow(); // threw 'logger down'
    s.write(event(0, new Date(Date.UTC(2031, 1, 1)).toISOString()));
    await s.close();
  });

  it('refuses bad options naming the field, and a port that is not one', () => {
    expect(() => postgresAuditStore(port, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => postgresAuditStore(port, { nope: 1 } as never)).toThrow(/postgresAuditStore/);
    expect(() => postgresAuditStore({} as SqlPort)).toThrow(/first argument must be a SqlPort/);
  });

  it('migrate runs again without changing anything, also statement by statement (a port without exec)', async () => {
    await migrated;
    await migrate(port);
    const statements = splitAuditStatements(AUDIT_SCHEMA_SQL);
    expect(statements.some((s) => s.includes('$fn$') && s.includes('END'))).toBe(true);
    await migrate({ query: port.query });
  });

  it('writes batches, never one round trip per event', async () => {
    await migrated;
    let inserts = 0;
    const counting: SqlPort = {
      ...port,
      query: (text, params) => (
        text.includes('INSERT INTO keycard_audit_batches') && inserts++,
        port.query(text, params)
      ),
    };
    const store = postgresAuditStore(counting, { batchSize: 100, onError: () => {} });
    for (let i = 0; i < 1_000; i++) store.write(event(i));
    await store.flush();
    expect(inserts).toBeLessThanOrEqual(10 + 2);
    expect((await store.query({ workspaceId: 'ws_pgl_writer', limit: 500 })).events.length).toBe(500);
    await store.close();
  });

  it('a failing database: events are held to the bound, the rest counted lost and reported; recovery writes each held event once', async () => {
    await migrated;
    let down = true;
    const flaky: SqlPort = {
      ...port,
      query: (text, params) =>
        down && text.includes('keycard_audit_batches')
          ? Promise.reject(new Error('connection refused'))
          : port.query(text, params),
    };
    const errors: Error[] = [];
    const store = postgresAuditStore(flaky, { queueSize: 300, batchSize: 50, onError: (e) => errors.push(e) });
    const ws = `ws_flaky_${Math.random().toString(36).slice(2)}`;
    for (let i = 0; i < 1_000; i++) store.write({ ...event(i), workspaceId: ws });
    await new Promise((r) => setTimeout(r, 50));
    down = false;
    await store.flush();
    const lost = errors.filter((e): e is AuditLossError => e instanceof AuditLossError).reduce((n, e) => n + e.lost, 0);
    expect(lost).toBe(700);
    const rows = await db.query<{ n: number; d: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT request_id)::int AS d FROM keycard_audit_events WHERE workspace_id = $1',
      [ws],
    );
    expect(rows.rows[0]).toEqual({ n: 300, d: 300 });
    expect(errors.some((e) => /answers again/.test(e.message))).toBe(true);
    await store.close();
  });

  it('a batch whose commit was not acknowledged is retried without writing anything twice (events or roll-up)', async () => {
    await migrated;
    let failNextAfterCommit = true;
    const lying: SqlPort = {
      ...port,
      async query(text, params) {
        const result = await port.query(text, params);
        if (failNextAfterCommit && text.includes('keycard_audit_batches')) {
          failNextAfterCommit = false;
          throw new Error('connection reset after commit');
        }
        return result;
      },
    };
    const store = postgresAuditStore(lying, { requests: 'all', onError: () => {} });
    const tok = `tok_retry_${Math.random().toString(36).slice(2)}`;
    const now = new Date().toISOString();
    for (let i = 0; i < 10; i++)
      store.write({ ...event(i, now), type: 'request.allowed', reason: undefined, tokenId: tok } as AuditEvent);
    await store.flush();
    expect((await store.query({ tokenId: tok })).events.length).toBe(10);
    expect((await store.usage(tok, { days: 1 })).map((u) => u.allowed)).toEqual([10]);
    await store.close();
  });

  it('prune drops whole partitions', async () => {
    await migrated;
    const store = postgresAuditStore(port, { onError: () => {} });
    await store.append([event(0, '1999-05-10T00:00:00.000Z')]);
    const has = async () =>
      (
        await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'keycard_audit_events_p199905'",
        )
      ).rows[0]!.n;
    expect(await has()).toBe(1);
    await store.prune('1999-06-01T00:00:00Z');
    expect(await has()).toBe(0);
    await store.close();
  });
});
