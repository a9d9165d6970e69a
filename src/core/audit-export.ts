/**
 * Audit export: NDJSON or CSV, streamed page by page through a store's keyset query, so an export
 * of millions of events holds one page in memory at a time. Web standards only (`ReadableStream`,
 * `TextEncoder`), so a fetch handler can return it as a `Response` body.
 */
import type { AuditExportFormat, AuditFilter, StoredAuditEvent } from './audit-store.ts';
import { jsonLine } from './audit-fields.ts';
import { isKeycardError, KeycardError } from './errors.ts';

/**
 * The CSV columns, in order: one per field of any event type, so a CSV loses nothing the NDJSON
 * holds (`actor` and `leak` are spread as `actorKind`, `leakUrl`, …). Lists (`missing`, `changes`,
 * `scopes`) are joined with a space. New fields get new columns at the end.
 */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'time',
  'type',
  'tokenId',
  'label',
  'ownerId',
  'workspaceId',
  'actorKind',
  'actorId',
  'surface',
  'method',
  'path',
  'requestId',
  'reason',
  'count',
  'missing',
  'rotatedFromId',
  'changes',
  'degraded',
  'rpcMethod',
  'tool',
  'tokenKind',
  'grantId',
  'scopes',
  'route',
  'code',
  'status',
  'leakProvider',
  'leakType',
  'leakUrl',
  'leakSource',
] as const;

/** The columns read from a nested object: `actorKind` is `actor.kind`. */
const NESTED: Readonly<Record<string, readonly [string, string]>> = {
  actorKind: ['actor', 'kind'],
  actorId: ['actor', 'id'],
  leakProvider: ['leak', 'provider'],
  leakType: ['leak', 'type'],
  leakUrl: ['leak', 'url'],
  leakSource: ['leak', 'source'],
};

/**
 * RFC 4180: a field holding a comma, a quote, CR or LF is quoted, its quotes doubled. A formula
 * opener (`=`, `+`, `-`, `@`, TAB or CR: OWASP's CSV-injection list; NUL too, as OWASP ASVS 1.2.10
 * has it) gets a `'` before it, so a label like `=HYPERLINK(…)` stays text: at the start of the
 * field, and right after a `;`, TAB, CR or LF (and any quotes), where a spreadsheet splitting on
 * `;` (Excel in many locales) or TAB starts a cell, since to such a reader a quote in mid-line
 * quotes nothing (test/audit-csv-separators.test.ts). (The built-in stores keep no NUL; a store of your own might.)
 */
export function csvField(value: unknown): string {
  // null and undefined are '' through cell().
  const s = (Array.isArray(value) ? value.map(cell).join(' ') : cell(value)).replace(
    /(?<=(?:^|[;\t\r\n])"*)(?=[=+\-@\t\r\0])/g,
    "'",
  );
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A value as CSV text: an object (an integrator's own label, say) as its JSON, not `[object Object]`; null as nothing. */
const cell = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** One CSV record (CRLF-terminated, as RFC 4180 has it). */
export function csvRow(event: StoredAuditEvent): string {
  const e = event as unknown as Record<string, unknown>;
  const cells = AUDIT_CSV_COLUMNS.map((column) => {
    const n = NESTED[column];
    return csvField(n ? (e[n[0]] as Record<string, unknown> | undefined)?.[n[1]] : e[column]);
  });
  return `${cells.join(',')}\r\n`;
}

/** The page function a store hands to {@link exportAudit}: keyset, with an internal page size. */
export type ExportPager = (
  filter: AuditFilter,
  cursor: string | null,
  limit: number,
) => Promise<{ events: readonly StoredAuditEvent[]; nextCursor: string | null }>;

const FORMAT = "format must be 'ndjson' or 'csv'";

/** Rows per internal page: large enough to amortise a round trip, small enough to bound memory. */
export const EXPORT_PAGE = 2_000;

/**
 * The filter as it is at the call: a copy with its own `types` list and `since`/`until` Dates. The
 * pages are read later (the first right after the call), and a caller may reuse or change its
 * object meanwhile (one filter set to each token in turn): the copy keeps each stream on what it
 * was asked for. Anything but an object is left for the checks to refuse.
 */
function fixedFilter(filter: AuditFilter): AuditFilter {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) return filter;
  const copy: Record<string, unknown> = { ...filter };
  for (const key of ['since', 'until'])
    if (copy[key] instanceof Date) copy[key] = new Date((copy[key] as Date).getTime());
  if (Array.isArray(copy['types'])) copy['types'] = [...(copy['types'] as unknown[])];
  return copy as AuditFilter;
}

/**
 * Streams every event `filter` selects. Pull-based: a page is read only when the consumer has
 * taken the previous one, so memory holds about one page whatever the total. Cancelling the
 * stream stops the reads. `filter` is read once, now (see {@link fixedFilter}); `check` (the
 * store's validation) sees that copy, so a bad filter throws here rather than on the first read.
 */
export function exportAudit(
  pager: ExportPager,
  asked: AuditFilter,
  format: AuditExportFormat,
  check: (filter: AuditFilter) => unknown = () => {},
): ReadableStream<Uint8Array> {
  const filter = fixedFilter(asked);
  const badFormat = format !== 'ndjson' && format !== 'csv';
  const refused = (message: string, fields: readonly string[]) =>
    new KeycardError('invalid_argument', `export: ${message}`, { fields });
  try {
    check(filter);
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
      throw refused('filter must be an object', ['filter']);
    const paging = ['cursor', 'limit'].filter((k) => k in filter);
    if (paging.length > 0) throw refused('cursor and limit are not filter fields (an export reads every page)', paging);
  } catch (e) {
    // A bad format is named with the filter's problems, every bad argument at once.
    throw badFormat && isKeycardError(e) && e.fields
      ? new KeycardError('invalid_argument', `${e.message}; ${FORMAT}`, { fields: [...e.fields, 'format'] })
      : e;
  }
  if (badFormat) throw refused(FORMAT, ['format']);
  const encoder = new TextEncoder();
  let cursor: string | null = null;
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk = '';
        if (!started && format === 'csv') chunk = `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
        if (started && cursor === null) {
          controller.close();
          return;
        }
        started = true;
        const page = await pager(filter, cursor, EXPORT_PAGE);
        for (const event of page.events) chunk += format === 'csv' ? csvRow(event) : jsonLine(event);
        cursor = page.nextCursor;
        if (chunk) controller.enqueue(encoder.encode(chunk));
        if (cursor === null) controller.close();
      },
    },
    { highWaterMark: 1 },
  );
}
