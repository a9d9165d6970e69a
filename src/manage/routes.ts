/**
 * The token routes of the management API (SPEC §11), each a thin step from a validated input to
 * one lifecycle call (`issue`, `update`, `revoke`, `rotate`, `revokeAll`) with the actor and the
 * request id, so the existing `token.*` audit events and the no-escalation checks apply as they
 * do to direct calls. Every input is validated before anything is written.
 */
import type { z } from 'zod/mini';
import { withDeadline } from '../core/bounded.ts';
import { isKeycardError } from '../core/errors.ts';
import type { RevokeAllFilter, TokenRecord } from '../core/store.ts';
import type { Actor, Keycard } from '../keycard.ts';
import { grantableOf, ownerOf } from './authorization.ts';
import type { ManagementAction, ManagementActor, ManagementTarget, ResolvedOptions } from './options.ts';
import { ManagementProblem, invalid, json, notFound } from './problem.ts';
import type {
  activityQuery,
  createBody,
  listQuery,
  revokeAllBody,
  revokeBody,
  rotateBody,
  updateBody,
} from './schemas.ts';
import type { TokenView } from './answer-schemas.ts';
import { catalogueView, statusOf, toView } from './views.ts';
import type { CursorSeal } from './list-cursor.ts';
import { stringify } from '../core/builtins.ts';

/** What every route gets: the instance, the options, the caller and the request id. */
export interface RouteContext {
  readonly keycard: Keycard;
  readonly options: ResolvedOptions;
  readonly can: (actor: ManagementActor, action: ManagementAction, target: ManagementTarget) => Promise<boolean>;
  readonly actor: ManagementActor;
  readonly requestId: string;
  /** The keycard's `storeTimeoutMs`: the deadline of the audit store's calls. */
  readonly timeoutMs: number;
  /** Seals `GET /tokens`'s cursors (src/manage/list-cursor.ts). */
  readonly cursors: CursorSeal;
  /** Ids of the tokens this request found the actor may read (a refusal is filed under those only). */
  readonly visible: Set<string>;
}

/** Ids keycard issues are `tok_` + base62; anything else cannot exist, so it is a 404 without store I/O. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;

const targetOf = (r: TokenRecord): ManagementTarget => ({
  kind: r.kind,
  ownerId: r.ownerId,
  workspaceId: r.workspaceId,
  tokenId: r.id,
});

/** The actor as the lifecycle methods take it, carrying the request id onto audit events. */
function lifecycleActor(ctx: RouteContext): Actor {
  const a = ctx.actor;
  return a.kind === 'user'
    ? { kind: 'user', id: a.id, scopes: a.scopes, requestId: ctx.requestId }
    : { kind: 'token', identity: a.identity, requestId: ctx.requestId };
}

/** A record as every answer shows it: the view, with `lastUsedSurface` from the audit store ({@link withSurface}). */
const view = (ctx: RouteContext, r: TokenRecord): Promise<TokenView> =>
  withSurface(ctx, toView(r, ctx.keycard.scopes, ctx.keycard.clock.now(), ctx.options.expiringWithinMs));

/**
 * The record `id` names if the actor may see it (else 404, the same as an unknown id) and may do
 * `action` to it (else 403: it can see the token, so refusing says nothing new).
 */
export async function loadVisible(ctx: RouteContext, id: string, action: ManagementAction): Promise<TokenRecord> {
  if (!ID.test(id)) throw notFound();
  const record = await ctx.keycard.get(id);
  if (record === null || !(await ctx.can(ctx.actor, 'read', targetOf(record)))) throw notFound();
  ctx.visible.add(id);
  if (action !== 'read' && !(await ctx.can(ctx.actor, action, targetOf(record))))
    throw new ManagementProblem('forbidden', `Not allowed to ${action} this token`);
  return record;
}

/** Store pages read per listing at most, when filters leave pages empty. */
const MAX_PAGES = 10;

/**
 * `GET /tokens`. A page may hold fewer than `limit` rows when filters (`q`, `expiring`, `can`) drop
 * some. Its cursor is sealed: the store's names the last row read, maybe one `can` hides.
 */
export async function listTokens(ctx: RouteContext, q: z.output<typeof listQuery>): Promise<Response> {
  const kind = q.kind ?? (q.workspaceId !== undefined ? 'workspace' : 'personal');
  if (kind === 'workspace' && q.workspaceId === undefined)
    throw invalid([{ field: 'workspaceId', message: 'is required for kind=workspace' }]);
  const ownerId = kind === 'personal' ? ownerOf(ctx.actor) : null;
  // The listing a cursor is sealed for: the caller and every filter (not `limit`).
  const who = ctx.actor.kind === 'user' ? `user:${ctx.actor.id}` : `token:${ctx.actor.identity.tokenId}`;
  const listing = stringify([who, kind, ownerId, q.workspaceId ?? null, q.status, q.q ?? null]);
  let cursor = q.cursor === undefined ? null : await ctx.cursors.open(q.cursor, listing);
  if (q.cursor !== undefined && cursor === null)
    throw invalid([{ field: 'cursor', message: 'is not one this listing handed out (start the listing again)' }]);
  // The scope listed, personal or a workspace's, is asked first: one the actor may see nothing of is
  // the one 404, never pages of rows `can` drops (their count told a workspace bot its creator's).
  if (!(await ctx.can(ctx.actor, 'read', { kind, ownerId, workspaceId: q.workspaceId ?? null }))) throw notFound();
  const status = q.status === 'expiring' ? 'active' : q.status;
  const now = ctx.keycard.clock.now();
  const needle = q.q?.toLowerCase();
  const data: TokenView[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const r = await ctx.keycard.list({
      kind,
      status,
      limit: q.limit,
      cursor,
      ...(ownerId !== null ? { ownerId } : {}),
      ...(q.workspaceId !== undefined ? { workspaceId: q.workspaceId } : {}),
    });
    for (const record of r.records) {
      if (q.status === 'expiring' && statusOf(record, now, ctx.options.expiringWithinMs) !== 'expiring') continue;
      if (
        needle !== undefined &&
        ![record.label, record.id, record.start].some((s) => s.toLowerCase().includes(needle))
      )
        continue;
      if (!(await ctx.can(ctx.actor, 'read', targetOf(record)))) continue;
      data.push(toView(record, ctx.keycard.scopes, now, ctx.options.expiringWithinMs));
    }
    cursor = r.nextCursor;
    if (data.length > 0 || cursor === null) break;
  }
  return json({
    data: await withSurfaces(ctx, data),
    nextCursor: cursor === null ? null : await ctx.cursors.seal(cursor, listing),
  });
}

const DAY_MS = 86_400_000;

/**
 * `lastUsedSurface` from the audit store's usage roll-up (SPEC §14), when one is configured and
 * the record does not keep it: the surface of the latest allowed request in the days since
 * `lastUsedAt` (the record's is throttled; the roll-up's is exact). Rejects when the store fails.
 */
async function surfaceOf(ctx: RouteContext, v: TokenView): Promise<TokenView> {
  const store = ctx.options.auditStore;
  const usage = store?.usage;
  if (!usage || v.lastUsedSurface !== null || v.lastUsedAt === null) return v;
  const days = Math.min(366, Math.max(1, Math.ceil((ctx.keycard.clock.now() - Date.parse(v.lastUsedAt)) / DAY_MS) + 1));
  const rows = await withDeadline(() => usage.call(store, v.id, { days }), ctx.timeoutMs, 'Audit store usage');
  let best: { at: string; surface: 'http' | 'mcp' } | null = null;
  for (const row of rows)
    if (row.lastUsedAt !== null && (best === null || row.lastUsedAt > best.at))
      best = { at: row.lastUsedAt, surface: row.surface };
  return best
    ? { ...v, lastUsedSurface: best.surface, lastUsedAt: best.at > v.lastUsedAt ? best.at : v.lastUsedAt }
    : v;
}

/** {@link surfaceOf} of one view; a failing store leaves it null and is reported. */
async function withSurface(ctx: RouteContext, v: TokenView): Promise<TokenView> {
  try {
    return await surfaceOf(ctx, v);
  } catch (e) {
    ctx.options.onError(e);
    return v;
  }
}

/**
 * {@link surfaceOf} of a page of views: one lookup first, and the rest at once only if it
 * answered, so a store that fails or hangs costs one call and one report per listing, not one per
 * token (each failure may read differently, which the per-second coalescing of one kind cannot
 * merge); a later failure is reported once too, and leaves those surfaces null.
 */
async function withSurfaces(ctx: RouteContext, views: TokenView[]): Promise<TokenView[]> {
  const i = views.findIndex((v) => v.lastUsedSurface === null && v.lastUsedAt !== null);
  if (i === -1 || !ctx.options.auditStore?.usage) return views;
  try {
    views[i] = await surfaceOf(ctx, views[i]!);
  } catch (e) {
    ctx.options.onError(e);
    return views;
  }
  let failed = false;
  return Promise.all(
    views.map((v, j) =>
      j === i
        ? Promise.resolve(v)
        : surfaceOf(ctx, v).catch((e: unknown) => {
            if (!failed) ctx.options.onError(e);
            failed = true;
            return v;
          }),
    ),
  );
}

const instantOf = (v: number | string | undefined): number | undefined => (typeof v === 'string' ? Date.parse(v) : v);

/** `POST /tokens`: 201 with the secret, the only answer besides rotate's that holds one. */
export async function createToken(ctx: RouteContext, b: z.output<typeof createBody>): Promise<Response> {
  const kind = b.kind ?? 'personal';
  const workspaceId = b.workspaceId ?? null;
  const ownerId = ownerOf(ctx.actor);
  let scopes = b.scopes;
  if (b.preset !== undefined) {
    if (!Object.hasOwn(ctx.keycard.scopes.presets, b.preset))
      throw invalid([{ field: 'preset', message: 'is not a preset of the scope catalogue' }]);
    scopes = [...ctx.keycard.scopes.presets[b.preset]!];
  }
  knownScopes(ctx, scopes);
  if (!(await ctx.can(ctx.actor, 'create', { kind, ownerId, workspaceId }))) throw notFound();
  // The body's members as given (JSON holds no `undefined`), `preset` read as its scopes above.
  const { preset: _, ...given } = b;
  const issued = await ctx.keycard.issue({
    ...(given as Omit<typeof given, 'expiresAt' | 'metadata'>), // metadata: plain JSON, checked by issue
    ownerId,
    kind,
    workspaceId,
    ...(scopes !== undefined ? { scopes } : {}),
    ...(b.expiresAt !== undefined ? { expiresAt: instantOf(b.expiresAt)! } : {}),
    actor: lifecycleActor(ctx),
  });
  // RFC 9110 §15.3.2: the Location names the new token (…/tokens → …/tokens/:id).
  const location = `tokens/${encodeURIComponent(issued.record.id)}`;
  return json({ token: issued.token, record: await view(ctx, issued.record) }, 201, location);
}

/** 400 naming each scope the catalogue lacks (`scopes.<i>`), before anything is written. */
function knownScopes(ctx: RouteContext, scopes: readonly string[] | undefined): void {
  const unknown = (scopes ?? []).flatMap((s, i) =>
    ctx.keycard.scopes.has(s) ? [] : [{ field: `scopes.${i}`, message: 'is not in the scope catalogue' }],
  );
  if (unknown.length > 0) throw invalid(unknown);
}

/** `GET /tokens/:id`. */
export async function getToken(ctx: RouteContext, id: string): Promise<Response> {
  return json(await view(ctx, await loadVisible(ctx, id, 'read')));
}

/**
 * `PATCH /tokens/:id`: the narrowing rules of SPEC §6 are the lifecycle's (403 `scope_escalation`).
 * `rateLimit: null` clears the token's own limit; an absent member leaves it as it is.
 */
export async function updateToken(ctx: RouteContext, id: string, b: z.output<typeof updateBody>): Promise<Response> {
  await loadVisible(ctx, id, 'update');
  knownScopes(ctx, b.scopes);
  // The body's members as given (JSON holds no `undefined`; `rateLimit: null` clears), its instant read.
  const record = await ctx.keycard.update(
    id,
    {
      ...(b as Omit<typeof b, 'expiresAt' | 'metadata'>), // metadata: plain JSON, checked by update
      ...(b.expiresAt !== undefined ? { expiresAt: instantOf(b.expiresAt)! } : {}),
    },
    { actor: lifecycleActor(ctx) },
  );
  return json(await view(ctx, record));
}

/** `POST /tokens/:id/revoke`: idempotent; a second call keeps the first time and reason. */
export async function revokeToken(ctx: RouteContext, id: string, b: z.output<typeof revokeBody>): Promise<Response> {
  await loadVisible(ctx, id, 'revoke');
  const record = await ctx.keycard.revoke(id, { ...b, actor: lifecycleActor(ctx) });
  return json(await view(ctx, record));
}

/** `POST /tokens/:id/rotate`: 201 with the new secret and the old token's new expiry. */
export async function rotateToken(ctx: RouteContext, id: string, b: z.output<typeof rotateBody>): Promise<Response> {
  const before = await loadVisible(ctx, id, 'rotate');
  const issued = await ctx.keycard.rotate(id, { ...b, actor: lifecycleActor(ctx) });
  // The rotation is done: the old token ends at its new expiry and this answer holds the only copy
  // of the new secret, so a failing re-read must not become a 503 (both tokens lost). Its expiry is
  // then the one rotate set: min(old expiry, the rotation's instant + graceMs).
  let expiresAt: number | null;
  try {
    expiresAt = (await ctx.keycard.get(id))?.expiresAt ?? null;
  } catch (e) {
    ctx.options.onError(e);
    expiresAt = Math.min(before.expiresAt ?? Number.POSITIVE_INFINITY, issued.record.createdAt + (b.graceMs ?? 0));
  }
  return json(
    {
      token: issued.token,
      record: await view(ctx, issued.record),
      previous: { id, expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() },
    },
    201,
    `../${encodeURIComponent(issued.record.id)}`, // …/tokens/:id/rotate → …/tokens/:newId
  );
}

/**
 * `POST /tokens/revoke-all`. With `expectCount` (the number the person confirmed), nothing is
 * revoked unless exactly that many tokens would be: 409 `count_changed` with `expected` and
 * `actual` otherwise. The count and the revocation are one atomic step in the store (its
 * `revokeAllIfCount`), so a token created meanwhile is either counted, and the answer is 409, or
 * created after and left active; never revoked unconfirmed. (A custom store without
 * `revokeAllIfCount` counts first, then revokes: not exact, see `RevokeAllOptions`.)
 */
export async function revokeAll(ctx: RouteContext, b: z.output<typeof revokeAllBody>): Promise<Response> {
  const filter: RevokeAllFilter =
    'ownerId' in b.target ? { ownerId: b.target.ownerId } : { workspaceId: b.target.workspaceId };
  const target: ManagementTarget =
    'ownerId' in filter
      ? { kind: 'personal', ownerId: filter.ownerId, workspaceId: null }
      : { kind: 'workspace', ownerId: null, workspaceId: filter.workspaceId };
  if (!(await ctx.can(ctx.actor, 'revokeAll', target))) throw notFound();
  try {
    const { target: _, ...given } = b;
    const { count } = await ctx.keycard.revokeAll(filter, { ...given, actor: lifecycleActor(ctx) });
    return json({ count });
  } catch (e) {
    if (!isKeycardError(e) || e.code !== 'count_changed' || b.expectCount === undefined) throw e;
    const actual = e.count ?? null;
    throw new ManagementProblem(
      'count_changed',
      `Expected ${b.expectCount} live tokens, found ${actual}; nothing was revoked`,
      { members: { expected: b.expectCount, actual } },
    );
  }
}

/** `GET /scopes`: the catalogue filtered to what the actor may grant. */
export function scopes(ctx: RouteContext): Response {
  const grantable = ctx.keycard.scopes.closure(grantableOf(ctx.actor));
  return json(catalogueView(ctx.keycard.scopes, grantable, ctx.keycard.resourceTypes));
}

/** `GET /tokens/:id/activity`: the token's audit events from the configured audit store, else 501. */
export async function activity(ctx: RouteContext, id: string, q: z.output<typeof activityQuery>): Promise<Response> {
  await loadVisible(ctx, id, 'read');
  const store = ctx.options.auditStore;
  if (store === null)
    throw new ManagementProblem(
      'not_implemented',
      'No audit store is configured: pass options.auditStore to read token activity',
    );
  let page: Awaited<ReturnType<typeof store.query>>;
  try {
    const filter = {
      tokenId: id,
      limit: q.limit,
      cursor: q.cursor ?? null,
      ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
      ...(q.since !== undefined ? { since: new Date(q.since) } : {}),
      ...(q.until !== undefined ? { until: new Date(q.until) } : {}),
    };
    page = await withDeadline(() => store.query(filter), ctx.timeoutMs, 'Audit store query');
  } catch (e) {
    // A cursor the store did not issue, or a time it cannot hold, is the caller's: 400 naming it.
    if (isKeycardError(e) && e.code === 'invalid_argument') {
      const known = (e.fields ?? []).filter((f) => f === 'cursor' || f === 'since' || f === 'until');
      throw invalid((known.length > 0 ? known : ['cursor']).map((field) => ({ field, message: e.message })));
    }
    ctx.options.onError(e);
    throw new ManagementProblem('unavailable', 'Audit store unavailable');
  }
  return json({ data: page.events, nextCursor: page.nextCursor });
}
