import { checkArguments } from '../core/arguments-check.ts';

/** A small RFC 4180 reader (quoted fields, doubled quotes, CRLF), so the suite needs no CSV package; public, so a user's tests can read an export too. */
export function parseCsv(text: string): string[][] {
  checkArguments('parseCsv', ['text', typeof text === 'string', 'a string', text]);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), (i += 2));
      else if (c === '"') ((quoted = false), i++);
      else ((field += c), i++);
    } else if (c === '"') ((quoted = true), i++);
    else if (c === ',') (row.push(field), (field = ''), i++);
    else if (c === '\r' && text[i + 1] === '\n') (row.push(field), rows.push(row), (row = []), (field = ''), (i += 2));
    else ((field += c), i++);
  }
  if (field !== '' || row.length > 0) (row.push(field), rows.push(row));
  return rows;
}

/**
 * What a CSV cell reads for a value `text` (docs/audit.md), written out: a `'` before each formula
 * opener (`=`, `+`, `-`, `@`, TAB, CR, NUL) that starts the value or follows `;`, TAB, CR or LF,
 * with only quotes between: where a spreadsheet splitting on `;` or TAB starts a cell.
 */
export function defusedCsvText(text: string): string {
  let out = '';
  let cellStart = true;
  for (const c of text) {
    if (cellStart && '=+-@\t\r\0'.includes(c)) out += "'";
    out += c;
    cellStart = ';\t\r\n'.includes(c) || (cellStart && c === '"');
  }
  return out;
}
