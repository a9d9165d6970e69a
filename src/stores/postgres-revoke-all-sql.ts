/**
 * The Postgres store's revoke-all SQL: the two revoking statements (`revokeAll`, the confirmed
 * `revokeAllIfCount`), the watermark written before the first, the create-side check that reads
 * it, and the pass that follows the families a revoke-all ended. Pure functions, no I/O; the
 * shared pieces (parameters, time conversion, change announcement) are in `postgres-sql.ts`.
 */
import type { RevokeAllFilter, StoredToken } from '../core/store.ts';
import { Params, announceColumns, changeCtes, ms, payloadLateral, ts, type Statement } from './postgres-sql.ts';

/**
 * The families a revoke-all statement's snapshot held a live member of (`seen`), as JSON text (null
 * when none): the members it revoked, and any another call revoked while it waited on the row lock
 * (the UPDATE re-reads such a row, finds it revoked and skips it, but a successor may hang off it).
 */
const FAMILIES = `(SELECT json_agg(DISTINCT family_id)::text FROM seen) AS families`;

/** A token live at the time in parameter `atParam`: counted by a revoke-all (an expired, unrevoked one is revoked but not counted). */
const liveAt = (atParam: string) => `(expires_at IS NULL OR expires_at > ${ts(atParam)})`;

/** `keycard_revocations.filter_kind` of a revoke-all filter (or of the token it would cover). */
const filterKind = (byOwner: boolean) => (byOwner ? 'owner' : 'workspace');

/**
 * Writes the revokeAll watermark of the `(filter_kind, filter_id, revoked_before)` row(s) `source`
 * gives (a VALUES list or a SELECT), never lowering one already written.
 */
const raiseWatermark = (source: string) =>
  `INSERT INTO keycard_revocations (filter_kind, filter_id, revoked_before) ${source} ` +
  'ON CONFLICT (filter_kind, filter_id) DO UPDATE SET revoked_before = GREATEST(keycard_revocations.revoked_before, EXCLUDED.revoked_before)';

/** The rows a revoke-all filter names (`coveredByRevokeAll`), with the filter's one parameter. */
function filterMatch(p: Params, filter: RevokeAllFilter) {
  const byOwner = 'ownerId' in filter;
  const subject = p.add(byOwner ? filter.ownerId : filter.workspaceId);
  const match = byOwner
    ? `kind = 'personal' AND owner_id = ${subject}`
    : `kind = 'workspace' AND workspace_id = ${subject}`;
  return { byOwner, subject, match };
}

/** What both revoke-all statements share: the filter's match, its parameters and the announced change. */
function revokeAllParts(p: Params, filter: RevokeAllFilter, at: number) {
  const { byOwner, subject, match } = filterMatch(p, filter);
  const atParam = p.add(at);
  const filterJson = `jsonb_build_object('${byOwner ? 'ownerId' : 'workspaceId'}', ${subject}::text)`;
  const change = `jsonb_build_object('type', 'revokeAll', 'filter', ${filterJson}, 'revokedBefore', ${atParam}::float8)`;
  return { byOwner, subject, atParam, match, change, live: liveAt(atParam) };
}

/**
 * Revokes every matching, not yet revoked token (expired ones too) and counts those live at `at`;
 * records the `revokedBefore` watermark (kept in
 * `keycard_revocations`) and announces ONE change carrying the filter and the watermark — never
 * the ids, so the NOTIFY payload stays small however many tokens it ended. One statement, hence
 * one transaction. Always announces, even when nothing matched (as the memory store does).
 */
export function revokeAllStatement(
  filter: RevokeAllFilter,
  at: number,
  reason: string | null,
  channel: string,
): Statement {
  const p = new Params();
  const { byOwner, subject, atParam, match, change, live } = revokeAllParts(p, filter, at);
  const ch = p.add(channel);
  const text =
    `WITH seen AS (SELECT family_id FROM keycard_tokens WHERE ${match} AND revoked_at IS NULL),\n` +
    `t AS (UPDATE keycard_tokens SET revoked_at = ${ts(atParam)}, revoked_reason = ${p.add(reason)}, version = version + 1 ` +
    `WHERE ${match} AND revoked_at IS NULL RETURNING id, ${live} AS counted),\n` +
    `w AS (${raiseWatermark(`VALUES ('${filterKind(byOwner)}', ${subject}, ${ts(atParam)})`)} RETURNING 1),\n` +
    `${changeCtes('(SELECT count(*) FROM t) + (SELECT count(*) FROM w) >= 0', change, '')}\n` +
    `SELECT (SELECT count(*) FILTER (WHERE counted) FROM t)::int AS count, ${FAMILIES}, ${announceColumns(ch)} FROM c, ${payloadLateral}`;
  return { text, params: p.values };
}

/**
 * `revokeAllStatement` iff the tokens it would count number exactly `expectCount`, in ONE
 * statement: `unrevoked` locks the matching, not yet revoked rows (`FOR UPDATE`; under READ
 * COMMITTED a row a concurrent revoke changed is re-checked and dropped, so the count is of rows
 * still revocable), `found` counts those live at `at`, and the revocation (of every locked row,
 * expired ones too), the watermark and the change are written only when that count is the
 * expected one. One statement rather than a transaction: it needs no session (a pooler in
 * transaction mode works) and holds the row locks for one round trip. An insert committed after
 * its snapshot is not counted and not revoked. The watermark is written here, not beforehand in
 * its own commit as `revokeAll` does (a refused call must leave none), so such an insert may miss
 * it and stay active — it was not counted. A locked row whose version is not the one its snapshot
 * read (`seen`) was changed by a transaction that committed after the snapshot: a rotation's
 * claim, whose successor (inserted before the claim) the snapshot cannot count. Then nothing is
 * written (`moved`), as for a count that did not match. Answers one row: `count` and the change
 * when it revoked, or `count` (the number found) with a null change and `moved` when it did not.
 */
export function revokeAllIfCountStatement(
  filter: RevokeAllFilter,
  at: number,
  reason: string | null,
  expectCount: number,
  channel: string,
): Statement {
  const p = new Params();
  const { byOwner, subject, atParam, match, change, live } = revokeAllParts(p, filter, at);
  const ch = p.add(channel);
  const matched = `(SELECT count FROM found) = ${p.add(expectCount)}::int AND NOT (SELECT moved FROM found)`;
  const text =
    `WITH unrevoked AS (SELECT id, version, ${live} AS counted FROM keycard_tokens WHERE ${match} AND revoked_at IS NULL FOR UPDATE),\n` +
    `seen AS (SELECT id, version, family_id FROM keycard_tokens WHERE ${match} AND revoked_at IS NULL),\n` +
    'found AS (SELECT (count(*) FILTER (WHERE counted))::int AS count, ' +
    'EXISTS (SELECT 1 FROM unrevoked u JOIN seen s USING (id) WHERE u.version <> s.version) AS moved FROM unrevoked),\n' +
    `t AS (UPDATE keycard_tokens SET revoked_at = ${ts(atParam)}, revoked_reason = ${p.add(reason)}, version = version + 1 ` +
    `WHERE id IN (SELECT id FROM unrevoked) AND revoked_at IS NULL AND ${matched} RETURNING id, ${live} AS counted),\n` +
    `w AS (${raiseWatermark(`SELECT '${filterKind(byOwner)}', ${subject}, ${ts(atParam)} WHERE ${matched}`)} RETURNING 1),\n` +
    `${changeCtes(`${matched} AND (SELECT count(*) FROM t) + (SELECT count(*) FROM w) >= 0`, change, '')}\n` +
    `SELECT (SELECT count(*) FILTER (WHERE counted) FROM t)::int AS count, false AS moved, ${FAMILIES}, ${announceColumns(ch)} FROM c, ${payloadLateral}\n` +
    `UNION ALL SELECT found.count, found.moved, NULL, NULL, NULL, NULL FROM found WHERE NOT (${matched})`;
  return { text, params: p.values };
}

/**
 * Run after a revoke-all statement committed (a new snapshot): the tokens its filter matches, not
 * revoked, in the families (JSON array text) its snapshot held a live member of. That snapshot missed them:
 * a rotation inserted its successor after that snapshot was taken, then claimed the old row before
 * the UPDATE reached it, so the UPDATE revoked the old row alone (and the successor, created after
 * the watermark, escaped the create-side check). Such a successor is a copy of a token the call
 * ended, and ends with it. A new token issued after the watermark starts a family of its own.
 */
export function racedSuccessorsStatement(filter: RevokeAllFilter, families: string): Statement {
  const p = new Params();
  const { match } = filterMatch(p, filter);
  return {
    text:
      `SELECT id, ${ms('created_at')} AS "createdAt" FROM keycard_tokens WHERE ${match} AND revoked_at IS NULL ` +
      `AND family_id IN (SELECT json_array_elements_text(${p.add(families)}::json))`,
    params: p.values,
  };
}

/** The tokens a revoke-all of `filter` at `at` would count now (a new snapshot): after a refusal whose snapshot was stale. */
export function liveCountStatement(filter: RevokeAllFilter, at: number): Statement {
  const p = new Params();
  const { match } = filterMatch(p, filter);
  const live = liveAt(p.add(at));
  return {
    text: `SELECT (count(*) FILTER (WHERE ${live}))::int AS count FROM keycard_tokens WHERE ${match} AND revoked_at IS NULL`,
    params: p.values,
  };
}

/**
 * Raises the revokeAll watermark alone, committed before `revokeAllStatement` runs: a create whose
 * insert that revokeAll's snapshot missed commits after this, so its `coveredStatement` sees it.
 */
export function watermarkStatement(filter: RevokeAllFilter, at: number): Statement {
  const byOwner = 'ownerId' in filter;
  return {
    text: raiseWatermark(`VALUES ('${filterKind(byOwner)}', $1, ${ts('$2')})`),
    params: [byOwner ? filter.ownerId : filter.workspaceId, at],
  };
}

/**
 * Run after a create commits (a new snapshot): the watermark covering `token` if it is later than
 * its `createdAt` — one primary-key read, so a create pays little when nothing covers it.
 */
export function coveringWatermarkStatement(
  token: Pick<StoredToken, 'kind' | 'ownerId' | 'workspaceId' | 'createdAt'>,
): Statement | null {
  const subject = token.kind === 'personal' ? token.ownerId : token.workspaceId;
  if (subject === null) return null;
  return {
    text: `SELECT ${ms('revoked_before')} AS "revokedBefore" FROM keycard_revocations WHERE filter_kind = $1 AND filter_id = $2 AND revoked_before > ${ts('$3')}`,
    params: [filterKind(token.kind === 'personal'), subject, token.createdAt],
  };
}
