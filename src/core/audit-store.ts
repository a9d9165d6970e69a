/**
 * The audit store port (SPEC §14): where audit events are kept so they can be asked about —
 * "who did this", "when was this token last used and where", "was the old token used after the
 * rollout". Any `AuditStore` is also an `AuditSink`, so it goes in the `audit` option as is.
 *
 * This module holds the port, the query and its validation, the opaque cursor, and what every
 * implementation shares: event ids, the canonical stored form of an event, filter matching (for
 * in-memory implementations) and the usage roll-up key. Web standards only: it runs on the edge.
 */
import * as z from './shape.ts';
import { english, intFrom } from './config.ts';
import { copy, list, nullable, oneOf, refine, schema, schemaOf, text as line } from './kinds.ts';
import type { AuditEvent, AuditSink, Surface } from './audit.ts';
import { fromBase64, toBase64Url } from './base64.ts';
import { KeycardError, misused } from './errors.ts';
import { AUDIT_MAX_ID, AUDIT_MAX_MS, AUDIT_MIN_MS, AUDIT_TYPES, toMs, type AuditTime } from './audit-values.ts';
import { storable, wellFormed } from './well-formed.ts';
import { isArray, stringify } from './builtins.ts';
import { excerpt } from './redact.ts';

/** A plain object or class instance, not null, an array or a primitive: what an options bag must be. */
const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !isArray(v);

export { toMs, toStored, type AuditTime } from './audit-values.ts';

/** An event as a store holds it: the event, with the id the store gave it. */
export type StoredAuditEvent = AuditEvent & {
  /** Unique per event; with `time`, the paging key. Given once, on entry, so a retried write is recognised. */
  readonly id: string;
};

/** The filters naming an id, in the order a parsed query holds them. */
const ID_FILTERS = ['tokenId', 'ownerId', 'workspaceId', 'actorId', 'requestId'] as const;

/** The event types, for the `types` filter. */
export type AuditEventType = AuditEvent['type'];

/** What `query` and `export` select. Every field narrows; none given selects everything. */
export interface AuditFilter {
  readonly tokenId?: string;
  readonly ownerId?: string;
  readonly workspaceId?: string;
  /** The actor of management events (`actor.id`): who issued, revoked, rotated or updated. */
  readonly actorId?: string;
  readonly types?: readonly AuditEventType[];
  /** `allowed` is `request.allowed`, `denied` is `request.denied`. */
  readonly outcome?: 'allowed' | 'denied';
  readonly requestId?: string;
  /** Inclusive. */
  readonly since?: AuditTime;
  /** Exclusive. */
  readonly until?: AuditTime;
  /**
   * `desc` (newest first, the activity view) or `asc` (oldest first, exports and replays).
   * @default 'desc'
   */
  readonly order?: 'asc' | 'desc';
}

/** One page request: a filter, where the last page ended, and how many events. */
export interface AuditQuery extends AuditFilter {
  /** The `nextCursor` of the previous page of the same query; omit for the first page. */
  readonly cursor?: string | null;
  /** From 1 to 500. @default 100 */
  readonly limit?: number;
}

/** One page of a query. `nextCursor` is null when no event follows. */
export interface AuditPage {
  readonly events: readonly StoredAuditEvent[];
  readonly nextCursor: string | null;
}

/** The roll-up of one token's requests on one UTC day through one surface. */
export interface AuditUsageDay {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly surface: Surface;
  readonly allowed: number;
  /** Denials, coalesced ones counted with their `count`. */
  readonly denied: number;
  /** The last allowed request of that day on that surface (ISO 8601), or null when none was allowed. */
  readonly lastUsedAt: string | null;
}

/** The formats `export` writes. */
export type AuditExportFormat = 'ndjson' | 'csv';

/**
 * The audit store port. Every implementation keeps management events and denials one by one and
 * rolls allowed requests up per token, UTC day and surface (unless built with `requests: 'all'`,
 * which keeps each as well); `usage` answers from the roll-up, so it is cheap whatever the mode.
 */
export interface AuditStore extends AuditSink {
  /** The sink side: never throws, never waits on the database; a store that must drop reports the count. */
  write(event: AuditEvent): void;
  /**
   * Stores the events now (one batch), all of them or none; resolves once they are durable. An
   * event with an unknown `type` (or a bad `surface` or `actor`) is refused with
   * `KeycardError('invalid_argument')` naming the field, and nothing of the batch is stored.
   * For imports, tests and tools.
   */
  append(events: readonly AuditEvent[]): Promise<void>;
  /** One page, newest first by default, by keyset over (time, id): concurrent writes never shift it. */
  query(query?: AuditQuery): Promise<AuditPage>;
  /** Every matching event as NDJSON or CSV (RFC 4180), streamed page by page: memory stays bounded. */
  export(filter: AuditFilter, format: AuditExportFormat): ReadableStream<Uint8Array>;
  /** Daily allowed/denied counts per surface over the last `days` UTC days (today included), oldest first. */
  usage(tokenId: string, options?: { readonly days?: number }): Promise<readonly AuditUsageDay[]>;
  /** Deletes events older than `before` and the usage of days that ended by then. */
  prune(before: AuditTime): Promise<void>;
  /** Waits until what `write` accepted so far is stored (or reported lost). */
  flush(): Promise<void>;
  /** Flushes, then stops background work. The connection (pool, PGlite) stays yours. */
  close(): Promise<void>;
}

/**
 * Reported through `onError` when a store had to give events up (its queue was full while the
 * database was away, or `close` came before they could be written). `lost` is the exact count:
 * nothing counted here was written, and everything not counted here was (or still will be).
 */
export class AuditLossError extends KeycardError {
  override name = 'AuditLossError';
  /** Events dropped and never written. */
  readonly lost: number;

  constructor(lost: number, message: string) {
    misused('AuditLossError', { lost: typeof lost != 'number', message: typeof message != 'string' });
    super('unavailable', message);
    this.lost = lost;
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

const TYPES = AUDIT_TYPES;
const text = z.optional(
  schema<string>(
    line({
      error: 'must be a string',
      min: 1,
      minError: 'must not be empty',
      max: AUDIT_MAX_ID,
      maxError: `must be at most ${AUDIT_MAX_ID} characters`,
    }),
  ),
);
// A hand check rather than `z.union([z.number(), z.string(), z.date()])`: the same answers, without
// zod's date schema in the edge bundle (test/bundle-size.test.ts); toMs() reads the value after.
const time = z.optional(
  schema<AuditTime>(
    refine(
      () => {},
      (v) =>
        (typeof v === 'number' && Number.isFinite(v)) ||
        typeof v === 'string' ||
        (v instanceof Date && !Number.isNaN(v.getTime())),
      'must be epoch ms, an ISO 8601 string with Z or an offset, or a Date',
    ),
  ),
);
const querySchema = z.strictObject({
  tokenId: text,
  ownerId: text,
  workspaceId: text,
  actorId: text,
  types: z.optional(
    schemaOf<AuditEventType[]>(
      list(oneOf(TYPES, `must each be one of ${TYPES.join(', ')}`), { error: 'must be an array of event types' }),
      copy,
    ),
  ),
  outcome: z.optional(schema<'allowed' | 'denied'>(oneOf(['allowed', 'denied'], "must be 'allowed' or 'denied'"))),
  requestId: text,
  since: time,
  until: time,
  order: z.optional(schema<'asc' | 'desc'>(oneOf(['asc', 'desc'], "must be 'asc' or 'desc'"))),
  cursor: z.optional(schema<string | null>(nullable(line({ error: 'must be a string' })))),
  limit: z.optional(intFrom(1, 500)),
});

/** `usage`'s options: `days` only (a misspelt `day` is refused, not ignored for the default). */
const usageSchema = z.strictObject({ days: z.optional(intFrom(1, 366)) });

/** A failed parse's problems, `[field, line]`: a misspelt key named as spelled (masked, cut), the whole as `whole`. */
const problemsOf = (error: z.core.$ZodError | undefined, whole: string): [string, string][] =>
  (error?.issues ?? []).flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k): [string, string] => [(k = excerpt(k, 64)), `${k} is not a known field`])
      : [[String(i.path[0] ?? whole), `${i.path.map(String).join('.') || whole} ${i.message}`]],
  );

/** Throws one `invalid_argument` naming every field of `problems`, if any. */
function refuse(what: string, problems: readonly [string, string][]): void {
  if (problems.length > 0)
    throw new KeycardError('invalid_argument', `${what}: ${problems.map(([, m]) => m).join('; ')}`, {
      fields: [...new Set(problems.map(([f]) => f))],
    });
}

/** A query after validation: times in epoch ms, the cursor decoded, every default applied. */
export interface ParsedAuditQuery {
  readonly tokenId?: string;
  readonly ownerId?: string;
  readonly workspaceId?: string;
  readonly actorId?: string;
  readonly requestId?: string;
  /** The types that can match (from `types` and `outcome`); null for all. Empty: nothing matches. */
  readonly types: readonly AuditEventType[] | null;
  readonly since: number | null;
  readonly until: number | null;
  readonly order: 'asc' | 'desc';
  readonly after: readonly [number, string] | null;
  readonly limit: number;
}

/**
 * Validates a query once (unknown keys refused) and normalises it. `maxLimit` lets `export`
 * read larger internal pages than the 500 a caller may ask for.
 */
export function parseAuditQuery(input: AuditQuery | undefined, what: string, maxLimit = 500): ParsedAuditQuery {
  const raw = { ...input } as Record<string, unknown>;
  const internalLimit = maxLimit > 500 && typeof raw['limit'] === 'number' ? (raw['limit'] as number) : undefined;
  if (internalLimit !== undefined) delete raw['limit'];
  // `null`, `[]` or a string is refused (as `query`, or `filter` of an export), not read as "no filter".
  const parsed = querySchema.safeParse(input === undefined || isObject(input) ? raw : input, english);
  // Every bad field at once: the schema's, then the times the schema let through.
  const problems = problemsOf(parsed.error, what === 'query' ? what : 'filter');
  const instant = (key: 'since' | 'until'): number | null => {
    const v = raw[key];
    if (v === undefined || problems.some(([f]) => f === key)) return null;
    try {
      return toMs(v as AuditTime, key);
    } catch (e) {
      problems.push([key, (e as Error).message]);
      return null;
    }
  };
  const since = instant('since');
  const until = instant('until');
  // A reversed window is a mistake (swapped bounds), not a question whose answer is "nothing".
  if ((until ?? Infinity) < (since ?? -Infinity))
    problems.push(['since', 'since is after until'], ['until', 'until is before since']);
  let after: readonly [number, string] | null = null;
  if (typeof raw['cursor'] === 'string' && raw['cursor'] !== '' && !problems.some(([f]) => f === 'cursor')) {
    try {
      after = decodeAuditCursor(raw['cursor']);
    } catch (e) {
      problems.push(['cursor', (e as Error).message]);
    }
  }
  refuse(what, problems);
  const q = parsed.data!;
  let types: AuditEventType[] | null = q.types ? [...new Set(q.types)] : null;
  if (q.outcome !== undefined) {
    const only = `request.${q.outcome}` as const;
    types = types === null || types.includes(only) ? [only] : [];
  }
  // Filter values as stores keep event values (a NUL or lone surrogate as U+FFFD), so both match alike.
  const ids: Record<string, string> = {};
  for (const k of ID_FILTERS) if (q[k] !== undefined) ids[k] = wellFormed(q[k]);
  return {
    ...ids,
    types,
    since,
    until,
    order: q.order ?? 'desc',
    after,
    limit: internalLimit ?? q.limit ?? 100,
  };
}

/**
 * Validates `usage` arguments: `days` from 1 to 366, default 30; the token id read as a `query`
 * filter reads it (a NUL or lone surrogate as U+FFFD, as stored), so every store answers alike.
 */
export function parseUsage(
  tokenId: unknown,
  options: { readonly days?: number } | undefined,
): { readonly tokenId: string; readonly days: number } {
  const parsed = usageSchema.safeParse(options === undefined ? {} : options, english);
  const problems = problemsOf(parsed.error, 'options');
  // At most what a query filter takes: a longer id was cut when stored (AUDIT_MAX_ID and `…`), so
  // two ids cut alike would share one roll-up; neither can be asked for, as in `query`.
  if (typeof tokenId !== 'string' || tokenId.length === 0 || tokenId.length > AUDIT_MAX_ID)
    problems.push(['tokenId', `tokenId must be a non-empty string of at most ${AUDIT_MAX_ID} characters`]);
  refuse('usage', problems);
  return { tokenId: wellFormed(tokenId as string), days: parsed.data!.days ?? 30 };
}

// ---------------------------------------------------------------------------------------------
// Cursor: the (time, id) key of a page's last event. Opaque to callers.

/** The cursor after `event`. */
export function encodeAuditCursor(event: Pick<StoredAuditEvent, 'time' | 'id'>): string {
  return toBase64Url(new TextEncoder().encode(stringify([Date.parse(event.time), event.id])));
}

/** The key a cursor holds; `invalid_argument` for anything a store did not issue. */
export function decodeAuditCursor(cursor: string): [number, string] {
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64(cursor)));
    if (
      isArray(v) &&
      v.length === 2 &&
      Number.isSafeInteger(v[0]) &&
      (v[0] as number) >= AUDIT_MIN_MS &&
      (v[0] as number) <= AUDIT_MAX_MS &&
      typeof v[1] === 'string' &&
      // Stores issue ids that any store keeps as text: one with a NUL (refused by Postgres) or a
      // lone surrogate names no event.
      storable(v[1])
    )
      return [v[0] as number, v[1]];
  } catch {
    // fall through
  }
  throw new KeycardError('invalid_argument', 'cursor is not one this store issued', { fields: ['cursor'] });
}

// ---------------------------------------------------------------------------------------------
// Shared by implementations

/**
 * Makes event ids: a random prefix drawn on first use (not at module load: Workers forbid
 * randomness in global scope) and a fixed-width counter, so ids are unique across processes and
 * sort in the order one process gave them.
 */
export function auditIdSource(): () => string {
  let prefix = '';
  let counter = 0;
  return () => {
    if (prefix === '') {
      const bytes = crypto.getRandomValues(new Uint8Array(8));
      prefix = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    }
    return `ev_${prefix}${(counter++).toString(36).padStart(9, '0')}`;
  };
}

/** `(a.time, a.id)` compared with `(ms, id)`: negative, zero or positive. */
export function compareKey(aMs: number, aId: string, bMs: number, bId: string): number {
  return aMs !== bMs ? aMs - bMs : aId < bId ? -1 : aId > bId ? 1 : 0;
}

/** Whether a stored event matches a parsed filter, cursor aside (for in-memory stores and models). */
export function matchesAudit(event: StoredAuditEvent, q: ParsedAuditQuery, ms: number): boolean {
  if (q.types !== null && !q.types.includes(event.type)) return false;
  // An event without the member (a request event's `requestId`) holds undefined: no filter value.
  for (const k of ID_FILTERS)
    if (q[k] !== undefined && (k === 'actorId' ? 'actor' in event && event.actor.id : event[k as 'tokenId']) !== q[k])
      return false;
  if (q.since !== null && ms < q.since) return false;
  if (q.until !== null && ms >= q.until) return false;
  return true;
}

/** How a store treats allowed requests: roll them up only (default), or keep each as well. */
export type AuditRequestsMode = 'rollup' | 'all';

/** What an event adds to the usage roll-up, or null when it adds nothing (management events, no token). */
export function usageDelta(event: StoredAuditEvent): {
  tokenId: string;
  day: string;
  surface: Surface;
  allowed: number;
  denied: number;
  lastUsedAt: string | null;
} | null {
  // No token id (null, or absent from an integrator's own event): no roll-up row (Postgres's token_id is NOT NULL).
  if (typeof event.tokenId !== 'string' || (event.type !== 'request.allowed' && event.type !== 'request.denied'))
    return null;
  const allowed = event.type === 'request.allowed';
  const count = !allowed && typeof event.count === 'number' && event.count >= 1 ? Math.floor(event.count) : 1;
  return {
    tokenId: event.tokenId,
    day: event.time.slice(0, 10),
    surface: event.surface,
    allowed: allowed ? 1 : 0,
    denied: allowed ? 0 : count,
    lastUsedAt: allowed ? event.time : null,
  };
}

/**
 * The UTC days (`YYYY-MM-DD`, both included) of a `days`-long `usage` window ending on the day of
 * `now` (a later day, from a clock ahead, is not in it).
 */
export function usageWindow(now: number, days: number): { readonly from: string; readonly to: string } {
  const today = Math.floor(now / 86_400_000);
  const day = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);
  return { from: day(today - days + 1), to: day(today) };
}
