/**
 * Verification of a secret (SPEC §5): parse → hash → cache → store port → validity → owner bound
 * → Identity. Synchronous on a cache hit without an owner resolver: a cached token costs no promise.
 */
import type { KnownToken } from './auth-types.ts';
import type { CacheEntry, TokenCache } from './cache.ts';
import type { Clock } from './clock.ts';
import type { Emitter } from './events.ts';
import type { TokenHasher } from './hash.ts';
import { Identity } from './identity.ts';
import type { OwnerBound } from './owners.ts';
import { toRecord } from './records.ts';
import type { Hierarchy } from './restrictions.ts';
import { boundScopes, type ScopeCatalogue } from './scopes.ts';
import type { StoredToken, TokenStore } from './store.ts';
import { validateToken, type TokenFormat } from './token.ts';
import { createLookup } from './lookup.ts';
import { auditText } from './audit-fields.ts';
import { freeze } from './builtins.ts';

/** The answer of `verify`. */
export type VerifyResult<S extends string = string> =
  | { readonly ok: true; readonly identity: Identity<S> }
  | { readonly ok: false; readonly code: 'invalid_token' | 'token_expired' | 'token_revoked' | 'unavailable' };

/** A verification with what the pipeline also needs: the cache entry, or the refused token. */
export type VerifyOutcomeOf<S extends string> = VerifyResult<S> & { entry?: CacheEntry; known?: KnownToken };

/** The audit fields of a token, redacted and capped once per cached record (SPEC §7). */
export interface AuditWho {
  readonly tokenId: string | null;
  readonly label: string | null;
  readonly ownerId: string | null;
  readonly workspaceId: string | null;
}

/**
 * What the pipeline derives once per cached record instead of once per request (`entry.hot`):
 * the answer of a hit, the audit identity, the limiter keys of the token's budget. Revocation
 * and expiry are still read from the record on every call; these only depend on fields a
 * change replaces the whole entry for (an invalidation drops it, a reload builds a new one).
 */
export interface HotFields<S extends string> {
  /** The outcome of a hit while no owner bound narrows the scopes. */
  readonly outcome: VerifyOutcomeOf<S>;
  /** `keycard.verify`'s answer for the same. */
  readonly result: VerifyResult<S>;
  readonly who: AuditWho;
  /** Limiter keys of the budget (`chargeFor`): `${familyId}:all`, `:read`, `:write`, held here rather than in an object of their own (one dereference less a request). */
  readonly keyAll: string;
  readonly keyRead: string;
  readonly keyWrite: string;
}

/** `keycard.verify`'s answer for an outcome: the record's frozen one for a plain hit, else a copy without the entry. */
export function verifyAnswer<S extends string>(r: VerifyOutcomeOf<S>): VerifyResult<S> {
  if (!r.ok) return { ok: false, code: r.code };
  const hot = r.entry?.hot as HotFields<S> | undefined;
  return hot !== undefined && hot.outcome === r ? hot.result : { ok: true, identity: r.identity };
}

/** What verification needs from the instance. */
export interface VerifyDeps<S extends string> {
  readonly format: TokenFormat;
  readonly clock: Clock;
  readonly hasher: TokenHasher;
  readonly cache: TokenCache;
  readonly store: TokenStore;
  readonly hierarchy: Hierarchy | null;
  readonly catalogue: ScopeCatalogue<S>;
  readonly owners: OwnerBound | null;
  readonly emitter: Emitter;
  readonly call: <T>(what: string, f: () => T | Promise<T>) => T | Promise<T>;
  readonly onRequestError: (error: unknown) => void;
  readonly touch: (id: string, entry: CacheEntry, now: number) => void;
  readonly track: (p: Promise<unknown>) => void;
  readonly cacheTrustMs: () => number;
  readonly noteExpired: (t: StoredToken) => void;
}

/** The verification of one instance. */
export interface Verifier<S extends string> {
  /** `checked`: the caller already ran `validate(secret, format)` (the pipeline's one-pass read). */
  verifySecret(
    secret: string,
    workspaceId: string | null | undefined,
    checked?: boolean,
  ): VerifyOutcomeOf<S> | Promise<VerifyOutcomeOf<S>>;
  /** The store (not the caches) for a secret; null when unknown. */
  lookupStore(secret: string, hash: string): Promise<CacheEntry | null>;
}

/** Builds the verification of one instance over its caches and store. */
export function createVerifier<S extends string>(deps: VerifyDeps<S>): Verifier<S> {
  const { format, clock, catalogue, owners, emitter, onRequestError, touch, hierarchy, noteExpired } = deps;
  const { lookup, lookupStore } = createLookup(deps);
  type Outcome = VerifyOutcomeOf<S>;
  const INVALID: Outcome = freeze({ ok: false, code: 'invalid_token' });
  const UNAVAILABLE: Outcome = freeze({ ok: false, code: 'unavailable' });

  /**
   * Verification of a secret: the shared core of `verify` and `authenticate`. Synchronous when
   * the caches answer and no owner resolver must be asked, so a cached token costs no promise.
   */
  function verifySecret(
    secret: string,
    workspaceId: string | null | undefined,
    checked = false,
  ): Outcome | Promise<Outcome> {
    if (!checked && !validateToken(secret, format)) return INVALID;
    const mono = clock.monotonic();
    let found: CacheEntry | null | Promise<CacheEntry | null>;
    try {
      found = lookup(secret, mono);
    } catch (e) {
      onRequestError(e);
      return UNAVAILABLE;
    }
    if (found instanceof Promise) {
      return found.then(
        (entry) => checkEntry(entry, workspaceId, mono),
        (e: unknown) => {
          onRequestError(e);
          return UNAVAILABLE;
        },
      );
    }
    return checkEntry(found, workspaceId, mono);
  }

  function checkEntry(
    entry: CacheEntry | null,
    workspaceId: string | null | undefined,
    mono: number,
  ): Outcome | Promise<Outcome> {
    if (entry === null) return INVALID;
    if (entry.revokedAt !== null) return { ok: false, code: 'token_revoked', known: knownOf(entry.token) };
    if (entry.expiresAt !== null && clock.now() >= entry.expiresAt) {
      noteExpired(entry.token);
      return { ok: false, code: 'token_expired', known: knownOf(entry.token) };
    }
    if (owners) return checkOwner(entry, workspaceId, mono);
    touch(entry.id, entry, mono);
    // One frozen answer per cached record: a hit allocates nothing (bench/: ~4.5 KB a request before).
    return ((entry.hot as HotFields<S> | undefined) ?? hotOf(entry)).outcome;
  }

  function hotOf(entry: CacheEntry): HotFields<S> {
    const t = entry.token;
    const identity = identityOf(entry, entry.closure as ReadonlySet<S>);
    const family = identity.familyId;
    const hot: HotFields<S> = freeze({
      outcome: freeze({ ok: true, identity, entry }) as Outcome,
      result: freeze({ ok: true, identity }) as VerifyResult<S>,
      who: freeze({
        tokenId: auditText(t.id),
        label: auditText(t.label),
        ownerId: auditText(t.ownerId),
        workspaceId: auditText(t.workspaceId),
      }),
      keyAll: `${family}:all`,
      keyRead: `${family}:read`,
      keyWrite: `${family}:write`,
    });
    entry.hot = hot;
    return hot;
  }

  const knownOf = (t: StoredToken): KnownToken => ({
    tokenId: t.id,
    label: t.label,
    ownerId: t.ownerId,
    workspaceId: t.workspaceId,
  });

  /** The identity is immutable: built once per cached record unless an owner bound narrowed it. */
  function identityOf(entry: CacheEntry, scopes: ReadonlySet<S>): Identity<S> {
    const make = () =>
      new Identity<S>({ ...toRecord(entry.token), restrictions: entry.restrictions }, scopes, hierarchy);
    return scopes === entry.closure ? ((entry as { identity?: Identity<S> }).identity ??= make()) : make();
  }

  async function checkOwner(entry: CacheEntry, workspaceId: string | null | undefined, mono: number): Promise<Outcome> {
    const t = entry.token;
    const known = knownOf(t);
    let scopes = entry.closure as ReadonlySet<S>;
    if (owners) {
      const personal = t.kind === 'personal';
      const principal = personal ? t.ownerId : t.workspaceId!;
      const ws = personal ? (workspaceId ?? t.workspaceId) : t.workspaceId;
      let standing;
      try {
        standing = await owners.status(principal, ws, t.kind);
      } catch (e) {
        onRequestError(e);
        return { ok: false, code: 'unavailable', known };
      }
      if (standing.status !== 'active') {
        emitter.emit('owner.gone', { principalId: principal, workspaceId: ws, status: standing.status });
        return { ok: false, code: 'token_revoked', known };
      }
      if (standing.scopes) scopes = boundScopes(scopes, catalogue.closure(standing.scopes));
    }
    touch(t.id, entry, mono);
    const hot = (entry.hot as HotFields<S> | undefined) ?? hotOf(entry);
    return scopes === entry.closure ? hot.outcome : { ok: true, identity: identityOf(entry, scopes), entry };
  }
  return { verifySecret, lookupStore };
}
