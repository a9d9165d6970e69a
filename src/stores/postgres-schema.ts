/**
 * The Postgres token store's schema (identical to `postgres.sql`, which a test checks) and the
 * splitter that runs a script through a port without `exec`. No I/O.
 */

/** The schema, as shipped in `src/stores/postgres.sql`. Idempotent; one transaction. */
export const SCHEMA_SQL = `-- keycard token store schema (keycard/postgres), version 1.
--
-- migrate(port) runs this whole script as one transaction. It is idempotent (every statement is
-- IF NOT EXISTS / ON CONFLICT DO NOTHING), and the advisory lock lets several processes migrate at
-- the same moment: the second waits for the first, then finds nothing to do. Tables are created in
-- the connection's search_path; set it on the connection to use another schema.
SELECT pg_advisory_xact_lock(hashtext('keycard.migrate'));

-- One row per token. The secret is never stored: hash is the hex SHA-256 (or HMAC) of it.
-- id sorts by code unit (COLLATE "C"), the order list pages in.
CREATE TABLE IF NOT EXISTS keycard_tokens (
  id              text COLLATE "C" PRIMARY KEY,
  hash            text COLLATE "C" NOT NULL,
  pepper_version  integer NOT NULL DEFAULT 0,
  label           text NOT NULL,
  owner_id        text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('personal', 'workspace')),
  workspace_id    text,
  scopes          jsonb NOT NULL,
  restrictions    jsonb,
  rate_limit      jsonb,
  created_at      timestamptz NOT NULL,
  created_by      text,
  expires_at      timestamptz,
  revoked_at      timestamptz,
  revoked_reason  text,
  last_used_at    timestamptz,
  rotated_from_id text,
  family_id       text NOT NULL,
  start           text NOT NULL,
  metadata        jsonb NOT NULL DEFAULT '{}',
  version         integer NOT NULL
);

-- Verification looks a token up by its hash: the hot path, and what makes a hash unique.
CREATE UNIQUE INDEX IF NOT EXISTS keycard_tokens_hash_key ON keycard_tokens (hash);
-- Keyset paging of list by (created_at, id), overall, per owner and per workspace.
CREATE INDEX IF NOT EXISTS keycard_tokens_created_idx ON keycard_tokens (created_at, id);
CREATE INDEX IF NOT EXISTS keycard_tokens_owner_idx ON keycard_tokens (owner_id, created_at, id);
CREATE INDEX IF NOT EXISTS keycard_tokens_workspace_idx ON keycard_tokens (workspace_id, created_at, id) WHERE workspace_id IS NOT NULL;

-- The change counter (the watermark every subscriber follows). One row; every statement that
-- changes what a token may do raises it under this row's lock, so sequence numbers have no gaps
-- and follow commit order.
CREATE TABLE IF NOT EXISTS keycard_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  seq       bigint NOT NULL DEFAULT 0
);
INSERT INTO keycard_state (singleton, seq) VALUES (true, 0) ON CONFLICT DO NOTHING;

-- The recent changes, by sequence number: what LISTEN/NOTIFY announces, and what a poller (or a
-- listener that missed a notification) reads back. Pruned after the retention period.
CREATE TABLE IF NOT EXISTS keycard_changes (
  seq    bigint PRIMARY KEY,
  at     timestamptz NOT NULL DEFAULT now(),
  change jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS keycard_changes_at_idx ON keycard_changes (at);

-- revokeAll watermarks: the latest revokedBefore per owner (personal tokens) or workspace
-- (workspace tokens). Kept for good: "when was this member offboarded" has an answer.
CREATE TABLE IF NOT EXISTS keycard_revocations (
  filter_kind    text NOT NULL CHECK (filter_kind IN ('owner', 'workspace')),
  filter_id      text NOT NULL,
  revoked_before timestamptz NOT NULL,
  PRIMARY KEY (filter_kind, filter_id)
);

CREATE TABLE IF NOT EXISTS keycard_schema (
  version    integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO keycard_schema (version) VALUES (1) ON CONFLICT DO NOTHING;
`;

/** The statements of a script, for ports without `exec` (comments dropped, split at line-ending semicolons). */
export function splitStatements(script: string): string[] {
  return script
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*\n/)
    .map((s) => s.trim().replace(/;$/, ''))
    .filter((s) => s.length > 0);
}
