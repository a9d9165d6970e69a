/**
 * The Postgres audit store: the `AuditStore` port over the same query port as the token store
 * (`fromPg`, `fromPglite`, or your own). Writes are behind a bounded queue (`audit-writer.ts`) and
 * batched; reads are keyset pages over indexed, month-partitioned rows. The schema is created by
 * `migrate` (see `postgres-audit-sql.ts`).
 */
import * as z from 'zod/mini';
import { configError, english } from '../core/config.ts';
import type { AuditEvent } from '../core/audit.ts';
import { exportAudit } from '../core/audit-export.ts';
import {
  auditIdSource,
  encodeAuditCursor,
  parseAuditQuery,
  parseUsage,
  usageWindow,
  toMs,
  toStored,
  usageDelta,
  type AuditPage,
  type AuditRequestsMode,
  type AuditStore,
  type AuditUsageDay,
  type ParsedAuditQuery,
  type StoredAuditEvent,
} from '../core/audit-store.ts';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { KeycardError } from '../core/errors.ts';
import { AuditWriter } from './audit-writer.ts';
import { checkSqlPort, type SqlPort } from './postgres-port.ts';
import {
  auditQueryStatement,
  insertBatchStatement,
  partitionStatement,
  pruneAuditStatement,
  usageStatement,
  type AuditRow,
  type UsageRow,
} from './postgres-audit-sql.ts';
import { freeze, isArray } from '../core/builtins.ts';

/** Options of {@link postgresAuditStore}. */
export interface PostgresAuditStoreOptions {
  /**
   * `rollup`: each allowed request only raises its token's daily count per surface (what `usage`
   * reads); management events and denials are kept one by one. `all`: allowed requests are also
   * kept one by one (a row each: size the database for your request rate).
   * @default 'rollup'
   */
  requests?: AuditRequestsMode;
  /** Events held in memory while the database is slow or away; beyond it, new events are dropped and reported. @default 10000 */
  queueSize?: number;
  /**
   * Events per insert statement of `write`'s queue, and per JSON parameter of `append`'s one
   * statement (which holds all of its events, so they are stored all or none). @default 500
   */
  batchSize?: number;
  /** Insert statements in flight at once. @default 2 */
  concurrency?: number;
  /** Receives write failures (once per outage), recovery, and {@link AuditLossError} counts. @default console.warn */
  onError?: (error: Error) => void;
  /** How long `close()` waits for held events before reporting them lost. @default 5000 */
  closeTimeoutMs?: number;
  /** Stamps events whose time does not parse; ends the `usage` window; picks the months made ahead. @default systemClock */
  clock?: Clock;
}

const int = (min: number, max: number) => {
  const error = `must be an integer from ${min} to ${max}`;
  return z.optional(z.number({ error }).check(z.int({ error }), z.minimum(min, { error }), z.maximum(max, { error })));
};
const optionsSchema = z.strictObject({
  requests: z.optional(z.enum(['rollup', 'all'], { error: "must be 'rollup' or 'all'" })),
  queueSize: int(1, 1_000_000),
  batchSize: int(1, 5_000),
  concurrency: int(1, 64),
  onError: z.optional(z.custom<(e: Error) => void>((v) => typeof v === 'function', { error: 'must be a function' })),
  closeTimeoutMs: int(0, 600_000),
  clock: z.optional(
    z.custom<Clock>((v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function', {
      error: 'must be a Clock',
    }),
  ),
});

/** `YYYY-MM` of epoch ms, `n` months on. */
const monthOf = (ms: number, n = 0): string => {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)).toISOString().slice(0, 7);
};

function toRow(e: StoredAuditEvent): AuditRow {
  return {
    id: e.id,
    at: e.time,
    type: e.type,
    token_id: e.tokenId,
    owner_id: e.ownerId,
    workspace_id: e.workspaceId,
    actor_id: 'actor' in e ? e.actor.id : null,
    request_id: ('requestId' in e ? e.requestId : null) ?? null,
    data: e,
  };
}

/** The roll-up increments of a batch, one per (token, day, surface), in key order. */
function rollup(batch: readonly StoredAuditEvent[]): UsageRow[] {
  const cells = new Map<
    string,
    { token_id: string; day: string; surface: string; allowed: number; denied: number; last_used_at: string | null }
  >();
  for (const e of batch) {
    const d = usageDelta(e);
    if (!d) continue;
    const key = `${d.tokenId}\u0000${d.day}\u0000${d.surface}`;
    const cell = cells.get(key);
    if (!cell) {
      cells.set(key, {
        token_id: d.tokenId,
        day: d.day,
        surface: d.surface,
        allowed: d.allowed,
        denied: d.denied,
        last_used_at: d.lastUsedAt,
      });
      continue;
    }
    cell.allowed += d.allowed;
    cell.denied += d.denied;
    if (d.lastUsedAt !== null && (cell.last_used_at === null || d.lastUsedAt > cell.last_used_at))
      cell.last_used_at = d.lastUsedAt;
  }
  return [...cells.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/**
 * Creates an audit store over a database whose schema `migrate` created. Use it as a sink (the
 * `audit` option) and ask it questions; call `close()` on shutdown after `keycard.close()`.
 *
 * @example One pool for tokens and audit
 * ```ts
 * const port = fromPg(pool);
 * await migrate(port);
 * const audit = postgresAuditStore(port, { onError: (e) => log.warn(e.message) });
 * const keycard = createKeycard({ prefix: 'acme', scopes, store: postgresTokenStore(port), audit });
 * const { events } = await audit.query({ tokenId: 'tok_…', limit: 50 });
 * ```
 */
export function postgresAuditStore(port: SqlPort, options: PostgresAuditStoreOptions = {}): AuditStore {
  checkSqlPort(port, 'postgresAuditStore');
  const parsed = optionsSchema.safeParse(options, english);
  if (!parsed.success) throw configError('postgresAuditStore', parsed.error);
  const mode = options.requests ?? 'rollup';
  const clock = options.clock ?? systemClock;
  const given = options.onError ?? ((e: Error) => console.warn('keycard audit store:', e.message));
  const onError = (e: Error): void => {
    try {
      given(e);
    } catch {
      // The integrator's logger threw: `write` still never throws.
    }
  };
  const nextId = auditIdSource();
  /** Months whose partition is known to exist. Forgotten after a failure (a prune may have dropped one). */
  const months = new Set<string>();
  const run = async (s: { text: string; params: readonly (string | number | boolean | null)[] }) =>
    (await port.query(s.text, s.params)).rows;

  const ensureMonths = async (wanted: Iterable<string>): Promise<void> => {
    for (const m of wanted) {
      if (months.has(m)) continue;
      await run(partitionStatement(`${m}-01`));
      months.add(m);
    }
  };

  const batchSize = options.batchSize ?? 500;
  /** Rows in chunks of `batchSize`, one JSON parameter each (see `insertBatchStatement`). */
  const chunked = <T>(rows: readonly T[]): T[][] => {
    const chunks: T[][] = [];
    for (let i = 0; i < rows.length; i += batchSize) chunks.push(rows.slice(i, i + batchSize));
    return chunks;
  };

  /** One statement: a batch of the writer's, or the whole of an `append` (all or nothing). */
  const writeBatch = async (batch: readonly StoredAuditEvent[]): Promise<void> => {
    if (batch.length === 0) return;
    const kept = mode === 'all' ? batch : batch.filter((e) => e.type !== 'request.allowed');
    const now = clock.now();
    const wanted = new Set([monthOf(now), monthOf(now, 1), monthOf(now, 2)]); // made ahead
    for (const e of kept) wanted.add(e.time.slice(0, 7));
    try {
      await ensureMonths(wanted);
      // The first event's id names the batch: a batch is formed once and retried as it was.
      await run(insertBatchStatement(batch[0]!.id, chunked(kept.map(toRow)), chunked(rollup(batch))));
    } catch (error) {
      months.clear();
      throw error;
    }
  };

  const writer = new AuditWriter({
    write: writeBatch,
    queueSize: options.queueSize ?? 10_000,
    batchSize,
    concurrency: options.concurrency ?? 2,
    onError,
    retryMinMs: 50,
    retryMaxMs: 2_000,
  });

  const page = async (q: ParsedAuditQuery): Promise<AuditPage> => {
    const rows = await run(auditQueryStatement(q));
    const events = rows.slice(0, q.limit).map((r) => {
      const data = r['data'];
      return freeze((typeof data === 'string' ? JSON.parse(data) : data) as StoredAuditEvent);
    });
    const more = rows.length > q.limit && events.length > 0;
    return { events, nextCursor: more ? encodeAuditCursor(events.at(-1)!) : null };
  };

  const stored = (event: AuditEvent): StoredAuditEvent => toStored(event, nextId(), clock.now());

  return {
    write(event) {
      let s: StoredAuditEvent;
      try {
        s = stored(event);
      } catch (error) {
        // Not an event (no known type or surface): kept out of the queue, where it would fail its batch.
        onError(error as Error);
        return;
      }
      writer.push(s);
    },
    async append(events) {
      if (!isArray(events))
        throw new KeycardError('invalid_argument', 'append: events must be an array of audit events', {
          fields: ['events'],
        });
      // One statement for them all, however many batches they fill: all of them are stored or none.
      await writeBatch(events.map(stored));
    },
    async query(query) {
      // async: a bad query rejects, as in memory, rather than throwing before a promise exists.
      return page(parseAuditQuery(query, 'query'));
    },
    export(filter, format) {
      return exportAudit(
        (f, cursor, limit) => page(parseAuditQuery({ ...f, cursor, limit }, 'export', limit)),
        filter,
        format,
        (f) => parseAuditQuery(f, 'export'),
      );
    },
    async usage(asked, opts): Promise<readonly AuditUsageDay[]> {
      const { tokenId, days } = parseUsage(asked, opts);
      const { from, to } = usageWindow(clock.now(), days);
      const rows = await run(usageStatement(tokenId, from, to));
      return rows.map((r) => ({
        day: String(r['day']),
        surface: r['surface'] as AuditUsageDay['surface'],
        allowed: Number(r['allowed']),
        denied: Number(r['denied']),
        lastUsedAt: r['lastUsedAt'] === null || r['lastUsedAt'] === undefined ? null : String(r['lastUsedAt']),
      }));
    },
    async prune(before) {
      const ms = toMs(before, 'prune: before');
      await run(pruneAuditStatement(new Date(ms).toISOString()));
      months.clear();
    },
    flush() {
      return writer.drained();
    },
    close() {
      return writer.close(options.closeTimeoutMs ?? 5_000);
    },
  };
}
