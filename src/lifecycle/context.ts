/**
 * The context every management operation takes: the instance's parts, built once by
 * `createKeycard` and frozen, plus the small helpers the operations share.
 */
import type { argumentValidators } from '../core/arguments.ts';
import type { AuditActor, AuditTrail } from '../core/audit.ts';
import type { TokenCache } from '../core/cache.ts';
import type { Clock } from '../core/clock.ts';
import { KeycardError } from '../core/errors.ts';
import type { Emitter } from '../core/events.ts';
import type { TokenHasher } from '../core/hash.ts';
import type { Invalidation } from '../core/invalidation.ts';
import type { RateLimitConfig } from '../core/limiter.ts';
import type { ExpiryPreset, KeycardOptions } from '../core/options.ts';
import type { OwnerBound } from '../core/owners.ts';
import { toRecord } from '../core/records.ts';
import { redactTokens } from '../core/redact.ts';
import type { Hierarchy } from '../core/restrictions.ts';
import type { ScopeCatalogue } from '../core/scopes.ts';
import { WATERMARK_REASON, type StoredToken, type TokenStore } from '../core/store.ts';
import { generateToken, randomBase62, tokenStart, type TokenFormat } from '../core/token.ts';
import type { Verifier } from '../core/verify.ts';
import type { Actor, IssuedToken } from './types.ts';
import { createSettled } from './settle.ts';
import type { UnansweredRevokeAlls, UnansweredRevokes } from './unanswered.ts';
import { isArray } from '../core/builtins.ts';

/** The parts of one instance the management operations use. */
export interface LifecycleContext<S extends string = string> {
  readonly options: KeycardOptions<S>;
  readonly catalogue: ScopeCatalogue<S>;
  readonly hierarchy: Hierarchy | null;
  readonly clock: Clock;
  readonly store: TokenStore;
  readonly cache: TokenCache;
  readonly owners: OwnerBound | null;
  readonly emitter: Emitter;
  readonly audit: AuditTrail;
  readonly args: ReturnType<typeof argumentValidators>;
  readonly format: TokenFormat;
  readonly hasher: TokenHasher;
  readonly defaultExpiry: ExpiryPreset | number;
  readonly defaultRateLimit: RateLimitConfig;
  readonly invalidation: Invalidation;
  readonly verifier: Verifier<S>;
  /** A store or resolver call bounded by `storeTimeoutMs`. */
  readonly call: <T>(what: string, f: () => T | Promise<T>) => T | Promise<T>;
  /** `revoke` calls whose answer was lost, so their retry audits what they wrote. */
  readonly unanswered: UnansweredRevokes;
  /** `revokeAll` calls whose answer was lost, so the next call of their filter audits what they wrote. */
  readonly unansweredAll: UnansweredRevokeAlls;
  /** The instance's `onError` (never throws): what a caller's error cannot say (a lost write's audit gap). */
  readonly onError: (error: unknown) => void;
}

/** The audit form of an actor. */
export const actorOf = (actor: Actor | undefined): AuditActor => {
  if (!actor || actor.kind === 'system') return { kind: 'system', id: actor?.id ?? null };
  return actor.kind === 'user' ? { kind: 'user', id: actor.id } : { kind: 'token', id: actor.identity.tokenId };
};

/**
 * Free text an integrator passes (labels, reasons, metadata) is stored redacted: a pasted token must
 * not persist. Objects and arrays come back as fresh copies (checked JSON: what is stored shares
 * nothing with the caller's objects; structuredClone threw a DataCloneError on a Proxy).
 */
export const clean = <T>(value: T): T => {
  if (typeof value === 'string') return redactTokens(value) as T;
  if (isArray(value)) return value.map(clean) as T;
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactTokens(k), clean(v)])) as T;
  return value;
};

/** A Date or epoch milliseconds, finite (the call's arguments checked it), as integer epoch milliseconds. */
export const epochMs = (v: number | Date): number => Math.trunc(v instanceof Date ? v.getTime() : v);

/** A bounded non-empty string argument. */
export const str = (v: unknown, field: string, max = 256): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) {
    throw new KeycardError('invalid_argument', `${field} must be a non-empty string of at most ${max} characters`);
  }
  return v;
};

/** Delivers a management event to the audit sinks, with the request the actor serves. */
export const announce = async (ctx: LifecycleContext, event: Parameters<AuditTrail['token']>[0], by?: Actor) =>
  ctx.audit.token({ ...event, requestId: by?.requestId }); // unset: left out (tokenEvent)

/** The stored token with this id, or `not_found`. */
export async function mustGet(ctx: LifecycleContext, id: string): Promise<StoredToken> {
  const t = await ctx.call('Token store read', () => ctx.store.get(str(id, 'id')));
  if (!t) throw new KeycardError('not_found', `No token with id ${id}`);
  return t;
}

/** Mints a secret for `base` and stores its hash. */
export async function create(
  ctx: LifecycleContext,
  base: Omit<StoredToken, 'hash' | 'pepperVersion' | 'start' | 'id' | 'familyId' | 'version'> & { familyId?: string },
): Promise<IssuedToken> {
  const { format, hasher } = ctx;
  const secret = generateToken(format);
  const id = `tok_${randomBase62(22)}`;
  const stored: StoredToken = {
    ...base,
    id,
    familyId: base.familyId ?? id,
    start: tokenStart(secret, format),
    hash: hasher.hash(secret),
    pepperVersion: hasher.currentVersion,
    version: 1,
  };
  await createSettled(ctx, stored);
  return { token: secret, record: toRecord(stored) };
}

/**
 * True when `actor` is a token that is revoked now (read from the store, not the cache): a token
 * minting (`issue`) or copying (`rotate`) a token whose request was authenticated just before
 * someone revoked it must not hand out a new secret that outlives it.
 */
export async function actorRevoked(ctx: LifecycleContext, actor: Actor | undefined): Promise<boolean> {
  if (actor?.kind !== 'token') return false;
  const minter = await ctx.call('Token store get', () => ctx.store.get(actor.identity.tokenId));
  return minter !== null && minter.revokedAt !== null;
}

/**
 * A store stores a token revoked when a `revokeAll` covering it committed first (the two raced);
 * a `revokeAll` this instance recorded after `mark` (taken before `createdAt` was read) covers it
 * too when `createdAt` equals its watermark, which the store spares. And a token minted by a
 * token (`actor`) that was revoked meanwhile (a leaked management token caught by "Revoke all")
 * must not outlive it, as `rotate` re-reads the token it replaces. In each case the new token is
 * revoked here and `issue` refuses rather than hand out its secret.
 */
export async function refuseIfCoveredByRevokeAll(
  ctx: LifecycleContext,
  id: string,
  mark: number,
  actor: Actor | undefined,
): Promise<void> {
  const stored = await mustGet(ctx, id);
  if (stored.revokedAt === null) {
    const minterRevoked = await actorRevoked(ctx, actor);
    if (!minterRevoked && !ctx.invalidation.revokedAllSince(mark, stored)) return;
    await ctx.call('Token store revoke', () => ctx.store.revoke(id, ctx.clock.now(), WATERMARK_REASON));
    ctx.cache.invalidate(stored.hash);
    if (minterRevoked)
      throw new KeycardError(
        'token_revoked',
        `The token minting ${id} was revoked while issuing; the new token was revoked`,
      );
  }
  throw new KeycardError(
    'token_revoked',
    `A revokeAll of this ${stored.kind === 'personal' ? 'owner' : 'workspace'} ran while issuing; the new token ${id} was revoked`,
  );
}
