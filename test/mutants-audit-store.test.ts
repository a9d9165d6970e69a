/**
 * Mutation audit of `auditStoreConformance`: the memory audit store with one law broken at a time
 * (a filter left out, a cursor that skips or repeats, an oversized page, an export that drops a row,
 * mis-quotes or forgets its filter, a roll-up that double counts, a prune that over-reaches, an
 * append that keeps half a batch). The suite must fail every one of them, and pass the store
 * unmutated (test/mutants-harness.ts). An audit store has no `export` helper to import from
 * keycard/store-kit (only `AUDIT_CSV_COLUMNS`), so the export mutants write their own, as an
 * adapter's author would.
 */
import * as fc from 'fast-check';
import type { AuditEvent } from '../src/core/audit.ts';
import { memoryAuditStore } from '../src/core/audit-memory.ts';
import { AUDIT_CSV_COLUMNS, csvRow } from '../src/core/audit-export.ts';
import { jsonLine } from '../src/core/audit-fields.ts';
import {
  encodeAuditCursor,
  toMs,
  type AuditExportFormat,
  type AuditFilter,
  type AuditQuery,
  type AuditStore,
  type StoredAuditEvent,
} from '../src/core/audit-store.ts';
import { auditStoreConformance, type AuditStoreSetup } from '../src/testing/audit-store-suite.ts';
import { defusedCsvText } from '../src/testing/audit-store-suite-csv.ts';
import { auditMutants, type Mutant } from './mutants-harness.ts';

type Factory = (setup: AuditStoreSetup) => AuditStore;

const real: Factory = ({ requests, clock }) =>
  memoryAuditStore({ requests, clock: { now: clock.now, monotonic: clock.now } });

/** The memory store with the methods `over` returns replaced (the rest delegate to it). */
const mutant = (
  breaks: string,
  caughtBy: string,
  over: (inner: AuditStore) => Partial<AuditStore>,
): Mutant<Factory> => ({
  breaks,
  caughtBy,
  factory: (setup) => {
    const inner = real(setup);
    return { ...inner, ...over(inner) };
  },
});

/** `query` with the query rewritten first (a valid query only: a bad one is refused as before). */
const rewriting = (breaks: string, caughtBy: string, rewrite: (q: AuditQuery) => AuditQuery) =>
  mutant(breaks, caughtBy, (inner) => ({
    query: async (q = {}) => {
      await inner.query(q); // refuses what the store refuses
      return inner.query(rewrite(q));
    },
  }));

const without = (q: AuditQuery, field: keyof AuditQuery): AuditQuery => {
  const { [field]: _dropped, ...rest } = q;
  return rest;
};

/** Every event `filter` selects, page by page. */
async function everything(store: AuditStore, filter: AuditFilter): Promise<StoredAuditEvent[]> {
  const out: StoredAuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.query({ ...filter, cursor, limit: 500 });
    out.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

/** An export of an adapter's own making: the store's events, read with `filterOf(filter)`, written by `row`. */
function ownExport(
  inner: AuditStore,
  options: {
    row?: (event: StoredAuditEvent, format: AuditExportFormat) => string;
    events?: (events: StoredAuditEvent[]) => StoredAuditEvent[];
    filterOf?: (filter: AuditFilter) => AuditFilter;
  },
): Partial<AuditStore> {
  const row = options.row ?? ((e, format) => (format === 'csv' ? csvRow(e) : jsonLine(e)));
  return {
    export(filter, format) {
      void inner.export(filter, format).cancel(); // refuses a bad filter or format, as the store does
      return new ReadableStream<Uint8Array>({
        async start(controller) {
          const events = (options.events ?? ((x) => x))(
            await everything(inner, (options.filterOf ?? ((f) => f))(filter)),
          );
          let text = format === 'csv' ? `${AUDIT_CSV_COLUMNS.join(',')}\r\n` : '';
          for (const event of events) text += row(event, format);
          controller.enqueue(new TextEncoder().encode(text));
          controller.close();
        },
      });
    },
  };
}

/** A CSV field quoted when it must be, but with its quotes left single; or (`leadOnly`) right, but defusing only a leading formula opener. */
const mutantField = (value: unknown, leadOnly = false): string => {
  if (value === null || value === undefined) return '';
  let s = Array.isArray(value) ? value.join(' ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  s = leadOnly ? (/^[=+\-@\t\r\0]/.test(s) ? `'${s}` : s) : defusedCsvText(s);
  return /[",\r\n]/.test(s) ? `"${leadOnly ? s.replace(/"/g, '""') : s}"` : s;
};
/** A CSV row of `mutantField`s. */
const mutantRow = (e: StoredAuditEvent, leadOnly = false): string => {
  const r = e as unknown as Record<string, Record<string, unknown> | undefined>;
  return `${AUDIT_CSV_COLUMNS.map((c) => mutantField(c.startsWith('actor') ? r['actor']?.[c.slice(5).toLowerCase()] : r[c], leadOnly)).join(',')}\r\n`;
};

/** A page of `inner.query(q)` with its events or cursor changed by `change` when another page follows. */
const paging = (
  breaks: string,
  caughtBy: string,
  change: (events: StoredAuditEvent[], q: AuditQuery) => { events: StoredAuditEvent[]; nextCursor: string },
) =>
  mutant(breaks, caughtBy, (inner) => ({
    async query(q = {}) {
      const page = await inner.query(q);
      return page.nextCursor === null ? page : change([...page.events], q);
    },
  }));

const mutants: Mutant<Factory>[] = [
  rewriting('ignores the `types` filter', 'every filter selects what the model selects', (q) =>
    q.types?.every((t) => typeof t === 'string') ? without(q, 'types') : q,
  ),
  rewriting('ignores the `tokenId` filter', 'every filter selects what the model selects', (q) =>
    without(q, 'tokenId'),
  ),
  rewriting('ignores the `actorId` filter', 'every filter selects what the model selects', (q) =>
    without(q, 'actorId'),
  ),
  rewriting(
    'ignores `order` (always newest first)',
    'events come back as written, with an id and a canonical time, newest',
    (q) => without(q, 'order'),
  ),
  rewriting('takes `until` as inclusive', 'every filter selects what the model selects', (q) =>
    q.until === undefined ? q : { ...q, until: toMs(q.until, 'until') + 1 },
  ),
  rewriting('takes `since` as exclusive', 'every filter selects what the model selects', (q) =>
    q.since === undefined ? q : { ...q, since: toMs(q.since, 'since') + 1 },
  ),
  paging(
    'drops the last event of every page that has a next one',
    'every filter selects what the model selects',
    (events) => ({
      events: events.slice(0, -1),
      nextCursor: encodeAuditCursor(events.at(-1)!),
    }),
  ),
  paging(
    "hands out the page's second-to-last event as the cursor",
    'every filter selects what the model selects',
    (events) => ({
      events,
      nextCursor: encodeAuditCursor(events.at(-2) ?? events.at(-1)!),
    }),
  ),
  rewriting('answers a page of limit + 1 events', 'every filter selects what the model selects', (q) =>
    Number.isInteger(q.limit) && q.limit! >= 1 && q.limit! < 500 ? { ...q, limit: q.limit! + 1 } : q,
  ),
  mutant('drops the last row of an export', 'export streams every event as NDJSON and as RFC 4180 CSV', (inner) =>
    ownExport(inner, { events: (e) => e.slice(0, -1) }),
  ),
  mutant(
    "leaves the CSV's actor columns empty (nested fields not spread)",
    'export streams every event as NDJSON and as RFC 4180 CSV',
    (inner) =>
      ownExport(inner, {
        row: (e, format) => (format === 'csv' ? csvRow({ ...e, actor: undefined } as never) : jsonLine(e)),
      }),
  ),
  mutant(
    'quotes CSV fields without doubling the quotes inside them',
    'export streams every event as NDJSON and as RFC 4180 CSV',
    (inner) =>
      ownExport(inner, {
        row: (e, format) => (format === 'csv' ? mutantRow(e) : jsonLine(e)),
      }),
  ),
  mutant(
    'defuses a formula opener only at the start of a CSV field, not after ; TAB CR LF (test/audit-csv-separators)',
    'CSV export defuses spreadsheet formulas: = + - @ TAB or CR opening the value, or after ; TAB CR LF, gets a quote (OWASP)',
    (inner) => ownExport(inner, { row: (e, format) => (format === 'csv' ? mutantRow(e, true) : jsonLine(e)) }),
  ),
  mutant(
    'exports every event of the store, whatever the filter',
    'export holds exactly what query selects with the same filter, in both',
    (inner) => ownExport(inner, { filterOf: (f) => (f.order === undefined ? {} : { order: f.order }) }),
  ),
  mutant(
    'counts each allowed request twice in usage',
    'rolls allowed requests up by default; denials are kept with their',
    (inner) => ({
      usage: async (tokenId, options) =>
        (await inner.usage(tokenId, options)).map((u) => ({ ...u, allowed: 2 * u.allowed })),
    }),
  ),
  mutant(
    'prunes a day more than asked',
    'prune drops every event before its date, and the usage of days that',
    (inner) => ({
      prune: (before) => inner.prune(toMs(before, 'before') + 86_400_000),
    }),
  ),
  mutant(
    'appends one event at a time: a bad event leaves those before it stored',
    'append stores all of its events or none: a batch holding one bad event',
    (inner) => ({
      async append(events) {
        for (const event of events) await inner.append([event]);
      },
    }),
  ),
  mutant(
    'stores a coalesced denial without its count',
    'rolls allowed requests up by default; denials are kept with their',
    (inner) => {
      const uncounted = (e: AuditEvent) => ('count' in e ? ({ ...e, count: undefined } as AuditEvent) : e);
      return { append: (events) => inner.append(events.map(uncounted)), write: (e) => inner.write(uncounted(e)) };
    },
  ),
  mutant(
    'throws from write on an event whose time does not parse',
    'write() never throws and flush() makes written events visible',
    (inner) => ({
      write(event) {
        if (Number.isNaN(Date.parse(event.time))) throw new Error('bad time');
        inner.write(event);
      },
    }),
  ),
];

auditMutants(
  'AuditStore',
  (runner, factory: Factory) => auditStoreConformance('mutant', runner, factory, { fc, runs: 10 }),
  real,
  mutants,
  10,
);
