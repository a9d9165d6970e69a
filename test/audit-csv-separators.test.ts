/**
 * An audit CSV export opened by a spreadsheet that splits on `;` or TAB, not `,` (SPEC §14; CSV
 * injection). Excel takes a `.csv`'s delimiter from the system's list separator, `;` in German,
 * French, Spanish… locales; LibreOffice's import offers `;` and TAB beside `,`. Such a reader
 * honours a quote only at the start of a cell, so a `,`-quoted field in mid-line protects nothing:
 * a label `ok;=1+1;` (or `x` LF `=1+1`, or `ok` TAB `=1+1`) was written with no `'`, since it does
 * not start with a formula opener, and LibreOffice Calc 7.4 opening the export with `;` (or TAB) as
 * separator computed 2 in the cell after the `;` (after the line break; after the TAB), and
 * `=HYPERLINK(CHAR(104)&…&A2)` built a link carrying another event's row. Now a formula opener at
 * the start of a value or right after `;`, TAB, CR or LF gets the `'`. Checked on memory, PGlite
 * and (with DATABASE_URL) a Postgres server.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import { csvField } from '../src/core/audit-export.ts';
import { memoryAuditStore } from '../src/core/audit-memory.ts';
import { wellFormed } from '../src/core/well-formed.ts';
import { defusedCsvText as neutral, parseCsv } from '../src/testing/audit-store-suite-csv.ts';
import { auditBackends } from './audit-laws-backends.ts';

const { backends, warm, closeAll } = auditBackends();
beforeAll(warm, 120_000);
afterAll(closeAll);

/** What Excel, LibreOffice Calc and Google Sheets run as a formula when a cell starts with it. */
const FORMULA = /^[=+\-@\t\r]/;
const DELIMITERS = [',', ';', '\t'] as const;

/**
 * The cells of a CSV text as a spreadsheet reads it with `delimiter` (what LibreOffice Calc did
 * with keycard's exports): a quote opens a quoted cell only at the start of a cell (inside one,
 * `""` is a quote); outside quotes, CRLF, LF or CR ends the record.
 */
function cells(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endRow = () => (row.push(cell), rows.push(row), (row = []), (cell = ''));
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((cell += '"'), i++);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === delimiter) (row.push(cell), (cell = ''));
    else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) endRow();
  return rows;
}

/** The cells of `text`, read with each delimiter, that a spreadsheet would run as a formula. */
const formulas = (text: string, skipHeader = false) =>
  DELIMITERS.flatMap((d) =>
    cells(text, d)
      .slice(skipHeader ? 1 : 0)
      .flat()
      .filter((c) => FORMULA.test(c))
      .map((c) => `${JSON.stringify(d)}: ${JSON.stringify(c)}`),
  );

const LABELS = [
  'ok;=1+1;', // LibreOffice, ";": 2
  'ok;=CHAR(72)&CHAR(73);', // "HI"
  'a,b;=2+2;', // quoted for the comma, still 4: the quote is mid-line for a ";" reader
  "ok;=cmd|' /C calc'!A0", // Excel's DDE, no comma or quote needed
  'ok;@SUM(1+1)',
  'ok;-2+3',
  'ok;+2+3',
  'ok\t=2+2\tz', // LibreOffice, TAB: 4
  'x\n=1+1;', // a new record for a reader to whom the quote is mid-line: 2
  'x\r\n=3+3;tail',
  'x\r+1',
  'x; y;=1+1;z',
  'plain; text, no formula',
];

const hostile = fc.string({
  unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', ';', "'", ' ', '\u0000', 'a'),
});

let seq = 0;
const issued = (ws: string, label: string): AuditEvent => ({
  type: 'token.issued',
  time: new Date(Date.UTC(2031, 0, 1, 0, 0, 0, seq++ % 1000)).toISOString(),
  tokenId: `tok_${seq}`,
  label,
  ownerId: 'usr_1',
  workspaceId: ws,
  actor: { kind: 'user', id: 'usr_1' },
});

describe('csvField: no formula for a ",", ";" or TAB reader', () => {
  it.each(LABELS)('%j', (label) => {
    const field = csvField(label);
    expect(formulas(`${field}\r\n`)).toEqual([]);
    expect(parseCsv(field)[0]).toEqual([neutral(label)]); // a "," reader: one cell, the value with its marks
  });

  it('a value with no formula opener after a separator keeps its bytes', () => {
    expect(csvField('ci deploy; nightly')).toBe('ci deploy; nightly');
    expect(csvField('a=b;c')).toBe('a=b;c');
    expect(csvField('=1+1')).toBe("'=1+1");
  });

  test.prop([hostile], { numRuns: 500 })(
    'any value: no cell opens a formula for any of the three readers; a "," reader reads one cell',
    (value) => {
      const field = csvField(value);
      expect(formulas(`${field}\r\n`)).toEqual([]);
      expect(parseCsv(field)[0] ?? ['']).toEqual([neutral(value)]);
    },
  );
});

describe.each(backends)('%s: an export opened with ";" or TAB as separator runs no formula', (_name, open) => {
  it('every hostile label: no cell of any record opens a formula; a "," reader reads each label in its cell', async () => {
    const s = await open({ requests: 'all', now: () => Date.UTC(2031, 0, 2) });
    const ws = `ws_sep_${seq}`;
    await s.append(LABELS.map((l) => issued(ws, l)));
    const text = await new Response(s.export({ workspaceId: ws, order: 'asc' }, 'csv')).text();
    expect(formulas(text, true)).toEqual([]);
    const csv = parseCsv(text);
    const col = csv[0]!.indexOf('label');
    expect(csv.slice(1).map((r) => r[col])).toEqual(LABELS.map((l) => neutral(wellFormed(l))));
    await s.close();
  });
});

describe('whole records: hostile values in neighbouring columns (memory store)', () => {
  test.prop([fc.array(fc.tuple(hostile, hostile, hostile, hostile), { minLength: 1, maxLength: 8 })], { numRuns: 200 })(
    'label, ownerId, actor id and request id side by side: no cell of any reader opens a formula',
    async (rows) => {
      const s = memoryAuditStore();
      const ws = `ws_rows_${seq}`;
      await s.append(
        rows.map(([label, ownerId, actorId, requestId]) => ({
          ...issued(ws, label),
          ownerId: `o${ownerId}`,
          actor: { kind: 'user', id: `u${actorId}` },
          requestId: `r${requestId}`,
        })),
      );
      const text = await new Response(s.export({ workspaceId: ws, order: 'asc' }, 'csv')).text();
      expect(formulas(text, true)).toEqual([]);
      expect(parseCsv(text)).toHaveLength(rows.length + 1);
    },
  );
});
