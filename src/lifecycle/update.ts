/** `update` (SPEC §6): label and metadata freely, scopes and restrictions only narrower. */
import { KeycardError } from '../core/errors.ts';
import { toRecord } from '../core/records.ts';
import { isNarrowerOrEqual } from '../core/restrictions.ts';
import type { TokenPatch, TokenRecord } from '../core/store.ts';
import { actorOf, announce, clean, epochMs, mustGet, type LifecycleContext } from './context.ts';
import {
  assertActorMayGrant,
  assertActorMayLimit,
  assertScopesWithin,
  parseLimitArg,
  parseRestrictionsArg,
} from './grants.ts';
import type { Actor, UpdatePatch } from './types.ts';

/** Applies a patch with optimistic concurrency (retried a few times). */
export async function update<S extends string>(
  ctx: LifecycleContext<S>,
  id: string,
  given: UpdatePatch<S>,
  opts: { readonly actor?: Actor } = {},
): Promise<TokenRecord> {
  const { args, store, cache, catalogue, hierarchy, emitter, call } = ctx;
  // Read once, before the first await: what the check saw is what is stored, bounded and audited,
  // also when the caller changes its objects while the call is pending (a reused patch, a Date set
  // again, an actor's id or scopes).
  const [patch, { actor }] = args.update(id, given, opts);
  const next: { -readonly [K in keyof TokenPatch]: TokenPatch[K] } = {};
  if (patch.label !== undefined) next.label = clean(patch.label);
  if (patch.metadata !== undefined) next.metadata = clean(patch.metadata);
  if (patch.rateLimit !== undefined) next.rateLimit = parseLimitArg(patch.rateLimit);
  if (patch.expiresAt !== undefined) next.expiresAt = epochMs(patch.expiresAt);
  if (patch.scopes !== undefined) next.scopes = catalogue.parseGrant(patch.scopes);
  if (patch.restrictions !== undefined) next.restrictions = parseRestrictionsArg(ctx, patch.restrictions);
  const changes = Object.keys(next);
  for (let attempt = 0; ; attempt++) {
    const old = await mustGet(ctx, id);
    if (next.expiresAt != null && old.expiresAt !== null && next.expiresAt > old.expiresAt)
      throw new KeycardError('scope_escalation', 'expiresAt may only move earlier');
    if (next.scopes !== undefined)
      assertScopesWithin(catalogue, next.scopes, old.scopes, 'update may only narrow scopes, not add');
    if (
      next.restrictions !== undefined &&
      old.restrictions !== null &&
      (!hierarchy || !isNarrowerOrEqual(hierarchy, next.restrictions, old.restrictions))
    )
      throw new KeycardError('scope_escalation', 'update may only narrow restrictions');
    assertActorMayGrant(
      ctx,
      actor,
      next.scopes ?? old.scopes,
      next.restrictions === undefined ? old.restrictions : next.restrictions,
      {
        ...old,
        expiresAt: next.expiresAt === undefined ? old.expiresAt : next.expiresAt,
      },
    );
    if (next.rateLimit !== undefined) await assertActorMayLimit(ctx, actor, next.rateLimit, old.workspaceId);
    if (changes.length === 0) return toRecord(old);
    const r = await call('Token store update', () => store.update(old.id, next, old.version));
    if (r.ok) {
      cache.invalidate(old.hash);
      const record = toRecord(r.token);
      await announce(
        ctx,
        {
          type: 'token.updated',
          tokenId: old.id,
          label: r.token.label,
          ownerId: old.ownerId,
          workspaceId: old.workspaceId,
          actor: actorOf(actor),
          changes,
        },
        actor,
      );
      emitter.emit('token.updated', { record });
      return record;
    }
    if (r.reason === 'not_found') throw new KeycardError('not_found', `No token with id ${id}`);
    if (attempt >= 3) throw new KeycardError('conflict', `Token ${id} kept changing; update not applied`);
  }
}
