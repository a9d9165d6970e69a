/** The `AuditStore` export law: every event streamed as NDJSON and as RFC 4180 CSV. */
import { parseCsv } from './audit-store-suite-csv.ts';
import { seededRandom } from './limiter-model.ts';
import { all, type AuditSuiteContext } from './audit-store-suite-helpers.ts';

/**
 * Registers the export law (runnable alone with `auditSuiteContext`): NDJSON and CSV streams hold
 * the events a query returns, in order, a label with quotes, commas and CRLF included.
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
    }),
  );
  t.it(
    'CSV export defuses spreadsheet formulas: a cell beginning with = + - @ TAB or CR gets a leading quote (OWASP)',
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
      ];
      await s.append(labels.map((label, i) => ({ ...h.issued(200 + i, 'user', 'usr_f'), label })));
      const csv = parseCsv(await new Response(s.export({ workspaceId: h.ws, order: 'asc' }, 'csv')).text());
      const col = csv[0]!.indexOf('label');
      const got = csv.slice(1).map((r) => r[col]);
      t.expect(got).toEqual(labels.map((l) => (/^[=+\-@\t\r]/.test(l) ? `'${l}` : l)));
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
