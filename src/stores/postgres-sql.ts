/**
 * The Postgres store's SQL: one builder per port method (the schema is in `postgres-schema.ts`). Each builder answers `{ text, params }` for a single statement:
 * writes are one statement each (a data-modifying CTE raises the change counter, records the
 * change and NOTIFYs in the same statement), so they are atomic on their own and work through a
 * pooler in transaction mode. Pure functions, no I/O.
 */
import type { ListQuery, StoredToken, TokenPatch } from '../core/store.ts';
import type { SqlValue } from './postgres-port.ts';
import { stringify } from '../core/builtins.ts';

/** A statement and its parameters, ready for `SqlPort.query`. */
export interface Statement {
  readonly text: string;
  readonly params: readonly SqlValue[];
}

/**
 * NOTIFY payloads are capped at 8,000 bytes by Postgres. A change description above this many
 * bytes is announced as its sequence number alone; listeners then read it from `keycard_changes`.
 */
export const MAX_NOTIFY_BYTES = 7_900;

/** Changes read per poll; a backlog larger than this is drained over the next polls. */
export const POLL_BATCH = 500;

/** Collects `$n` parameters in order. */
export class Params {
  readonly values: SqlValue[] = [];
  add(value: SqlValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * Epoch milliseconds ↔ timestamptz. Microsecond storage holds whole milliseconds exactly; the read
 * side rounds, so even far-future instants (where the float division loses a few microseconds)
 * come back as the integer that went in.
 */
export const ts = (param: string) => `to_timestamp(${param}::float8 / 1000)`;
export const ms = (column: string) => `round(extract(epoch from ${column}) * 1000)::float8`;
/** JSON columns travel as text (a driver would send a JS array as a Postgres array); SQL NULL stays NULL. */
const json = (value: unknown): SqlValue => (value === null || value === undefined ? null : stringify(value));

/** The record's columns under the record's own field names, so a row maps onto `StoredToken` 1:1. */
export const TOKEN_COLUMNS = [
  'id',
  'hash',
  'pepper_version AS "pepperVersion"',
  'label',
  'owner_id AS "ownerId"',
  'kind',
  'workspace_id AS "workspaceId"',
  'scopes',
  'restrictions',
  'rate_limit AS "rateLimit"',
  `${ms('created_at')} AS "createdAt"`,
  'created_by AS "createdBy"',
  `${ms('expires_at')} AS "expiresAt"`,
  `${ms('revoked_at')} AS "revokedAt"`,
  'revoked_reason AS "revokedReason"',
  `${ms('last_used_at')} AS "lastUsedAt"`,
  'rotated_from_id AS "rotatedFromId"',
  'family_id AS "familyId"',
  'start',
  'metadata',
  'version',
].join(', ');

/**
 * The tail every change-producing statement shares. `rows` is the CTE the change is about (its
 * rows must all be written, i.e. locked, before the counter row is: `guard` reads them in full,
 * so the counter's lock is always taken last and held only until commit — no lock cycle with a
 * concurrent revoke). Raising `keycard_state.seq` under its row lock numbers changes without gaps
 * in commit order; the change is recorded in `keycard_changes` and NOTIFYed with its number.
 */
export function changeCtes(guard: string, change: string, from: string): string {
  return [
    `s AS (UPDATE keycard_state SET seq = seq + 1 WHERE ${guard} RETURNING seq)`,
    `c AS (INSERT INTO keycard_changes (seq, change) SELECT s.seq, ${change} FROM s${from} RETURNING seq, change)`,
  ].join(',\n');
}

/** Select-list items that hand back the change and NOTIFY it (its description, or only its number when too large). */
export function announceColumns(channel: string): string {
  return [
    'c.seq AS "changeSeq"',
    'c.change AS "change"',
    `pg_notify(${channel}, CASE WHEN octet_length(n.payload) <= ${MAX_NOTIFY_BYTES} THEN n.payload ELSE jsonb_build_object('seq', c.seq)::text END)::text AS "notified"`,
  ].join(', ');
}
export const payloadLateral = `LATERAL (SELECT (c.change || jsonb_build_object('seq', c.seq))::text AS payload) n`;

/** `INSERT … ON CONFLICT DO NOTHING RETURNING id`: no row back means the id or the hash exists. */
export function createStatement(t: StoredToken): Statement {
  const p = new Params();
  const values = [
    p.add(t.id),
    p.add(t.hash),
    p.add(t.pepperVersion),
    p.add(t.label),
    p.add(t.ownerId),
    p.add(t.kind),
    p.add(t.workspaceId),
    `${p.add(json(t.scopes))}::jsonb`,
    `${p.add(json(t.restrictions))}::jsonb`,
    `${p.add(json(t.rateLimit))}::jsonb`,
    ts(p.add(t.createdAt)),
    p.add(t.createdBy),
    ts(p.add(t.expiresAt)),
    ts(p.add(t.revokedAt)),
    p.add(t.revokedReason),
    ts(p.add(t.lastUsedAt)),
    p.add(t.rotatedFromId),
    p.add(t.familyId),
    p.add(t.start),
    `${p.add(json(t.metadata ?? {}))}::jsonb`,
    p.add(t.version),
  ];
  const text =
    'INSERT INTO keycard_tokens (id, hash, pepper_version, label, owner_id, kind, workspace_id, scopes, restrictions, rate_limit, ' +
    'created_at, created_by, expires_at, revoked_at, revoked_reason, last_used_at, rotated_from_id, family_id, start, metadata, version) ' +
    `VALUES (${values.join(', ')}) ON CONFLICT DO NOTHING RETURNING id`;
  return { text, params: p.values };
}

export function findByHashStatement(hash: string): Statement {
  return { text: `SELECT ${TOKEN_COLUMNS} FROM keycard_tokens WHERE hash = $1`, params: [hash] };
}

/** One row whose hash is any of `hashes` (a secret under each pepper generation), in one statement. */
export function findByAnyHashStatement(hashes: readonly string[]): Statement {
  const marks = hashes.map((_, i) => `$${i + 1}`).join(', ');
  return { text: `SELECT ${TOKEN_COLUMNS} FROM keycard_tokens WHERE hash IN (${marks}) LIMIT 1`, params: [...hashes] };
}

export function getStatement(id: string): Statement {
  return { text: `SELECT ${TOKEN_COLUMNS} FROM keycard_tokens WHERE id = $1`, params: [id] };
}

/** Whether a row with this id exists (tells `not_found` from `conflict` after a failed update). */
export function existsStatement(id: string): Statement {
  return { text: 'SELECT 1 AS found FROM keycard_tokens WHERE id = $1', params: [id] };
}

/**
 * One page in (created_at, id) order, keyset-paged: everything strictly after the cursor's key, so
 * concurrent inserts never shift a page. Fetches `limit + 1` rows; the extra one only tells
 * whether another match follows. Status is judged at `query.now`, never at the database's clock.
 */
export function listStatement(query: ListQuery, after: readonly [number, string] | null): Statement {
  const p = new Params();
  const where: string[] = [];
  if (query.ownerId !== undefined) where.push(`owner_id = ${p.add(query.ownerId)}`);
  if (query.workspaceId !== undefined) where.push(`workspace_id = ${p.add(query.workspaceId)}`);
  if (query.kind !== undefined) where.push(`kind = ${p.add(query.kind)}`);
  switch (query.status ?? 'all') {
    case 'active': {
      const now = ts(p.add(query.now));
      where.push(`revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})`);
      break;
    }
    case 'expired':
      where.push(`revoked_at IS NULL AND expires_at <= ${ts(p.add(query.now))}`);
      break;
    case 'revoked':
      where.push('revoked_at IS NOT NULL');
      break;
    default:
      break;
  }
  if (after) where.push(`(created_at, id) > (${ts(p.add(after[0]))}, ${p.add(after[1])})`);
  const text =
    `SELECT ${TOKEN_COLUMNS} FROM keycard_tokens` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY created_at, id LIMIT ${p.add(query.limit + 1)}`;
  return { text, params: p.values };
}

/** The fields `update` may write, with their column and how the value is sent. */
const PATCH_COLUMNS = {
  label: (p: Params, v: unknown) => `label = ${p.add(v as string)}`,
  metadata: (p: Params, v: unknown) => `metadata = ${p.add(json(v))}::jsonb`,
  rateLimit: (p: Params, v: unknown) => `rate_limit = ${p.add(json(v))}::jsonb`,
  expiresAt: (p: Params, v: unknown) => `expires_at = ${ts(p.add(v as number | null))}`,
  scopes: (p: Params, v: unknown) => `scopes = ${p.add(json(v))}::jsonb`,
  restrictions: (p: Params, v: unknown) => `restrictions = ${p.add(json(v))}::jsonb`,
} as const satisfies Record<keyof TokenPatch, (p: Params, v: unknown) => string>;

const tokenChange = `jsonb_build_object('type', 'token', 'id', t.id, 'hash', t.hash, 'version', t.version, 'revoked', t."revokedAt" IS NOT NULL)`;

/**
 * Applies the fields present in `patch` iff `version = expectedVersion`, raising the version, and
 * announces the change, all in one statement. `revoked_at` is not among the columns it can write,
 * so an update racing a revoke ends revoked. No row back: unknown id or stale version.
 */
export function updateStatement(id: string, patch: TokenPatch, expectedVersion: number, channel: string): Statement {
  const p = new Params();
  const sets: string[] = [];
  for (const key of Object.keys(PATCH_COLUMNS) as (keyof TokenPatch)[]) {
    if (patch[key] !== undefined) sets.push(PATCH_COLUMNS[key](p, patch[key]));
  }
  sets.push('version = version + 1');
  const ch = p.add(channel);
  const text =
    `WITH t AS (UPDATE keycard_tokens SET ${sets.join(', ')} WHERE id = ${p.add(id)} AND version = ${p.add(expectedVersion)} RETURNING ${TOKEN_COLUMNS}),\n` +
    `${changeCtes('(SELECT count(*) FROM t) > 0', tokenChange, ', t')}\n` +
    `SELECT t.*, ${announceColumns(ch)} FROM t, c, ${payloadLateral}`;
  return { text, params: p.values };
}

/**
 * Revokes iff not yet revoked (`WHERE revoked_at IS NULL`: a revocation is never overwritten or
 * cleared), raising the version and announcing it. No row back: unknown or already revoked — the
 * caller then reads the row in a new statement, which sees a concurrent winner's commit.
 */
export function revokeStatement(id: string, at: number, reason: string | null, channel: string): Statement {
  const p = new Params();
  const ch = p.add(channel);
  const text =
    `WITH t AS (UPDATE keycard_tokens SET revoked_at = ${ts(p.add(at))}, revoked_reason = ${p.add(reason)}, version = version + 1 ` +
    `WHERE id = ${p.add(id)} AND revoked_at IS NULL RETURNING ${TOKEN_COLUMNS}),\n` +
    `${changeCtes('(SELECT count(*) FROM t) > 0', tokenChange, ', t')}\n` +
    `SELECT t.*, ${announceColumns(ch)} FROM t, c, ${payloadLateral}`;
  return { text, params: p.values };
}

/** Changes nothing but announces that a principal's standing changed. */
export function announceOwnerStatement(principalId: string, channel: string): Statement {
  const p = new Params();
  const change = `jsonb_build_object('type', 'owner', 'principalId', ${p.add(principalId)}::text)`;
  const ch = p.add(channel);
  const text = `WITH ${changeCtes('true', change, '')}\nSELECT ${announceColumns(ch)} FROM c, ${payloadLateral}`;
  return { text, params: p.values };
}

/** Raises `last_used_at` to `at` (GREATEST); a lower or equal `at` writes nothing. No version change, no announcement. */
export function touchStatement(id: string, at: number): Statement {
  return {
    text: `UPDATE keycard_tokens SET last_used_at = GREATEST(last_used_at, ${ts('$2')}) WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < ${ts('$2')})`,
    params: [id, at],
  };
}

/** Swaps the hash iff it is still `fromHash` and `toHash` is free. No version change. */
export function rehashStatement(id: string, fromHash: string, toHash: string, pepperVersion: number): Statement {
  return {
    text:
      'UPDATE keycard_tokens SET hash = $3, pepper_version = $4 WHERE id = $1 AND hash = $2 ' +
      'AND NOT EXISTS (SELECT 1 FROM keycard_tokens WHERE hash = $3)',
    params: [id, fromHash, toHash, pepperVersion],
  };
}

/**
 * The counter and the changes after `since` (none when `since` is null: a new subscriber only
 * learns where the sequence stands), read in one snapshot. Every change numbered up to `head` is
 * committed and visible in that snapshot, since numbers are taken under a lock held until commit.
 */
export function pollStatement(since: number | null): Statement {
  return {
    text:
      'SELECT s.seq AS head, c.seq, c.change FROM keycard_state s LEFT JOIN LATERAL ' +
      `(SELECT seq, change FROM keycard_changes WHERE seq > $1::bigint AND seq <= s.seq ORDER BY seq LIMIT ${POLL_BATCH}) c ON true ORDER BY c.seq`,
    params: [since],
  };
}

/** Deletes changes older than the retention period (any process may run it; concurrent runs are harmless). */
export function pruneStatement(retentionMs: number): Statement {
  return {
    text: "DELETE FROM keycard_changes WHERE at < now() - $1::float8 * interval '1 millisecond'",
    params: [retentionMs],
  };
}
