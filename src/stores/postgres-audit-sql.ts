/**
 * The Postgres audit store's SQL: its schema (run by `migrate`, after the token store's, under
 * the same advisory lock) and one builder per statement. Pure functions, no I/O.
 *
 * Layout. `keycard_audit_events` is range-partitioned by month on `at`; partitions are made ahead
 * (by `migrate` and by the writer, which makes the month of any event it has not seen), and
 * retention drops whole partitions. Every filter of `query` has an index ending in `(at, id)`,
 * so each is an index scan in the page order, merged across partitions. `keycard_audit_usage`
 * is the per token, UTC day and surface roll-up that `usage` reads. `keycard_audit_batches`
 * remembers applied batch ids: a batch retried after an unknown outcome changes nothing twice.
 */
import type { SqlValue } from './postgres-port.ts';
import type { ParsedAuditQuery } from '../core/audit-store.ts';
import { stringify } from '../core/builtins.ts';

/** The audit schema. Idempotent; one transaction; serialised with `migrate`'s advisory lock. */
export const AUDIT_SCHEMA_SQL = `-- keycard audit store schema (keycard/postgres), version 1.
SELECT pg_advisory_xact_lock(hashtext('keycard.migrate'));

CREATE TABLE IF NOT EXISTS keycard_audit_events (
  id           text COLLATE "C" NOT NULL,
  at           timestamptz NOT NULL,
  type         text NOT NULL,
  token_id     text,
  owner_id     text,
  workspace_id text,
  actor_id     text,
  request_id   text,
  data         jsonb NOT NULL,
  PRIMARY KEY (at, id)
) PARTITION BY RANGE (at);

-- One index per filter, each ending in the page order (at, id).
CREATE INDEX IF NOT EXISTS keycard_audit_events_token_idx ON keycard_audit_events (token_id, at, id);
CREATE INDEX IF NOT EXISTS keycard_audit_events_owner_idx ON keycard_audit_events (owner_id, at, id);
CREATE INDEX IF NOT EXISTS keycard_audit_events_workspace_idx ON keycard_audit_events (workspace_id, at, id);
CREATE INDEX IF NOT EXISTS keycard_audit_events_actor_idx ON keycard_audit_events (actor_id, at, id);
CREATE INDEX IF NOT EXISTS keycard_audit_events_request_idx ON keycard_audit_events (request_id, at, id);
CREATE INDEX IF NOT EXISTS keycard_audit_events_type_idx ON keycard_audit_events (type, at, id);

CREATE TABLE IF NOT EXISTS keycard_audit_usage (
  token_id     text NOT NULL,
  day          date NOT NULL,
  surface      text NOT NULL,
  allowed      bigint NOT NULL DEFAULT 0,
  denied       bigint NOT NULL DEFAULT 0,
  last_used_at timestamptz,
  PRIMARY KEY (token_id, day, surface)
);
CREATE INDEX IF NOT EXISTS keycard_audit_usage_day_idx ON keycard_audit_usage (day);

CREATE TABLE IF NOT EXISTS keycard_audit_batches (
  id text PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS keycard_audit_batches_at_idx ON keycard_audit_batches (at);

-- The partition of the month holding \`month\` (UTC), made if missing.
CREATE OR REPLACE FUNCTION keycard_audit_partition(month date) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  lo timestamp := date_trunc('month', month::timestamp);
  name text := 'keycard_audit_events_p' || to_char(lo, 'YYYYMM');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('keycard.audit.partitions'));
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF keycard_audit_events FOR VALUES FROM (%L) TO (%L)',
      name, lo AT TIME ZONE 'UTC', (lo + interval '1 month') AT TIME ZONE 'UTC');
  END IF;
END
$fn$;

-- Retention: drops every partition that ends by \`before\`, deletes the older rows of the one it
-- falls in, the usage of the days that ended by then, and old batch ids. Answers partitions dropped.
CREATE OR REPLACE FUNCTION keycard_audit_prune(before timestamptz) RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
  p record;
  lo timestamptz;
  dropped integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('keycard.audit.partitions'));
  FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'keycard_audit_events'::regclass AND c.relname ~ '^keycard_audit_events_p[0-9]{6}$' LOOP
    lo := to_date(right(p.relname, 6), 'YYYYMM')::timestamp AT TIME ZONE 'UTC';
    IF (to_date(right(p.relname, 6), 'YYYYMM')::timestamp + interval '1 month') AT TIME ZONE 'UTC' <= before THEN
      EXECUTE format('DROP TABLE %I', p.relname);
      dropped := dropped + 1;
    ELSIF lo < before THEN
      EXECUTE format('DELETE FROM %I WHERE at < %L', p.relname, before);
    END IF;
  END LOOP;
  DELETE FROM keycard_audit_usage WHERE day < (before AT TIME ZONE 'UTC')::date;
  DELETE FROM keycard_audit_batches WHERE at < now() - interval '1 day';
  RETURN dropped;
END
$fn$;

-- Partitions for this month and the next (the store makes the month of any event it writes, and two ahead).
SELECT keycard_audit_partition((date_trunc('month', now() AT TIME ZONE 'UTC') + m * interval '1 month')::date) FROM generate_series(0, 1) AS m;
`;

/** A statement and its parameters, ready for `SqlPort.query`. */
export interface AuditStatement {
  readonly text: string;
  readonly params: readonly SqlValue[];
}

/** An event row as the batch insert reads it from JSON. */
export interface AuditRow {
  readonly id: string;
  readonly at: string;
  readonly type: string;
  readonly token_id: string | null;
  readonly owner_id: string | null;
  readonly workspace_id: string | null;
  readonly actor_id: string | null;
  readonly request_id: string | null;
  readonly data: unknown;
}

/** A roll-up increment as the batch insert reads it from JSON; one per (token, day, surface) in a batch. */
export interface UsageRow {
  readonly token_id: string;
  readonly day: string;
  readonly surface: string;
  readonly allowed: number;
  readonly denied: number;
  readonly last_used_at: string | null;
}

const EVENT_COLUMNS =
  'id text, at timestamptz, type text, token_id text, owner_id text, workspace_id text, actor_id text, request_id text, data jsonb';
const USAGE_COLUMNS = 'token_id text, day date, surface text, allowed bigint, denied bigint, last_used_at timestamptz';

/**
 * One batch in one statement (one round trip, one transaction): the batch id is recorded, and
 * only if it was new are the events inserted (ON CONFLICT DO NOTHING on their ids too) and the
 * roll-up raised. Rows travel as JSON parameters (the port sends scalars only), one per chunk of
 * rows: `append` gives all of its events as one batch in chunks of `batchSize`, so it stores all of
 * them or none on any port (a pool runs each query on any connection: no transaction spans two),
 * while no one JSON text grows past a chunk (a string in V8, a `jsonb` in Postgres, have limits).
 * Usage rows (one per key in the whole batch) are applied in key order, so concurrent batches
 * lock them in one order: no deadlock.
 */
export function insertBatchStatement(
  batchId: string,
  events: readonly (readonly AuditRow[])[],
  usage: readonly (readonly UsageRow[])[],
): AuditStatement {
  const params: SqlValue[] = [batchId];
  const rows = (chunks: readonly (readonly unknown[])[], columns: string) =>
    (chunks.length > 0 ? chunks : [[]])
      .map((chunk) => {
        params.push(stringify(chunk));
        return `SELECT * FROM jsonb_to_recordset($${params.length}::jsonb) AS x(${columns})`;
      })
      .join(' UNION ALL ');
  const text = `WITH b AS (INSERT INTO keycard_audit_batches (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id),
e AS (INSERT INTO keycard_audit_events (id, at, type, token_id, owner_id, workspace_id, actor_id, request_id, data)
  SELECT r.id, r.at, r.type, r.token_id, r.owner_id, r.workspace_id, r.actor_id, r.request_id, r.data
  FROM (${rows(events, EVENT_COLUMNS)}) AS r
  WHERE EXISTS (SELECT 1 FROM b)
  ON CONFLICT DO NOTHING RETURNING 1),
u AS (INSERT INTO keycard_audit_usage (token_id, day, surface, allowed, denied, last_used_at)
  SELECT r.token_id, r.day, r.surface, r.allowed, r.denied, r.last_used_at
  FROM (${rows(usage, USAGE_COLUMNS)}) AS r
  WHERE EXISTS (SELECT 1 FROM b)
  ORDER BY r.token_id, r.day, r.surface
  ON CONFLICT (token_id, day, surface) DO UPDATE SET
    allowed = keycard_audit_usage.allowed + EXCLUDED.allowed,
    denied = keycard_audit_usage.denied + EXCLUDED.denied,
    last_used_at = GREATEST(keycard_audit_usage.last_used_at, EXCLUDED.last_used_at)
  RETURNING 1)
SELECT (SELECT count(*) FROM b)::int AS fresh, (SELECT count(*) FROM e)::int AS inserted, (SELECT count(*) FROM u)::int AS rolled`;
  return { text, params };
}

/** Makes the partition of the month of `day` (`YYYY-MM-01`). */
export function partitionStatement(day: string): AuditStatement {
  return { text: 'SELECT keycard_audit_partition($1::date)', params: [day] };
}

/** Retention: see `keycard_audit_prune` in the schema. */
export function pruneAuditStatement(beforeIso: string): AuditStatement {
  return { text: 'SELECT keycard_audit_prune($1::timestamptz) AS dropped', params: [beforeIso] };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * One page by keyset over (at, id): strictly past the cursor's key in the page order, so rows
 * committed meanwhile never shift a page. Fetches `limit + 1`; the extra row says whether more follow.
 */
export function auditQueryStatement(q: ParsedAuditQuery): AuditStatement {
  const params: SqlValue[] = [];
  const p = (v: SqlValue) => (params.push(v), `$${params.length}`);
  const where: string[] = [];
  if (q.tokenId !== undefined) where.push(`token_id = ${p(q.tokenId)}`);
  if (q.ownerId !== undefined) where.push(`owner_id = ${p(q.ownerId)}`);
  if (q.workspaceId !== undefined) where.push(`workspace_id = ${p(q.workspaceId)}`);
  if (q.actorId !== undefined) where.push(`actor_id = ${p(q.actorId)}`);
  if (q.requestId !== undefined) where.push(`request_id = ${p(q.requestId)}`);
  if (q.types !== null) where.push(q.types.length === 0 ? 'false' : `type IN (${q.types.map((t) => p(t)).join(', ')})`);
  if (q.since !== null) where.push(`at >= ${p(iso(q.since))}::timestamptz`);
  if (q.until !== null) where.push(`at < ${p(iso(q.until))}::timestamptz`);
  const dir = q.order === 'desc' ? 'DESC' : 'ASC';
  if (q.after)
    where.push(`(at, id) ${q.order === 'desc' ? '<' : '>'} (${p(iso(q.after[0]))}::timestamptz, ${p(q.after[1])})`);
  const text =
    'SELECT data FROM keycard_audit_events' +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY at ${dir}, id ${dir} LIMIT ${p(q.limit + 1)}`;
  return { text, params };
}

/** The roll-up of one token from `fromDay` to `toDay` (both included), oldest first. */
export function usageStatement(tokenId: string, fromDay: string, toDay: string): AuditStatement {
  return {
    text:
      "SELECT to_char(day, 'YYYY-MM-DD') AS day, surface, allowed::float8 AS allowed, denied::float8 AS denied, " +
      `to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastUsedAt" ` +
      'FROM keycard_audit_usage WHERE token_id = $1 AND day >= $2::date AND day <= $3::date ORDER BY day, surface',
    params: [tokenId, fromDay, toDay],
  };
}

/** The statements of the audit script for ports without `exec`: like the token schema's split, but a `$fn$ … $fn$` body stays whole. */
export function splitAuditStatements(script: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let inBody = false;
  for (const line of script.split('\n')) {
    if (!inBody && line.trimStart().startsWith('--')) continue;
    current.push(line);
    if ((line.match(/\$fn\$/g)?.length ?? 0) % 2 === 1) inBody = !inBody;
    if (!inBody && /;\s*$/.test(line)) {
      const statement = current.join('\n').trim().replace(/;$/, '');
      if (statement.length > 0) out.push(statement);
      current = [];
    }
  }
  const rest = current.join('\n').trim();
  if (rest.length > 0) out.push(rest);
  return out;
}
