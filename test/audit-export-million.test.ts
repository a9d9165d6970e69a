/**
 * Export of 1,000,000 events in bounded memory (issue 18): rows are generated server-side, the
 * export is streamed through csv-parse (a standard RFC 4180 parser) record by record, and peak
 * RSS is sampled. Gated: set KEYCARD_AUDIT_EXPORT_1M=1 with DATABASE_URL (it takes a minute or two).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parse } from 'csv-parse';
import pg from 'pg';
import { expect, it } from 'vitest';
import { AUDIT_CSV_COLUMNS } from '../src/core/audit-export.ts';
import { fromPg, migrate, postgresAuditStore } from '../src/stores/postgres.ts';

const url = process.env['DATABASE_URL'];
const wanted = Boolean(url && process.env['KEYCARD_AUDIT_EXPORT_1M']);
const N = Number(process.env['KEYCARD_AUDIT_EXPORT_N'] ?? 1_000_000);

it.skipIf(!wanted)(
  `exports ${N.toLocaleString('en')} events as CSV in bounded memory, and csv-parse reads every record back`,
  async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      await migrate(fromPg(pool));
      const ws = `ws_export_${Date.now()}`;
      const start = Date.UTC(2032, 0, 1);
      const store = postgresAuditStore(fromPg(pool), { onError: () => {} });
      await pool.query("SELECT keycard_audit_partition('2032-01-01')");
      // Server-side generation: the point is the export, not the insert path (measured in bench/).
      await pool.query(
        `INSERT INTO keycard_audit_events (id, at, type, token_id, owner_id, workspace_id, actor_id, request_id, data)
       SELECT id, at, 'request.denied', 'tok_export', 'usr_export', $1::text, NULL, 'req-' || g, jsonb_build_object(
         'id', id, 'time', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'type', 'request.denied',
         'tokenId', 'tok_export', 'label', 'nightly, "ci"' || chr(10) || 'job ' || g, 'ownerId', 'usr_export', 'workspaceId', $1::text,
         'surface', 'http', 'method', 'GET', 'path', '/v1/items/' || g, 'requestId', 'req-' || g, 'reason', 'rate_limited', 'count', 1 + g % 7)
       FROM generate_series(1, $2::int) AS g,
            LATERAL (SELECT 'ev_' || lpad(g::text, 12, '0') AS id, to_timestamp(($3::float8 + g) / 1000) AS at) x`,
        [ws, N, start],
      );
      const base = process.memoryUsage().rss;
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const parser = Readable.fromWeb(
        store.export({ workspaceId: ws, order: 'asc' }, 'csv') as unknown as NodeReadableStream<Uint8Array>,
      ).pipe(parse({ bom: false }));
      let records = 0;
      let header: string[] | undefined;
      let last = '';
      const began = Date.now();
      for await (const row of parser as AsyncIterable<string[]>) {
        if (!header) {
          header = row;
          continue;
        }
        records++;
        if (records === 1 || records === N) expect(row[header.indexOf('label')]).toBe(`nightly, "ci"\njob ${records}`);
        expect(row[0]! > last).toBe(true);
        last = row[0]!;
      }
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      console.log(
        `[export] ${records} records in ${((Date.now() - began) / 1000).toFixed(1)} s; RSS before ${(base / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB (+${((peak - base) / 2 ** 20).toFixed(0)} MiB)`,
      );
      expect(header).toEqual([...AUDIT_CSV_COLUMNS]);
      expect(records).toBe(N);
      expect(peak - base).toBeLessThan(150 * 2 ** 20); // the CSV itself is ~200 MB
      await pool.query('DELETE FROM keycard_audit_events WHERE workspace_id = $1', [ws]);
      await store.close();
    } finally {
      await pool.end();
    }
  },
  600_000,
);
