/** `update` (SPEC §6): label and metadata freely, scopes and restrictions only narrower. */
import { KeycardError } from '../core/errors.ts';
import { toRecord } from '../core/records.ts';
import { isNarrowerOrEqual } from '../core/restrictions.ts';
import type { TokenPatch, TokenRecord } from '../core/store.ts';
import { actorOf, announce, clean, epochMs, mustGet, type LifecycleContext } from './context.ts';
import { assertActorMayGrant, assertActorMayLimit, parseLimitArg, parseRestrictionsArg } from './grants.ts';
import type { Actor, UpdatePatch } from './types.ts';

/** Applies a patch with optimistic concurrency (retried a few times). */
export async function update<S extends string>(
  ctx: LifecycleContext<S>,
  id: string,
  patch: UpdatePatch<S>,
  opts: { readonly actor?: Actor } = {},
): Promise<TokenRecord> {
  const { args, store, cache, catalogue, hierarchy, emitter, call } = ctx;
  args.update(id, patch, opts);
  for (let attempt = 0; ; attempt++) {
    const old = await mustGet(ctx, id);
    const next: { -readonly [K in keyof TokenPatch]: TokenPatch[K] } = {};
    const changes: string[] = [];
    if (patch.label !== undefined) next.label = clean(patch.label);
    if (patch.metadata !== undefined) next.metadata = clean(structuredClone(patch.metadata));
    if (patch.rateLimit !== undefined) next.rateLimit = parseLimitArg(patch.rateLimit);
    if (patch.expiresAt !== undefined) {
      const at = epochMs(patch.expiresAt);
      if (old.expiresAt !== null && at > old.expiresAt)
        throw new KeycardError('scope_escalation', 'expiresAt may only move earlier');
      next.expiresAt = at;
    }
    if (patch.scopes !== undefined) {
      const scopes = catalogue.parseGrant(patch.scopes);
      if (!catalogue.isWithin(scopes, old.scopes))
        throw new KeycardError(
          'scope_escalation',
          'update may only narrow scopes: closure(new) must be within closure(old)',
        );
      next.scopes = scopes;
    }
    if (patch.restrictions !== undefined) {
      const r = parseRestrictionsArg(ctx, patch.restrictions);
      if (old.restrictions !== null && (!hierarchy || !isNarrowerOrEqual(hierarchy, r, old.restrictions))) {
        throw new KeycardError('scope_escalation', 'update may only narrow restrictions');
      }
      next.restrictions = r;
    }
    assertActorMayGrant(
      ctx,
      opts.actor,
      next.scopes ?? old.scopes,
      next.restrictions === undefined ? old.restrictions : next.restrictions,
      {
        ...old,
        expiresAt: next.expiresAt === undefined ? old.expiresAt : next.expiresAt,
      },
    );
    if (next.rateLimit !== undefined) await assertActorMayLimit(ctx, opts.actor, next.rateLimit, old.workspaceId);
    for (const k of Object.keys(next)) changes.push(k);
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
          actor: actorOf(opts.actor),
          changes,
        },
        opts.actor,
      );
      emitter.emit('token.updated', { record });
      return record;
    }
    if (r.reason === 'not_found') throw new KeycardError('not_found', `No token with id ${id}`);
    if (attempt >= 3) throw new KeycardError('conflict', `Token ${id} kept changing; update not applied`);
  }
}
