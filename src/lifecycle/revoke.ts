/** `revoke` and `revokeAll` (SPEC §6): immediate here, heard by other processes from the store. */
import { KeycardError } from '../core/errors.ts';
import { toRecord } from '../core/records.ts';
import { coveredByRevokeAll, type RevokeAllFilter, type TokenRecord } from '../core/store.ts';
import { actorOf, announce, clean, str, type LifecycleContext } from './context.ts';
import type { Actor } from './types.ts';

/** Revokes one token. */
export async function revoke(
  ctx: LifecycleContext,
  id: string,
  opts: { readonly reason?: string; readonly actor?: Actor } = {},
): Promise<TokenRecord> {
  const { args, store, clock, cache, call, invalidation } = ctx;
  args.revoke(id, opts);
  const reason = opts.reason === undefined ? null : clean(str(opts.reason, 'reason', 500));
  const t = await call('Token store revoke', () => store.revoke(str(id, 'id'), clock.now(), reason));
  if (!t) throw new KeycardError('not_found', `No token with id ${id}`);
  cache.invalidate(t.hash);
  const record = toRecord(t);
  await announce(
    ctx,
    {
      type: 'token.revoked',
      tokenId: t.id,
      label: t.label,
      ownerId: t.ownerId,
      workspaceId: t.workspaceId,
      actor: actorOf(opts.actor),
      ...(reason ? { reason } : {}),
    },
    opts.actor,
  );
  invalidation.noteRevoked(t.id, record);
  return record;
}

/** Revokes every token of an owner or a workspace. */
export async function revokeAll(
  ctx: LifecycleContext,
  filter: RevokeAllFilter,
  opts: { readonly reason?: string; readonly actor?: Actor } = {},
): Promise<{ readonly count: number }> {
  const { args, store, clock, cache, call, invalidation } = ctx;
  args.revokeAll(filter, opts);
  const f: RevokeAllFilter =
    filter && 'ownerId' in filter
      ? { ownerId: str(filter.ownerId, 'ownerId') }
      : { workspaceId: str((filter as { workspaceId: string })?.workspaceId, 'workspaceId') };
  const reason = opts.reason === undefined ? null : clean(str(opts.reason, 'reason', 500));
  const at = clock.now();
  const { count } = await call('Token store revokeAll', () => store.revokeAll(f, at, reason));
  // Immediate here; other processes hear it from the store. The event fires once: from the
  // store's announcement when subscribed, from here otherwise. An issue in flight here learns of
  // it now, not when a shared store's notification arrives.
  if (invalidation.isSubscribed()) {
    cache.invalidateWhere((t) => coveredByRevokeAll(f, t));
    invalidation.noteRevokeAll(f, at);
  } else invalidation.onChange({ type: 'revokeAll', seq: -1, filter: f, revokedBefore: at });
  await announce(
    ctx,
    {
      type: 'token.revoked',
      tokenId: null,
      label: null,
      ownerId: 'ownerId' in f ? f.ownerId : null,
      workspaceId: 'workspaceId' in f ? f.workspaceId : null,
      actor: actorOf(opts.actor),
      count,
      ...(reason ? { reason } : {}),
    },
    opts.actor,
  );
  return { count };
}
