/**
 * The in-memory audit store: the `AuditStore` port over a sorted array and a roll-up map, for
 * development, tests and single-process tools. Same answers as the Postgres store (the
 * conformance suite in keycard/testing runs both), nothing survives a restart.
 */
import * as z from './shape.ts';
import { configError, english, intFrom } from './config.ts';
import { is, oneOf, schema } from './kinds.ts';
import type { AuditEvent } from './audit.ts';
import { exportAudit } from './audit-export.ts';
import {
  auditIdSource,
  compareKey,
  encodeAuditCursor,
  matchesAudit,
  parseAuditQuery,
  parseUsage,
  usageWindow,
  toMs,
  toStored,
  usageDelta,
  type AuditRequestsMode,
  type AuditStore,
  type AuditUsageDay,
  type ParsedAuditQuery,
  type StoredAuditEvent,
} from './audit-store.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import { KeycardError } from './errors.ts';
import { isArray } from './builtins.ts';

/** Options of {@link memoryAuditStore}. */
export interface MemoryAuditStoreOptions {
  /**
   * `rollup`: allowed requests only count in `usage`; `all`: each is also kept as an event. In
   * memory the default is `all`, since development and tests usually want to see every request.
   * @default 'all'
   */
  requests?: AuditRequestsMode;
  /**
   * Events kept; beyond it the oldest go first (retention by count). Usage is kept regardless.
   * An integer from 1 to 10,000,000.
   * @default 100000
   */
  maxEvents?: number;
  /** Stamps events whose time does not parse, and ends the `usage` window. @default systemClock */
  clock?: Clock;
}

/** A memory store: the port, plus `size` (events held) for tests. */
export interface MemoryAuditStore extends AuditStore {
  readonly size: number;
}

const optionsSchema = z.strictObject({
  requests: z.optional(schema(oneOf(['rollup', 'all'], "must be 'rollup' or 'all'"))),
  maxEvents: z.optional(intFrom(1, 10_000_000)),
  clock: z.optional(
    schema(is((v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function', 'must be a Clock')),
  ),
});

interface Entry {
  readonly ms: number;
  readonly event: StoredAuditEvent;
}

interface UsageCell {
  day: string;
  surface: AuditUsageDay['surface'];
  allowed: number;
  denied: number;
  lastUsedAt: string | null;
}

/**
 * An audit store in memory: every event in one array ordered by (time, id), allowed requests
 * rolled up per token, day and surface. Bounded by `maxEvents` (oldest dropped first).
 *
 * @example As the audit sink of an instance, then asked
 * ```ts
 * const audit = memoryAuditStore();
 * const keycard = createKeycard({ prefix: 'acme', scopes, audit });
 * // … requests …
 * await keycard.close();
 * const { events } = await audit.query({ tokenId: record.id, limit: 20 });
 * ```
 */
export function memoryAuditStore(options: MemoryAuditStoreOptions = {}): MemoryAuditStore {
  const parsed = optionsSchema.safeParse(options, english);
  if (!parsed.success) throw configError('memoryAuditStore', parsed.error);
  const mode = options.requests ?? 'all';
  const maxEvents = options.maxEvents ?? 100_000;
  const clock = options.clock ?? systemClock;
  const nextId = auditIdSource();
  const entries: Entry[] = [];
  /** tokenId → `day|surface` → cell. */
  const usage = new Map<string, Map<string, UsageCell>>();

  /** Index of the first entry whose key is ≥ (ms, id) (or > when `strict`). */
  const bound = (ms: number, id: string, strict: boolean): number => {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKey(entries[mid]!.ms, entries[mid]!.event.id, ms, id);
      if (c < 0 || (strict && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const keep = (stored: StoredAuditEvent): void => {
    const delta = usageDelta(stored);
    if (delta) {
      let days = usage.get(delta.tokenId);
      if (!days) usage.set(delta.tokenId, (days = new Map()));
      const key = `${delta.day}|${delta.surface}`;
      const cell = days.get(key) ?? { day: delta.day, surface: delta.surface, allowed: 0, denied: 0, lastUsedAt: null };
      cell.allowed += delta.allowed;
      cell.denied += delta.denied;
      if (delta.lastUsedAt !== null && (cell.lastUsedAt === null || delta.lastUsedAt > cell.lastUsedAt))
        cell.lastUsedAt = delta.lastUsedAt;
      days.set(key, cell);
    }
    if (stored.type === 'request.allowed' && mode === 'rollup') return;
    const entry = { ms: Date.parse(stored.time), event: stored };
    const last = entries.at(-1);
    if (last === undefined || compareKey(last.ms, last.event.id, entry.ms, stored.id) < 0) entries.push(entry);
    else entries.splice(bound(entry.ms, stored.id, false), 0, entry);
    // Drop in chunks (a tenth of the bound at once) so a full store is not O(n) per event.
    if (entries.length > maxEvents) entries.splice(0, Math.max(entries.length - maxEvents, Math.ceil(maxEvents / 10)));
  };

  const page = (q: ParsedAuditQuery): { events: StoredAuditEvent[]; nextCursor: string | null } => {
    const out: StoredAuditEvent[] = [];
    if (q.order === 'desc') {
      let i = entries.length - 1;
      if (q.after) i = Math.min(i, bound(q.after[0], q.after[1], false) - 1);
      if (q.until !== null) i = Math.min(i, bound(q.until, '', false) - 1);
      for (; i >= 0 && out.length <= q.limit; i--) {
        const e = entries[i]!;
        if (q.since !== null && e.ms < q.since) break;
        if (matchesAudit(e.event, q, e.ms)) out.push(e.event);
      }
    } else {
      let i = 0;
      if (q.after) i = bound(q.after[0], q.after[1], true);
      if (q.since !== null) i = Math.max(i, bound(q.since, '', false));
      for (; i < entries.length && out.length <= q.limit; i++) {
        const e = entries[i]!;
        if (q.until !== null && e.ms >= q.until) break;
        if (matchesAudit(e.event, q, e.ms)) out.push(e.event);
      }
    }
    const more = out.length > q.limit;
    if (more) out.length = q.limit;
    return { events: out, nextCursor: more ? encodeAuditCursor(out.at(-1)!) : null };
  };

  return {
    get size() {
      return entries.length;
    },
    write(event) {
      try {
        keep(toStored(event, nextId(), clock.now()));
      } catch {
        // A sink never throws into the trail; an event the store cannot read is not one it can keep.
      }
    },
    async append(events) {
      if (!isArray(events))
        throw new KeycardError('invalid_argument', 'append: events must be an array of audit events', {
          fields: ['events'],
        });
      // Every event read before any is kept: one that is not an event refuses the whole batch, as in Postgres.
      const stored = events.map((event: AuditEvent) => toStored(event, nextId(), clock.now()));
      for (const event of stored) keep(event);
    },
    async query(query) {
      return page(parseAuditQuery(query, 'query'));
    },
    export(filter, format) {
      return exportAudit(
        async (f, cursor, limit) => page(parseAuditQuery({ ...f, cursor, limit }, 'export', limit)),
        filter,
        format,
        (f) => parseAuditQuery(f, 'export'), // refuse a bad filter now, not on the first read
      );
    },
    async usage(asked, opts) {
      const { tokenId, days } = parseUsage(asked, opts);
      const { from, to } = usageWindow(clock.now(), days);
      const cells = [...(usage.get(tokenId)?.values() ?? [])].filter((c) => c.day >= from && c.day <= to);
      // By day, then surface: days are fixed-width (YYYY-MM-DD), and no two cells share both.
      cells.sort((a, b) => (a.day + a.surface < b.day + b.surface ? -1 : 1));
      return cells.map((c) => ({ ...c }));
    },
    async prune(before) {
      const ms = toMs(before, 'prune: before');
      entries.splice(0, bound(ms, '', false));
      const firstKept = new Date(ms).toISOString().slice(0, 10);
      for (const [tokenId, days] of usage) {
        for (const [key, cell] of days) if (cell.day < firstKept) days.delete(key);
        if (days.size === 0) usage.delete(tokenId);
      }
    },
    async flush() {},
    async close() {},
  };
}
