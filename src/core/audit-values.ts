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
 * - an event has a known `type` (a request event a surface, an `actor` an object): anything else is not stored;
 * - what is stored is a copy of the event's JSON form, so memory answers what Postgres's `jsonb` does.
 */
import type { AuditEvent, Surface } from './audit.ts';
import type { StoredAuditEvent } from './audit-store.ts';
import { AUDIT_MAX_ID, cap } from './audit-fields.ts';
import { KeycardError } from './errors.ts';
import { wellFormed } from './well-formed.ts';
import { defineProperty, freeze, isArray } from './builtins.ts';

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

/**
 * The most array elements and object members one stored event keeps: an array or object reaching
 * past them keeps its first ones and ends in `'…'` (an array's last element, an object's member `…`).
 */
export const AUDIT_MAX_SLOTS = 100_000;

/** One event's walk: the objects it is inside (a cycle), how many more it may copy, and how many members. */
interface Walk {
  readonly open: Set<object>;
  left: number;
  slots: number;
}

/**
 * What `JSON.stringify` writes of `holder[key]`, as a frozen copy (what every store keeps, so memory
 * answers what Postgres's `jsonb` does): a `toJSON` is called (a value whose reading throws — its
 * `toJSON`, a getter, a proxy's trap — is `'…'`), a boxed
 * value is unboxed, NaN and ±Infinity are null and -0 is 0, an `undefined`, function or symbol is
 * left out (null in an array), a Map, Set, class instance or typed array is its own enumerable
 * members, and a hole is null. Besides: every string (keys too) {@link wellFormed}, a bigint as
 * its decimal string (JSON has none), anything nested deeper than {@link AUDIT_MAX_DEPTH} cut to
 * `'…'`, an object met again inside itself (a cycle) cut where it recurs (unrolled, an object
 * holding itself twice is 2^33 copies), past {@link AUDIT_MAX_OBJECTS} objects each further
 * one is `'…'` (an object shared without a cycle is copied each time it is met: 32 levels each
 * holding the next twice would be 2^32 copies), and past {@link AUDIT_MAX_SLOTS} members an array
 * or object keeps its first ones and ends in a `'…'` element or member `…` (a sparse array of length
 * 2^32 − 1 is 4 billion nulls); the event's own type, surface and ids are kept past it. Always a
 * copy: changing the event after `write` changes nothing stored.
 */
function jsonValue(holder: Record<string, unknown>, key: string, depth: number, walk: Walk): unknown {
  try {
    return copy(holder, key, depth, walk);
  } catch {
    return '…'; // a toJSON, a getter or a proxy's trap threw: this value, not the event
  }
}

/** {@link jsonValue} of `holder[key]`, which may throw where reading the value does. */
function copy(holder: Record<string, unknown>, key: string, depth: number, walk: Walk): unknown {
  let value = holder[key];
  if (depth > 0 && typeof (value as Json | null)?.toJSON === 'function') value = (value as Json).toJSON!(key);
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  const type = typeof value;
  if (type === 'string') return wellFormed(value as string);
  if (type === 'number') return Number.isFinite(value) ? (value as number) + 0 : null; // -0 + 0 is 0
  if (type === 'bigint') return String(value);
  if (type !== 'object' || value === null) return type === 'boolean' || value === null ? value : undefined; // undefined, a function, a symbol: left out
  const o = value as Record<string, unknown>;
  if (depth > AUDIT_MAX_DEPTH || walk.open.has(o) || walk.left-- <= 0) return '…';
  walk.open.add(o);
  try {
    if (isArray(o)) {
      // Its length first: a sparse array of length 2^32 − 1 is never walked past the bound.
      const kept = Math.min(o.length, Math.max(walk.slots, 0));
      walk.slots -= kept;
      const out = Array.from({ length: kept }, (_, i) => jsonValue(o, String(i), depth + 1, walk) ?? null);
      if (kept < o.length) out.push('…');
      return freeze(out);
    }
    const out: Record<string, unknown> = {};
    // A typed array's members by index, no further than the bound (its keys would be one string each).
    const keys = ArrayBuffer.isView(o)
      ? Array.from({ length: Math.min(o['length'] as number, Math.max(walk.slots, 0) + 1) }, (_, i) => String(i))
      : Object.keys(o);
    let cut = false;
    for (const k of keys) {
      if (walk.slots-- <= 0 && (depth > 0 || !READ_BY_STORES.has(k))) {
        cut = true;
        if (depth > 0) break;
        continue; // the event itself: its type, surface and ids are kept past the bound
      }
      const v = jsonValue(o, k, depth + 1, walk);
      // defineProperty: an own `__proto__` member (JSON.parse makes one) would otherwise set the prototype.
      if (v !== undefined) defineProperty(out, wellFormed(k), { value: v, enumerable: true, writable: true });
    }
    if (cut) defineProperty(out, '…', { value: '…', enumerable: true, writable: true });
    return freeze(out);
  } finally {
    walk.open.delete(o);
  }
}
/** The members of an event the stores read (its indexes, `usage`): never cut by the member bound. */
const READ_BY_STORES: ReadonlySet<string> = new Set([
  'type',
  'surface',
  'tokenId',
  'ownerId',
  'workspaceId',
  'actor',
  'requestId',
  'count',
]);
type Json = { toJSON?: (key: string) => unknown };

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
  // Up: event times are whole ms, so `at >= ceil(since)`, `at < ceil(until)` and `at < ceil(before)`
  // select exactly the events a fractional bound does (floored, `since` took in the ms before it).
  return Math.ceil(ms);
}

/** Why the JSON form of an event cannot be stored, or null when it can. */
function eventProblem(json: Record<string, unknown>): string | null {
  if (typeof json !== 'object' || json === null) return 'must be an audit event object';
  const type = json['type'] as string;
  if (!TYPE_SET.has(type)) return `type must be one of ${AUDIT_TYPES.join(', ')}`;
  if ((type === 'request.allowed' || type === 'request.denied') && !SURFACES.has(json['surface'] as Surface))
    return "surface must be 'http' or 'mcp'";
  // An actor the stores cannot read an id of (`null.id` failed every Postgres batch it was in).
  if (!actorOk(json['actor'])) return 'actor must be an object';
  return null;
}
/** An actor a store can read an id of: absent, or an object that is not an array. */
const actorOk = (actor: unknown): boolean =>
  actor === undefined || (typeof actor === 'object' && actor !== null && !isArray(actor));

/** The event's own `time`, or undefined when reading it throws (a getter, a proxy's trap). */
function timeOf(event: AuditEvent): unknown {
  try {
    return event.time;
  } catch {
    return undefined;
  }
}

/**
 * The form a store keeps: the event, well-formed, with its id and its time canonical
 * (`toISOString`, whole milliseconds), so every store answers the same string; a time that does
 * not parse, or lies outside years 0001–9999, becomes `now`. `invalid_argument` for a value that
 * is not an event.
 */
export function toStored(event: AuditEvent, id: string, now: number): StoredAuditEvent {
  const walk = { open: new Set<object>(), left: AUDIT_MAX_OBJECTS, slots: AUDIT_MAX_SLOTS };
  // The JSON form first, then its type, ids and count, each read once: an actor's own `toJSON`
  // could answer null, a number or a long id, which Postgres reads for its `actor_id` column
  // (`null.id` failed the batch), and a getter that throws is `…` there, so a type, surface or
  // actor that cannot be read is refused by name, never with the integrator's own error.
  const json = (typeof event === 'object' && event !== null ? jsonValue({ '': event }, '', 0, walk) : event) as Record<
    string,
    unknown
  >;
  const problem = eventProblem(json);
  if (problem !== null)
    throw new KeycardError('invalid_argument', `audit event: ${problem}`, {
      fields: [problem.split(' ')[0] === 'must' ? 'event' : problem.split(' ')[0]!],
    });
  // Only a zoned time names one instant: a local date-time or free text would be read in the
  // process's time zone, so the same event would be stored at another instant on another server.
  const given = timeOf(event);
  const ms = typeof given === 'string' ? zonedMs(given) : Number.NaN;
  const at = Number.isFinite(ms) && ms >= AUDIT_MIN_MS && ms <= AUDIT_MAX_MS ? ms : now;
  const time = new Date(Math.floor(at)).toISOString();
  const out = bounded(json);
  out['id'] = id; // where the event had its own, else last, as a spread would put them
  out['time'] = time;
  return freeze(out) as unknown as StoredAuditEvent;
}

export { AUDIT_MAX_ID };
/** The largest `count` of a request event a store keeps (and `usage` adds): its sums fit a Postgres bigint. */
export const AUDIT_MAX_COUNT = 2_147_483_647;
/**
 * An id field of the JSON form as stored (each has an index and is matched as text): a string
 * cut to {@link AUDIT_MAX_ID} (well-formed again: the cut may split a surrogate pair); a number or
 * boolean as its string (what a Postgres `text` column made of it, so memory finds a numeric owner
 * id by its string too; a bigint is a string already); absent stays absent; anything else null.
 */
const idOf = (v: unknown): unknown =>
  typeof v === 'string'
    ? v.length > AUDIT_MAX_ID
      ? wellFormed(cap(v))
      : v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : v === undefined
        ? undefined
        : null;

/**
 * A copy of the event's JSON form with its indexed id fields (token, owner, workspace, actor,
 * request) as {@link idOf} has them and a request event's `count` held to an integer from 1 to
 * {@link AUDIT_MAX_COUNT} (left out when it is not a number of at least 1: it counts as one), so
 * no value fails a batch that would be retried for ever.
 */
function bounded(json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...json };
  for (const k of ['tokenId', 'ownerId', 'workspaceId', 'requestId']) if (k in out) out[k] = idOf(out[k]);
  const actor = out['actor'] as Record<string, unknown> | undefined; // an object: toStored checked
  if (actor !== undefined && 'id' in actor) out['actor'] = freeze({ ...actor, id: idOf(actor['id']) });
  if ((json['type'] === 'request.allowed' || json['type'] === 'request.denied') && 'count' in out) {
    const c = out['count'];
    const held = typeof c === 'number' && c >= 1 ? Math.min(Math.floor(c), AUDIT_MAX_COUNT) : undefined;
    if (held === undefined) delete out['count'];
    else out['count'] = held;
  }
  return out;
}
