/** `issue` (SPEC §6): a new token, bounded by what its actor may grant. */
import { KeycardError } from '../core/errors.ts';
import { presetMs } from '../core/options.ts';
import type { RateLimitSetting } from '../core/store.ts';
import {
  actorOf,
  announce,
  clean,
  create,
  epochMs,
  refuseIfCoveredByRevokeAll,
  type LifecycleContext,
} from './context.ts';
import {
  assertActorMayGrant,
  assertActorMayLimit,
  assertOwnerStands,
  parseLimitArg,
  parseRestrictionsArg,
} from './grants.ts';
import { abandon } from './settle.ts';
import type { IssueInput, IssuedToken } from './types.ts';

/**
 * Issues a token: validates, mints, stores, refuses one a racing `revokeAll` covered, audits, emits.
 * `createdAt` (internal: the device routes' approval instant, src/device/port.ts) backdates the
 * record so that a revokeAll since then covers it; it is never later than now.
 */
export async function issue<S extends string>(
  ctx: LifecycleContext<S>,
  given: IssueInput<S>,
  internal: { readonly createdAt?: number } = {},
): Promise<IssuedToken> {
  const { args, clock, catalogue, emitter, defaultExpiry } = ctx;
  // args.issue checks every field and names each bad one (src/core/arguments.ts), and answers what
  // it read (the actor copied); left here: the scopes of a catalogue's empty defaults, and the
  // expiry against a clock read later.
  const input = args.issue(given);
  // Before createdAt is read: a revokeAll recorded after it may have a watermark equal to createdAt.
  const mark = ctx.invalidation.revokeAllMark();
  const ownerId = input.ownerId;
  const label = clean(input.label);
  const kind = input.kind ?? 'personal';
  const workspaceId = input.workspaceId ?? null;
  const scopes = catalogue.parseGrant(input.scopes ?? catalogue.defaults);
  if (scopes.length === 0)
    throw new KeycardError('invalid_argument', 'scopes must name at least one scope (or declare defaults)');
  const restrictions = parseRestrictionsArg(ctx, input.restrictions);
  // Read before the first await, as all the above: what the check saw is what is stored.
  const metadata = clean(input.metadata ?? {});
  // The actor as checked: its audit event and requestId are written after the awaits below.
  const { actor } = input;
  const audited = actorOf(actor);
  const now = clock.now();
  let expiresAt: number | null;
  if (input.expiresAt != null) {
    expiresAt = epochMs(input.expiresAt);
    // Checked by args.issue too, against the clock of a moment earlier.
    if (expiresAt <= now) throw new KeycardError('invalid_argument', 'expiresAt must be in the future');
  } else {
    const span = presetMs(input.expiresIn ?? defaultExpiry);
    expiresAt = span === null ? null : now + span;
    // A token minting without naming an expiry gets at most its own lifetime.
    const parent = actor?.kind === 'token' ? actor.identity.expiresAt : null;
    if (input.expiresIn === undefined && parent !== null && (expiresAt === null || expiresAt > parent))
      expiresAt = parent;
  }
  assertActorMayGrant(ctx, actor, scopes, restrictions, { ownerId, kind, workspaceId, expiresAt });
  // A person or a token names a workspace only where the owner stands: a personal token naming one
  // its owner is not in would be charged that workspace's plan. A token naming none is bounded where
  // each request names one (not asked here); your own code (`system`) is unbounded.
  if (workspaceId !== null && actor && actor.kind !== 'system')
    await assertOwnerStands(
      ctx,
      { kind, ownerId, workspaceId },
      'scope_escalation',
      `The owner in workspace ${workspaceId}`,
    );
  // A token minting without naming a limit passes on its own (never the possibly higher default).
  const rateLimit =
    input.rateLimit === undefined && actor?.kind === 'token'
      ? actor.identity.rateLimit
      : parseLimitArg(input.rateLimit);
  await assertActorMayLimit(ctx, actor, rateLimit, workspaceId);
  const issued = await create(ctx, {
    label,
    ownerId,
    kind,
    workspaceId,
    scopes,
    restrictions,
    rateLimit: rateLimit === null ? null : (structuredClone(rateLimit) as RateLimitSetting),
    createdAt: internal.createdAt === undefined ? now : backdated(now, internal.createdAt),
    createdBy: audited.id,
    expiresAt,
    revokedAt: null,
    revokedReason: null,
    lastUsedAt: null,
    rotatedFromId: null,
    metadata,
  });
  await refuseIfCoveredByRevokeAll(ctx, issued.record.id, mark, actor).catch(async (error: unknown) => {
    // Stored, but its secret is not returned: a failed check (the store timed out) must not leave it live.
    if (error instanceof KeycardError && error.code === 'unavailable')
      await abandon(ctx, issued.record.id, 'issue failed in the store');
    throw error;
  });
  await announce(
    ctx,
    { type: 'token.issued', tokenId: issued.record.id, label, ownerId, workspaceId, actor: audited },
    actor,
  );
  emitter.emit('token.issued', { record: issued.record });
  return issued;
}

/**
 * The longest a device approval may backdate a token: one hour, the longest device-code life
 * (`codeLifetimeSeconds`), so `rotate`, which copies the lifetime counted from `createdAt`, gains
 * at most that much.
 */
const MAX_BACKDATE_MS = 3_600_000;

/**
 * The device routes' approval instant as a whole millisecond within [now − 1 h, now]; one that is
 * no finite number (a custom grant store's garbage) counts as the hour's start, so a revokeAll of
 * that hour still covers the token.
 */
function backdated(now: number, at: number): number {
  const floor = now - MAX_BACKDATE_MS;
  return Number.isFinite(at) ? Math.min(now, Math.max(floor, Math.floor(at))) : floor;
}
