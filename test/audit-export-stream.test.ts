/**
 * Audit export attacked (SPEC §14): it must stream (a page read only when the consumer took the
 * previous one), stop reading when the consumer cancels (an HTTP client that hangs up), and write
 * any value — quotes, CR/LF, NUL, lone surrogates, formula openers, a megabyte — as one RFC 4180
 * cell a spreadsheet shows as text. Memory store, PGlite, and the real Postgres when DATABASE_URL
 * is set (`bash scripts/with-servers.sh npx vitest run test/audit-export-stream.test.ts`).
 */
import { PGlite } from '@electric-sql/pglite';
import { fc, test } from '@fast-check/vitest';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import { AUDIT_CSV_COLUMNS, csvField, exportAudit, type ExportPager } from '../src/core/audit-export.ts';
import type { AuditStore, StoredAuditEvent } from '../src/core/audit-store.ts';
import { wellFormed } from '../src/core/well-formed.ts';
import { memoryAuditStore } from '../src/index.ts';
import { fromPg, fromPglite, migrate, postgresAuditStore, type SqlPort } from '../src/stores/postgres.ts';
import { defusedCsvText, parseCsv } from '../src/testing/audit-store-suite-csv.ts';

const issued = (i: number, label: string, ws = 'ws_exp'): AuditEvent => ({
  type: 'token.issued',
  time: new Date(Date.UTC(2031, 0, 1) + i).toISOString(),
  tokenId: `tok_${i}`,
  label,
  ownerId: 'usr_exp',
  workspaceId: ws,
  actor: { kind: 'user', id: 'usr_exp' },
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('exportAudit: pull-based, and cancel stops the reads', () => {
  /** A pager over an endless log, counting its calls; `gate` holds a page back until released. */
  const endless = () => {
    const state = { calls: 0, release: null as (() => void) | null, hold: false };
    const pager: ExportPager = async (_f, cursor) => {
      state.calls++;
      if (state.hold) await new Promise<void>((resolve) => (state.release = resolve));
      const from = cursor === null ? 0 : Number(cursor);
      const events = Array.from(
        { length: 3 },
        (_, i) => ({ ...issued(from + i, `l${from + i}`), id: `ev_${from + i}` }) as StoredAuditEvent,
      );
      return { events, nextCursor: String(from + 3) };
    };
    return { state, pager };
  };

  it('reads a page only when the consumer took the previous one', async () => {
    const { state, pager } = endless();
    const reader = exportAudit(pager, {}, 'ndjson').getReader();
    await tick();
    expect(state.calls).toBeLessThanOrEqual(1); // one page ahead at most
    for (let i = 0; i < 5; i++) await reader.read();
    await tick();
    expect(state.calls).toBeLessThanOrEqual(6);
    await reader.cancel();
    const after = state.calls;
    await tick();
    expect(state.calls).toBe(after);
  });

  it('a cancel while a page is in flight: no error escapes, and no page is read after it', async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => void rejections.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      const { state, pager } = endless();
      const reader = exportAudit(pager, {}, 'csv').getReader();
      await reader.read(); // header and the first page
      state.hold = true;
      const pending = reader.read(); // asks for the next page, held in flight
      await tick();
      const calls = state.calls;
      await reader.cancel();
      expect((await pending).done).toBe(true);
      state.release!(); // the page arrives after the cancel
      await tick();
      expect(state.calls).toBe(calls);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('refuses cursor, limit, a bad format or a bad filter at the call, naming the field', () => {
    const { pager } = endless();
    expect(() => exportAudit(pager, { cursor: 'x' } as never, 'csv')).toThrow(/cursor and limit/);
    expect(() => exportAudit(pager, {}, 'xlsx' as never)).toThrow(/format/);
    const s = memoryAuditStore();
    expect(() => s.export({ since: 'yesterday' }, 'csv')).toThrow(/since/);
    expect(() => s.export({ types: ['token.issued', 'DROP TABLE'] as never }, 'ndjson')).toThrow(/types/);
    expect(() => s.export({ tokenId: 'x'.repeat(513) }, 'ndjson')).toThrow(/tokenId/);
  });
});

/** Every value as one cell: the label cell of each CSV record, and the label of each NDJSON line. */
async function labelsOf(s: AuditStore, ws: string) {
  const csv = parseCsv(await new Response(s.export({ workspaceId: ws, order: 'asc' }, 'csv')).text());
  const col = csv[0]!.indexOf('label');
  const ndjson = (await new Response(s.export({ workspaceId: ws, order: 'asc' }, 'ndjson')).text())
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { label: string }).label);
  return { records: csv.slice(1), csv: csv.slice(1).map((r) => r[col]!), ndjson, width: csv[0]!.length };
}

const FORMULA = /^[=+\-@\t\r]/;
const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', "'", '\u0000', '\ud800', 'a') }),
);

describe('csvField', () => {
  it('quotes a leading NUL too (OWASP ASVS 1.2.10 lists it with = + - @ TAB), for a store that keeps one', () => {
    expect(csvField('\u0000=cmd|"/C calc"!A0')).toBe(`"'\u0000=cmd|""/C calc""!A0"`);
    expect(csvField('\u0000')).toBe("'\u0000");
  });
});

describe('CSV loses no field of any event type', () => {
  const base = {
    time: '2031-01-01T00:00:00.000Z',
    tokenId: 'tok_1',
    label: 'ci',
    ownerId: 'usr_1',
    workspaceId: 'ws_1',
  };
  const actor = { kind: 'system', id: 'github' } as const;
  const events: AuditEvent[] = [
    {
      ...base,
      type: 'token.revoked',
      actor,
      reason: 'leaked',
      leak: {
        provider: 'github',
        type: 'acme_api_token',
        url: 'https://github.com/o/r/blob/1/.env',
        source: 'content',
      },
    },
    {
      ...base,
      type: 'management.denied',
      actor: { kind: 'user', id: 'usr_2' },
      route: 'POST /tokens/:id/revoke',
      code: 'forbidden',
      status: 403,
      requestId: 'req-1',
    },
    {
      ...base,
      type: 'device.approved',
      actor: { kind: 'user', id: 'usr_1' },
      grantId: 'dg_1',
      scopes: ['read', 'write'],
    },
    { ...base, type: 'token.updated', actor: { kind: 'user', id: 'usr_1' }, changes: ['label', 'scopes'] },
    { ...base, type: 'token.rotated', actor: { kind: 'token', id: 'tok_0' }, rotatedFromId: 'tok_0', count: 1 },
    {
      ...base,
      type: 'request.denied',
      surface: 'mcp',
      method: 'POST',
      path: '/mcp',
      requestId: 'r2',
      reason: 'insufficient_scope',
      missing: ['write'],
      count: 3,
      degraded: true,
      rpcMethod: 'tools/call',
      tool: 'delete',
      tokenKind: 'oauth',
    },
  ];
  /** Each leaf of an event as the column that should hold it: `actor.kind` → actorKind, `leak.url` → leakUrl. */
  const leaves = (e: Record<string, unknown>) =>
    Object.entries(e).flatMap(([k, v]) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.entries(v).map(([k2, v2]) => [`${k}${k2[0]!.toUpperCase()}${k2.slice(1)}`, v2] as const)
        : [[k, v] as const],
    );

  it('every field of every event type has a column holding its value', async () => {
    const s = memoryAuditStore({ requests: 'all' });
    await s.append(events);
    const csv = parseCsv(await new Response(s.export({ order: 'asc' }, 'csv')).text());
    const header = csv[0]!;
    const stored = (await s.query({ order: 'asc' })).events;
    expect(csv).toHaveLength(stored.length + 1);
    for (const [i, e] of stored.entries()) {
      for (const [column, value] of leaves(e as unknown as Record<string, unknown>)) {
        expect(header, `${e.type}: ${column}`).toContain(column);
        expect(parseCsv(csvField(value))[0]?.[0] ?? '', `${e.type}: ${column}`).toBe(
          csv[i + 1]![header.indexOf(column)],
        );
      }
    }
  });
});

describe('CSV and NDJSON hold any value as one cell (memory store)', () => {
  test.prop([fc.array(hostile, { minLength: 1, maxLength: 20 })], { numRuns: 100 })(
    'each label round-trips through an RFC 4180 reader, formula openers prefixed with a quote',
    async (labels) => {
      const s = memoryAuditStore();
      await s.append(labels.map((l, i) => issued(i, l)));
      const got = await labelsOf(s, 'ws_exp');
      const kept = labels.map(wellFormed);
      expect(got.records.every((r) => r.length === got.width)).toBe(true);
      expect(got.csv).toEqual(kept.map(defusedCsvText));
      expect(got.csv.some((c) => FORMULA.test(c))).toBe(false);
      expect(got.ndjson).toEqual(kept);
    },
  );
});

const pgUrl = process.env['DATABASE_URL'];
const pool = pgUrl ? new pg.Pool({ connectionString: pgUrl, max: 4 }) : null;
pool?.on('error', () => {});
const lite = new PGlite();
afterAll(async () => {
  await pool?.end();
  await lite.close();
});
const ports: [string, SqlPort][] = [['PGlite', fromPglite(lite)]];
if (pool) ports.push(['the Postgres server', fromPg(pool)]);

describe.each(ports)('postgresAuditStore export on %s', (_name, inner) => {
  let queries = 0;
  const port: SqlPort = {
    ...inner,
    query: (text, params) => {
      queries++;
      return inner.query(text, params);
    },
  };
  const ready = migrate(inner);

  it('a cancelled export runs no further query', async () => {
    await ready;
    const s = postgresAuditStore(port, { onError: () => {} });
    const ws = `ws_cancel_${Math.random().toString(36).slice(2)}`;
    await s.append(Array.from({ length: 4_100 }, (_, i) => issued(i, `l${i}`, ws))); // three internal pages
    queries = 0;
    const reader = s.export({ workspaceId: ws }, 'ndjson').getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value).split('\n').filter(Boolean)).toHaveLength(2_000);
    await reader.cancel();
    const after = queries;
    await tick();
    expect(after).toBeLessThanOrEqual(2);
    expect(queries).toBe(after);
    await s.close();
  });

  it('a megabyte label, NUL, lone surrogates, CRLF, quotes and formula openers: one cell each', async () => {
    await ready;
    const s = postgresAuditStore(port, { onError: () => {} });
    const ws = `ws_vals_${Math.random().toString(36).slice(2)}`;
    const labels = ['x'.repeat(1 << 20), 'a\u0000b', '\ud800x\udc00', 'a\r\nb,"c"', '=cmd|" /C calc"!A0', '@SUM(1)'];
    await s.append(labels.map((l, i) => issued(i, l, ws)));
    const got = await labelsOf(s, ws);
    const kept = labels.map(wellFormed);
    expect(got.records.every((r) => r.length === got.width)).toBe(true);
    expect(got.csv).toEqual(kept.map(defusedCsvText));
    expect(got.ndjson).toEqual(kept);
    // A hostile filter value is a parameter, never SQL: it matches nothing and fails nothing.
    for (const tokenId of ["' OR 1=1 --", '%', '_', '\\', 'tok_\u0000'])
      expect(await new Response(s.export({ tokenId }, 'csv')).text()).toBe(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
    await s.close();
  });
});
