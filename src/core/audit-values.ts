/**
 * The values every audit store keeps identically (SPEC §14), so memory and Postgres answer the
 * same for the same input and no value can wedge a database writer:
 *
 * - strings are well-formed: a NUL or a lone surrogate (Postgres `text` and `jsonb` refuse them,
 *   and an MCP tool name or RPC method is whatever the caller sent) becomes U+FFFD, in stored
 *   events and in filter values alike, at any depth;
 * - a bigint is its decimal string, nesting deeper than 32 levels is cut, and a cycle is cut where it recurs;
 * - instants lie in years 0001–9999 (what `toISOString` writes as `YYYY-…` and Postgres reads);
 * - a time string names its instant whatever the server's time zone: an ISO 8601 date (UTC) or
 *   date-time with `Z` or an offset, never a local time or free text;
 * - an event has a known `type` (and a request event a surface): anything else is not stored.
 */
import type { AuditEvent, Surface } from './audit.ts';
import type { StoredAuditEvent } from './audit-store.ts';
import { AUDIT_MAX_ID, cap } from './audit-fields.ts';
import { KeycardError } from './errors.ts';
import { wellFormed } from './well-formed.ts';

/** A point in time a filter takes: epoch milliseconds, an ISO 8601 string or a `Date`. */
export type AuditTime = number | string | Date;

/** The first and last instant audit stores hold: 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
export const AUDIT_MIN_MS = -62_135_596_800_000;
export const AUDIT_MAX_MS = 253_402_300_799_999;

export const AUDIT_TYPES = [
  'token.issued',
  'token.revoked',
  'token.rotated',
  'token.updated',
  'request.allowed',
  'request.denied',
  // Device login (docs/cli.md): once dropped by every audit store, kept by sinks only.
  'device.requested',
  'device.approved',
  'device.denied',
  // The management API refused a call of a known caller (docs/management.md).
  'management.denied',
] as const;
const TYPE_SET: ReadonlySet<string> = new Set(AUDIT_TYPES);
const SURFACES: ReadonlySet<string> = new Set<Surface>(['http', 'mcp']);

/** The deepest nesting a stored event keeps; a deeper object or array becomes `'…'`. */
export const AUDIT_MAX_DEPTH = 32;
/** The most objects and arrays one stored event keeps (a shared one counts each time it is met); the rest become `'…'`. */
export const AUDIT_MAX_OBJECTS = 10_000;

/** One event's walk: the objects it is inside (a cycle) and how many more it may copy. */
interface Walk {
  readonly open: Set<object>;
  left: number;
}

/**
 * A JSON-like value with every string (keys too) {@link wellFormed}, a bigint as its decimal
 * string (JSON has none: `JSON.stringify` throws on it), anything nested deeper than
 * {@link AUDIT_MAX_DEPTH} cut to `'…'`, and an object met again inside itself (a cycle) cut to
 * `'…'` where it recurs: unrolled to the depth bound, an object holding itself twice (a request
 * or socket object does) would be 2^33 copies. An object shared without a cycle is copied each
 * time it is met, so past {@link AUDIT_MAX_OBJECTS} objects the rest is cut too: 32 levels each
 * holding the next twice would be 2^32 copies (and as many in `JSON.stringify`). The same object
 * when nothing changed.
 */
function wellFormedDeep(value: unknown, depth: number, walk: Walk): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (typeof value === 'bigint') return String(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > AUDIT_MAX_DEPTH || walk.open.has(value) || walk.left-- <= 0) return '…';
  const open = walk.open;
  open.add(value);
  try {
    if (Array.isArray(value)) {
      const out = value.map((v) => wellFormedDeep(v, depth + 1, walk));
      return out.some((v, i) => v !== value[i]) ? Object.freeze(out) : value;
    }
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = wellFormed(k);
      const w = wellFormedDeep(v, depth + 1, walk);
      if (key !== k || w !== v) changed = true;
      out[key] = w;
    }
    return changed ? Object.freeze(out) : value;
  } finally {
    open.delete(value);
  }
}

/** ISO 8601 as a filter takes it: a date (UTC), or a date-time with `Z` or an offset. */
const ZONED = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2}))?$/;

/**
 * Epoch ms of a time string, NaN unless it names one instant whatever the process's time zone
 * ({@link ZONED}): the one rule for filter times ({@link toMs}) and event times ({@link toStored}).
 */
function zonedMs(value: string): number {
  return ZONED.test(value) ? Date.parse(value) : Number.NaN;
}

/** Epoch ms of a filter time; `invalid_argument` naming the field when it is not one every store holds. */
export function toMs(value: AuditTime, field: string): number {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? zonedMs(value)
          : Number.NaN;
  const name = field.replace(/^[A-Za-z]+: /, '');
  if (!Number.isFinite(ms))
    throw new KeycardError(
      'invalid_argument',
      `${field} is not a valid time (epoch ms, a Date, or an ISO 8601 date or date-time with Z or an offset)`,
      { fields: [name] },
    );
  if (ms < AUDIT_MIN_MS || ms > AUDIT_MAX_MS)
    throw new KeycardError('invalid_argument', `${field} must lie in the years 0001 to 9999`, { fields: [name] });
  return Math.floor(ms);
}

/** Why an event cannot be stored, or null when it can. */
function eventProblem(event: AuditEvent): string | null {
  if (typeof event !== 'object' || event === null) return 'must be an audit event object';
  if (!TYPE_SET.has(event.type)) return `type must be one of ${AUDIT_TYPES.join(', ')}`;
  if ((event.type === 'request.allowed' || event.type === 'request.denied') && !SURFACES.has(event.surface))
    return "surface must be 'http' or 'mcp'";
  return null;
}

/**
 * The form a store keeps: the event, well-formed, with its id and its time canonical
 * (`toISOString`, whole milliseconds), so every store answers the same string; a time that does
 * not parse, or lies outside years 0001–9999, becomes `now`. `invalid_argument` for a value that
 * is not an event.
 */
export function toStored(event: AuditEvent, id: string, now: number): StoredAuditEvent {
  const problem = eventProblem(event);
  if (problem !== null)
    throw new KeycardError('invalid_argument', `audit event: ${problem}`, {
      fields: [problem.split(' ')[0] === 'must' ? 'event' : problem.split(' ')[0]!],
    });
  // Only a zoned time names one instant: a local date-time or free text would be read in the
  // process's time zone, so the same event would be stored at another instant on another server.
  const ms = typeof event.time === 'string' ? zonedMs(event.time) : Number.NaN;
  const at = Number.isFinite(ms) && ms >= AUDIT_MIN_MS && ms <= AUDIT_MAX_MS ? ms : now;
  const time = new Date(Math.floor(at)).toISOString();
  const clean = wellFormedDeep(bounded(event), 0, { open: new Set(), left: AUDIT_MAX_OBJECTS }) as AuditEvent;
  return Object.freeze({ ...clean, id, time });
}

export { AUDIT_MAX_ID };
/** The largest `count` of a request event a store keeps (and `usage` adds): its sums fit a Postgres bigint. */
export const AUDIT_MAX_COUNT = 2_147_483_647;
const cut = (v: unknown): unknown => (typeof v === 'string' ? cap(v) : v);

/**
 * The event with its indexed id fields (token, owner, workspace, actor, request) cut to
 * {@link AUDIT_MAX_ID} characters and a request event's `count` held to an integer from 1 to
 * {@link AUDIT_MAX_COUNT} (left out when it is not a number of at least 1: it counts as one), so
 * no value fails a batch that would be retried for ever. The same object when nothing changed.
 */
function bounded(event: AuditEvent): AuditEvent {
  const e = event as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...e };
  let changed = false;
  for (const k of ['tokenId', 'ownerId', 'workspaceId', 'requestId']) {
    const v = cut(e[k]);
    if (v !== e[k]) ((out[k] = v), (changed = true));
  }
  const actor = e['actor'] as Record<string, unknown> | undefined;
  const actorId = typeof actor === 'object' && actor !== null ? cut(actor['id']) : undefined;
  if (actor && actorId !== actor['id']) ((out['actor'] = { ...actor, id: actorId }), (changed = true));
  if ((event.type === 'request.allowed' || event.type === 'request.denied') && 'count' in e) {
    const c = e['count'];
    const held = typeof c === 'number' && c >= 1 ? Math.min(Math.floor(c), AUDIT_MAX_COUNT) : undefined;
    if (held !== c) {
      changed = true;
      if (held === undefined) delete out['count'];
      else out['count'] = held;
    }
  }
  return changed ? (out as unknown as AuditEvent) : event;
}
