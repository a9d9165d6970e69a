/** The `AuditStore` export law: every event streamed as NDJSON and as RFC 4180 CSV. */
import { AUDIT_CSV_COLUMNS } from '../core/audit-export.ts';
import type { AuditFilter, AuditStore, StoredAuditEvent } from '../core/audit-store.ts';
import { defusedCsvText, parseCsv } from './audit-store-suite-csv.ts';
import { seededRandom } from './limiter-model.ts';
import { all, type AuditSuiteContext } from './audit-store-suite-helpers.ts';

/**
 * What the CSV cell of `column` holds for `event` (docs/audit.md): `actorKind` is `actor.kind` (and
 * `leakUrl` is `leak.url`), a list is joined by a space, an object is its JSON, null or absent is
 * empty, and a formula opener where a spreadsheet would start a cell gets a `'` ({@link defusedCsvText}).
 */
function csvCell(event: StoredAuditEvent, column: string): string {
  const e = event as unknown as Record<string, unknown>;
  const nested = /^(actor|leak)([A-Z])(\w*)$/.exec(column);
  const value = nested
    ? (e[nested[1]!] as Record<string, unknown> | undefined)?.[nested[2]!.toLowerCase() + nested[3]!]
    : e[column];
  const text = (v: unknown): string =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const s = Array.isArray(value) ? value.map(text).join(' ') : text(value);
  return defusedCsvText(s);
}

/** The export of `filter` in `format`, as text. */
const exported = (s: AuditStore, filter: AuditFilter, format: 'ndjson' | 'csv') =>
  new Response(s.export(filter, format)).text();
const lines = (ndjson: string) =>
  ndjson
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);

/**
 * Registers the export law (runnable alone with `auditSuiteContext`): NDJSON and CSV streams hold
 * the events a query returns, in order, a label with quotes, commas and CRLF included; the CSV's
 * columns are `AUDIT_CSV_COLUMNS`, each cell its event's field; any filter selects as in `query`.
 */
export function exportSection(ctx: AuditSuiteContext): void {
  const { t, withStore, seed } = ctx;
  t.it(
    'export streams every event as NDJSON and as RFC 4180 CSV',
    withStore('all', async (s, h) => {
      const tricky = 'ci, "nightly"\r\nline two';
      const events = [...h.mixed(seededRandom(seed + 1), 25), { ...h.issued(99, 'user', 'usr_x'), label: tricky }];
      await s.append(events);
      const want = await all(s, { workspaceId: h.ws, order: 'asc' });
      const ndjson = await new Response(s.export({ workspaceId: h.ws, order: 'asc' }, 'ndjson')).text();
      t.expect(ndjson.endsWith('\n')).toBe(true);
      t.expect(
        ndjson
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual(want);
      const csv = parseCsv(await new Response(s.export({ workspaceId: h.ws, order: 'asc' }, 'csv')).text());
      const header = csv[0]!;
      t.expect(header.slice(0, 3)).toEqual(['id', 'time', 'type']);
      t.expect(csv.slice(1).map((r) => r.slice(0, 3))).toEqual(want.map((e) => [e.id, e.time, e.type]));
      t.expect(csv.slice(1).map((r) => r[header.indexOf('label')])).toEqual(want.map((e) => e.label ?? ''));
      t.expect(csv.at(-1)![header.indexOf('label')]).toBe(tricky);
      // The columns are AUDIT_CSV_COLUMNS, and every cell holds its event's field: the CSV loses nothing.
      t.expect(header).toEqual([...AUDIT_CSV_COLUMNS]);
      t.expect(csv.slice(1)).toEqual(want.map((e) => header.map((column) => csvCell(e, column))));
    }),
  );
  t.it(
    'export holds exactly what query selects with the same filter, in both formats',
    withStore('all', async (s, h) => {
      const events = h.mixed(seededRandom(seed + 2), 40);
      await s.append(events);
      const filters: AuditFilter[] = [
        { tokenId: h.token(1), order: 'asc' },
        { workspaceId: h.ws, types: ['request.denied', 'token.revoked'] },
        { workspaceId: h.ws, since: h.at(10), until: h.at(30), order: 'asc' },
      ];
      for (const filter of filters) {
        const want = await all(s, filter);
        t.expect({ filter, selects: want.length > 0 && want.length < events.length }).toEqual({
          filter,
          selects: true,
        });
        t.expect(lines(await exported(s, filter, 'ndjson'))).toEqual(want);
        const ids = parseCsv(await exported(s, filter, 'csv'))
          .slice(1)
          .map((r) => r[0]);
        t.expect(ids).toEqual(want.map((e) => e.id));
      }
    }),
  );
  t.it(
    'CSV export defuses spreadsheet formulas: = + - @ TAB or CR opening the value, or after ; TAB CR LF, gets a quote (OWASP)',
    withStore('all', async (s, h) => {
      const labels = [
        '=HYPERLINK("https://evil.example","x")',
        '+1+1',
        '-2+3',
        '@SUM(A1)',
        '\tx',
        '\r=1',
        'a=b',
        "'quoted",
        'ok;=1+1;',
        'x\n@SUM(A1)',
      ];
      await s.append(labels.map((label, i) => ({ ...h.issued(200 + i, 'user', 'usr_f'), label })));
      const csv = parseCsv(await new Response(s.export({ workspaceId: h.ws, order: 'asc' }, 'csv')).text());
      const col = csv[0]!.indexOf('label');
      const got = csv.slice(1).map((r) => r[col]);
      t.expect(got).toEqual(labels.map(defusedCsvText));
      const ndjson = await new Response(s.export({ workspaceId: h.ws, order: 'asc' }, 'ndjson')).text();
      t.expect(
        ndjson
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { label: string }).label),
      ).toEqual(labels);
    }),
  );
}
