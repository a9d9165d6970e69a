/**
 * The in-process cache of verified records, keyed by token hash, and the bounded negative cache
 * of unknown hashes. Two invariants make it safe under races (SPEC §6):
 *
 * 1. Every invalidation (a local change, or a store notification) deletes the entry and bumps an
 *    epoch. A lookup that started before that moment cannot insert what it read, so a `verify()`
 *    racing a `revoke()` can never put the revoked record back.
 * 2. An insert never replaces a newer version, nor a revoked record with a live one.
 *
 * The negative cache is a separate LRU, so a flood of forged tokens evicts only other forged
 * tokens, never a live entry.
 */
import { Lru } from './lru.ts';
import type { StoredToken } from './store.ts';

/** A cached, verified record and what was derived from it. */
export interface CacheEntry {
  readonly token: StoredToken;
  /**
   * `token.id`, `token.revokedAt` and `token.expiresAt`, copied: a hit checks them without
   * reaching the record (one cold object less a request over 10,000 tokens; bench/ part 1).
   */
  readonly id: string;
  readonly revokedAt: number | null;
  readonly expiresAt: number | null;
  /** Closure of the granted scopes (before any owner bound). */
  readonly closure: ReadonlySet<string>;
  /** Restrictions parsed once (a Set per level), so each check is one loop. */
  readonly restrictions: StoredToken['restrictions'];
  /** Monotonic time it was read from the store. */
  readonly loadedAt: number;
  /** The identity built from it, shared by requests while no owner bound narrows it. */
  identity?: unknown;
  /** Monotonic time of the last `lastUsedAt` write for this token (the throttle). */
  touchedAt?: number;
  /**
   * What the request pipeline derives once per cached record (`HotFields` of verify.ts): the
   * answer of a hit, the redacted audit identity, the limiter keys. Built on the first hit.
   */
  hot?: unknown;
}

/**
 * How long "unknown" is believed. A forged token stays unknown forever; the bound only limits
 * the damage of a wrong negative answer (a store replica that lagged behind an issue).
 */
export const NEGATIVE_TTL_MS = 60_000;

export class TokenCache {
  readonly #positive: Lru<string, CacheEntry> | null;
  readonly #negative: Lru<string, number> | null;
  #epoch = 0;

  constructor(max: number, negativeMax: number) {
    this.#positive = max > 0 ? new Lru(max) : null;
    this.#negative = negativeMax > 0 ? new Lru(negativeMax) : null;
  }

  /** Whether verified records are kept at all (`cacheSize` > 0). */
  get caching(): boolean {
    return this.#positive !== null;
  }

  /** Changes every time anything is invalidated; a lookup compares it before inserting. */
  get epoch(): number {
    return this.#epoch;
  }

  get(hash: string): CacheEntry | undefined {
    return this.#positive?.get(hash);
  }

  /** True when `hash` was looked up and not found less than NEGATIVE_TTL_MS ago. */
  isKnownUnknown(hash: string, now: number): boolean {
    const at = this.#negative?.get(hash);
    return at !== undefined && now - at < NEGATIVE_TTL_MS;
  }

  rememberUnknown(hash: string, epochAtStart: number, now: number): void {
    if (epochAtStart === this.#epoch) this.#negative?.set(hash, now);
  }

  /** Inserts what a lookup read, unless something was invalidated since the lookup began. */
  insert(hash: string, entry: CacheEntry, epochAtStart: number): void {
    if (!this.#positive || epochAtStart !== this.#epoch) return;
    const held = this.#positive.peek(hash);
    if (
      held &&
      (held.token.version > entry.token.version || (held.token.revokedAt !== null && entry.token.revokedAt === null))
    )
      return;
    this.#positive.set(hash, entry);
  }

  /** Drops one record (by hash) and fences in-flight lookups. */
  invalidate(hash: string): void {
    this.#epoch++;
    this.#positive?.delete(hash);
    this.#negative?.delete(hash);
  }

  /** Drops every record matching `predicate` (revokeAll, an owner change) and fences lookups. */
  invalidateWhere(predicate: (token: StoredToken) => boolean): void {
    this.#epoch++;
    if (!this.#positive) return;
    for (const [hash, entry] of this.#positive.entries()) if (predicate(entry.token)) this.#positive.delete(hash);
  }

  /** Fences lookups in flight without dropping anything (a change the entries do not show, e.g. an owner's standing). */
  fence(): void {
    this.#epoch++;
  }

  /** Drops everything (a lost subscription: the cache can no longer be trusted). */
  clear(): void {
    this.#epoch++;
    this.#positive?.clear();
  }
}
