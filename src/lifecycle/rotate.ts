/** `rotate` (SPEC §6): a successor with the same grant, the old token kept for a grace period. */
import { MAX_EPOCH_MS } from '../core/arguments.ts';
import { KeycardError } from '../core/errors.ts';
import { toRecord } from '../core/records.ts';
import { actorOf, actorRevoked, announce, create, mustGet, type LifecycleContext } from './context.ts';
import { assertActorMayGrant, assertActorMayLimit, assertOwnerStands } from './grants.ts';
import { abandon, settleClaim, unknownOutcome } from './settle.ts';
import type { StoredToken } from '../core/store.ts';
import type { Actor, IssuedToken } from './types.ts';

/** Rotates a token: issues its successor, then shortens the old one to the grace period. */
export async function rotate(
  ctx: LifecycleContext,
  id: string,
  given: { readonly graceMs?: number; readonly actor?: Actor } = {},
): Promise<IssuedToken> {
  const { args, clock, emitter } = ctx;
  // What the check read (the actor copied): bounded, recorded and audited after the awaits below as checked.
  const { graceMs = 0, actor } = args.rotate(id, given);
  const old = await mustGet(ctx, id);
  const now = clock.now();
  if (old.revokedAt !== null) throw new KeycardError('token_revoked', `Token ${old.id} is revoked; issue a new one`);
  if (old.expiresAt !== null && now >= old.expiresAt)
    throw new KeycardError('token_expired', `Token ${old.id} has expired; issue a new one`);
  await assertOwnerStands(ctx, old, 'token_revoked', `The owner of token ${old.id}`);
  // The old lifetime counted from now, never past the last expiry an answer can write (year 9999).
  const newExpiry = old.expiresAt === null ? null : Math.min(now + (old.expiresAt - old.createdAt), MAX_EPOCH_MS);
  assertActorMayGrant(ctx, actor, old.scopes, old.restrictions, { ...old, expiresAt: newExpiry });
  await assertActorMayLimit(ctx, actor, old.rateLimit, old.workspaceId, 'rotate');
  const issued = await create(ctx, {
    label: old.label,
    ownerId: old.ownerId,
    kind: old.kind,
    workspaceId: old.workspaceId,
    scopes: old.scopes,
    restrictions: old.restrictions,
    rateLimit: old.rateLimit,
    createdAt: now,
    createdBy: actorOf(actor).id,
    expiresAt: newExpiry,
    revokedAt: null,
    revokedReason: null,
    lastUsedAt: null,
    rotatedFromId: old.id,
    familyId: old.familyId,
    metadata: old.metadata,
  });
  // A management token revoked after its request was authenticated (a leaked one, caught) gets
  // no successor, as `issue` gives it no child; the token it named is left as it was.
  const minterRevoked = await actorRevoked(ctx, actor).catch(async (error: unknown) => {
    await abandon(ctx, issued.record.id, 'rotation failed'); // its secret is never returned
    throw error;
  });
  if (minterRevoked) {
    await revokeCopy(ctx, issued.record.id, 'rotated by a revoked token');
    throw new KeycardError('token_revoked', `The token rotating ${old.id} was revoked meanwhile; nothing was rotated`);
  }
  const until = Math.min(old.expiresAt ?? Number.POSITIVE_INFINITY, now + graceMs);
  const current = await claim(ctx, old, until, issued.record.id);
  await announce(
    ctx,
    {
      type: 'token.rotated',
      tokenId: issued.record.id,
      label: old.label,
      ownerId: old.ownerId,
      workspaceId: old.workspaceId,
      actor: actorOf(actor),
      rotatedFromId: old.id,
    },
    actor,
  );
  emitter.emit('token.rotated', { record: issued.record, previous: toRecord(current) });
  return issued;
}

/**
 * Claims the token a rotation replaces by shortening it to `until` under the version it read and
 * copied, and answers it: of rotations racing (a double-clicked button, a script firing many),
 * exactly one succeeds; and a revoke, revokeAll or narrowing update that landed meanwhile (a
 * departed member's token, scopes just taken away) is not outlived by a copy of the older grant.
 * A refused claim revokes the copy, whose secret nobody has seen, and throws `conflict`,
 * `token_revoked` or `not_found`. A claim whose answer was lost (a store timeout) is settled first
 * (`settleClaim`): one that landed is the rotation's success (the caller gets the new secret, the
 * only token left working with `graceMs: 0`); one that did not, or cannot be known, revokes the
 * copy, when it can, and throws the claim's error.
 */
async function claim(ctx: LifecycleContext, old: StoredToken, until: number, copyId: string): Promise<StoredToken> {
  const { store, cache, call } = ctx;
  let claimed;
  try {
    claimed = await call('Token store update', () => store.update(old.id, { expiresAt: until }, old.version));
  } catch (error) {
    // The claim may still land (a timeout, a paused server): learn whether it did before answering.
    // A refusal (the store said no) did not land: nothing to learn.
    const settled = unknownOutcome(error) ? await settleClaim(ctx, old, until) : 'unknown';
    if (settled === 'fenced' || settled === 'unknown') {
      await abandon(ctx, copyId, 'rotation failed');
      throw error;
    }
    claimed = settled;
  }
  if (claimed.ok) {
    cache.invalidate(claimed.token.hash);
    return claimed.token;
  }
  await revokeCopy(ctx, copyId, 'rotated from a changed token');
  if (claimed.reason === 'not_found')
    throw new KeycardError('not_found', `Token ${old.id} was deleted while rotating; the new token was revoked`);
  const after = await mustGet(ctx, old.id);
  if (after.revokedAt !== null)
    throw new KeycardError(
      'token_revoked',
      `Token ${old.id} was revoked while rotating; the new token was revoked too`,
    );
  throw new KeycardError(
    'conflict',
    `Token ${old.id} was rotated or changed by another call while rotating; the new token was revoked. ` +
      'Read the token again before retrying: an expiry shortened meanwhile means it was rotated already',
  );
}

/** Revokes a rotation's copy that is not handed out (its secret was never returned). */
const revokeCopy = (ctx: LifecycleContext, copyId: string, reason: string) =>
  ctx.call('Token store revoke', () => ctx.store.revoke(copyId, ctx.clock.now(), reason));
