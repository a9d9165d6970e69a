/**
 * What an actor may grant (SPEC §6): a user is bounded by the scopes passed for them, a token by
 * its own scopes, restrictions, lifetime and rate limit; and the parsing of granted values.
 */
import { KeycardError } from '../core/errors.ts';
import { limitWithin } from '../core/limit-bound.ts';
import { parseRateLimit, type RateLimitConfig } from '../core/limiter.ts';
import { isNarrowerOrEqual, parseRestrictions } from '../core/restrictions.ts';
import type { RateLimitSetting, StoredToken } from '../core/store.ts';
import type { LifecycleContext } from './context.ts';
import type { Actor } from './types.ts';

/** What a grant gives besides scopes: who it acts for and for how long. */
export interface GrantShape {
  readonly ownerId: string;
  readonly kind: 'personal' | 'workspace';
  readonly workspaceId: string | null;
  readonly expiresAt: number | null;
}

/**
 * 403 `scope_escalation` unless closure(scopes) ⊆ closure(bound), its message `what` followed by
 * the scopes outside the bound (SPEC §11: the 403 names the scope).
 */
export function assertScopesWithin(
  catalogue: LifecycleContext['catalogue'],
  scopes: readonly string[],
  bound: readonly string[],
  what: string,
): void {
  const within = catalogue.closure(bound);
  const outside = [...catalogue.closure(scopes)].filter((s) => !within.has(s));
  if (outside.length) throw new KeycardError('scope_escalation', `${what}: ${outside.join(', ')}`);
}

export function assertActorMayGrant(
  ctx: LifecycleContext,
  actor: Actor | undefined,
  scopes: readonly string[],
  restrictions: StoredToken['restrictions'],
  shape?: GrantShape,
) {
  if (!actor || actor.kind === 'system') return;
  const { catalogue, hierarchy } = ctx;
  if (actor.kind === 'token' && shape) {
    // A token never mints a token wider than itself: not for another owner, workspace or kind,
    // and not outliving it.
    const me = actor.identity;
    if (shape.ownerId !== me.ownerId || shape.kind !== me.kind || shape.workspaceId !== me.workspaceId) {
      throw new KeycardError('scope_escalation', 'A token may only mint tokens for its own owner, kind and workspace');
    }
    if (me.expiresAt !== null && (shape.expiresAt === null || shape.expiresAt > me.expiresAt)) {
      throw new KeycardError('scope_escalation', 'A token may not mint a token that outlives it');
    }
  }
  assertScopesWithin(
    catalogue,
    scopes,
    actor.kind === 'user' ? actor.scopes : [...actor.identity.scopes],
    'Actor may not grant scope',
  );
  if (actor.kind === 'token' && actor.identity.restrictions !== null) {
    if (!hierarchy || !isNarrowerOrEqual(hierarchy, restrictions, actor.identity.restrictions)) {
      throw new KeycardError('scope_escalation', 'A restricted token may only mint tokens within its own restrictions');
    }
  }
}

/** The limit a token with this setting is charged under: its own, else its workspace's, else the default (as authenticate() picks). */
async function effectiveLimit(
  ctx: LifecycleContext,
  setting: RateLimitSetting | null,
  workspaceId: string | null,
): Promise<RateLimitConfig> {
  if (setting) return parseRateLimit(setting, 'rateLimit');
  const resolver = ctx.options.workspaceRateLimit;
  if (resolver && workspaceId !== null) {
    const input = await ctx.call('Workspace rate-limit resolver', () => resolver(workspaceId));
    if (input) return parseRateLimit(input, 'workspaceRateLimit()');
  }
  return ctx.defaultRateLimit;
}

/**
 * Rate limits are part of "wider": a token actor never grants (issue, rotate) or sets (update,
 * its own record included) a limit above its own effective one. Each token is charged to its own
 * family's budget, so this bounds every child, not their sum. A person (a `user` actor: the
 * settings page, the management API) has no limit of their own, so their ceiling is the limit
 * that would apply without a setting (the workspace's, else the default): they may narrow a
 * token's limit, never lift it. `setBy: 'rotate'` carries a limit over and is not a new setting
 * for a person. `system` (and no actor) is the integrator's own code: unbounded.
 */
export async function assertActorMayLimit(
  ctx: LifecycleContext,
  actor: Actor | undefined,
  setting: RateLimitSetting | null,
  workspaceId: string | null,
  setBy: 'issue' | 'update' | 'rotate' = 'issue',
): Promise<void> {
  const person = actor?.kind === 'user' && setBy !== 'rotate' && setting !== null;
  if (actor?.kind !== 'token' && !person) return;
  const [ceiling, granted] = await Promise.all([
    actor?.kind === 'token'
      ? effectiveLimit(ctx, actor.identity.rateLimit, actor.identity.workspaceId)
      : effectiveLimit(ctx, null, workspaceId),
    effectiveLimit(ctx, setting, workspaceId),
  ]);
  if (!limitWithin(granted, ceiling))
    throw new KeycardError(
      'scope_escalation',
      `${person ? 'A person may not set a rate limit above the one that would apply without it' : 'A token may not grant a rate limit above its own'} (neither a larger burst nor a faster rate)`,
    );
}

/**
 * Restrictions as given to issue or update (which the call's arguments checked against the
 * hierarchy, src/core/arguments.ts), normalised.
 */
export const parseRestrictionsArg = (ctx: LifecycleContext, value: unknown): StoredToken['restrictions'] =>
  value === undefined || value === null ? null : parseRestrictions(ctx.hierarchy!, value);
/** A rate-limit setting as given (the call's arguments checked it), copied. */
export const parseLimitArg = (value: RateLimitSetting | null | undefined): RateLimitSetting | null =>
  value === undefined || value === null ? null : (structuredClone(value) as RateLimitSetting);

/**
 * Refuses a token whose owner does not stand (`resolveOwner` answers; without one, every owner
 * does): a personal token's owner in its workspace, a workspace token's workspace. `rotate` asks it
 * of any actor; `issue` of a person or a token naming a workspace, as a personal token naming one its
 * owner is not in would be charged that workspace's plan (`workspaceRateLimit`).
 */
export async function assertOwnerStands(
  { owners }: LifecycleContext,
  t: Pick<StoredToken, 'kind' | 'ownerId' | 'workspaceId'>,
  code: 'token_revoked' | 'scope_escalation',
  who: string,
): Promise<void> {
  const s =
    owners && (await owners.status(t.kind === 'personal' ? t.ownerId : t.workspaceId!, t.workspaceId, t.kind)).status;
  if (s && s !== 'active') throw new KeycardError(code, `${who} is ${s}`);
}
