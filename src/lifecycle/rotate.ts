/** `rotate` (SPEC §6): a successor with the same grant, the old token kept for a grace period. */
import { KeycardError } from '../core/errors.ts';
import { toRecord } from '../core/records.ts';
import { actorOf, announce, create, mustGet, type LifecycleContext } from './context.ts';
import { assertActorMayGrant, assertActorMayLimit } from './grants.ts';
import type { Actor, IssuedToken } from './types.ts';

/** Rotates a token: issues its successor, then shortens the old one to the grace period. */
export async function rotate(
  ctx: LifecycleContext,
  id: string,
  opts: { readonly graceMs?: number; readonly actor?: Actor } = {},
): Promise<IssuedToken> {
  const { args, store, clock, cache, owners, emitter, call } = ctx;
  args.rotate(id, opts);
  const graceMs = opts.graceMs ?? 0;
  if (!Number.isInteger(graceMs) || graceMs < 0)
    throw new KeycardError('invalid_argument', 'graceMs must be an integer >= 0');
  const old = await mustGet(ctx, id);
  const now = clock.now();
  if (old.revokedAt !== null) throw new KeycardError('token_revoked', `Token ${old.id} is revoked; issue a new one`);
  if (old.expiresAt !== null && now >= old.expiresAt)
    throw new KeycardError('token_expired', `Token ${old.id} has expired; issue a new one`);
  if (owners) {
    const personal = old.kind === 'personal';
    const standing = await owners.status(personal ? old.ownerId : old.workspaceId!, old.workspaceId, old.kind);
    if (standing.status !== 'active')
      throw new KeycardError('token_revoked', `The owner of token ${old.id} is ${standing.status}`);
  }
  const newExpiry = old.expiresAt === null ? null : now + (old.expiresAt - old.createdAt);
  assertActorMayGrant(ctx, opts.actor, old.scopes, old.restrictions, { ...old, expiresAt: newExpiry });
  await assertActorMayLimit(ctx, opts.actor, old.rateLimit, old.workspaceId, 'rotate');
  const issued = await create(ctx, {
    label: old.label,
    ownerId: old.ownerId,
    kind: old.kind,
    workspaceId: old.workspaceId,
    scopes: old.scopes,
    restrictions: old.restrictions,
    rateLimit: old.rateLimit,
    createdAt: now,
    createdBy: actorOf(opts.actor).id,
    expiresAt: newExpiry,
    revokedAt: null,
    revokedReason: null,
    lastUsedAt: null,
    rotatedFromId: old.id,
    familyId: old.familyId,
    metadata: old.metadata,
  });
  // A revoke or revokeAll that landed between our read and our create must not leave a live
  // successor of a revoked token (a departed member's token rotated in the same instant).
  const after = await mustGet(ctx, old.id);
  if (after.revokedAt !== null) {
    await call('Token store revoke', () => store.revoke(issued.record.id, clock.now(), 'rotated from a revoked token'));
    throw new KeycardError(
      'token_revoked',
      `Token ${old.id} was revoked while rotating; the new token was revoked too`,
    );
  }
  const until = Math.min(old.expiresAt ?? Number.POSITIVE_INFINITY, now + graceMs);
  let current = after;
  for (let attempt = 0; ; attempt++) {
    const r = await call('Token store update', () => store.update(current.id, { expiresAt: until }, current.version));
    if (r.ok) {
      cache.invalidate(r.token.hash);
      current = r.token;
      break;
    }
    if (r.reason === 'not_found' || attempt >= 3)
      throw new KeycardError(
        'conflict',
        `Token ${old.id} changed while rotating; the new token ${issued.record.id} exists, retry to shorten the old one`,
      );
    current = await mustGet(ctx, old.id);
    if (current.revokedAt !== null || (current.expiresAt !== null && current.expiresAt <= until)) break;
  }
  await announce(
    ctx,
    {
      type: 'token.rotated',
      tokenId: issued.record.id,
      label: old.label,
      ownerId: old.ownerId,
      workspaceId: old.workspaceId,
      actor: actorOf(opts.actor),
      rotatedFromId: old.id,
    },
    opts.actor,
  );
  emitter.emit('token.rotated', { record: issued.record, previous: toRecord(current) });
  return issued;
}
