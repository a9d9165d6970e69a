/**
 * Change notifications and cache trust: the store subscription, heartbeats and sequence gaps of
 * a shared store, how long a cached record may be trusted, and the once-only token events.
 */
import type { TokenCache } from './cache.ts';
import type { Clock } from './clock.ts';
import { KeycardError } from './errors.ts';
import type { Emitter } from './events.ts';
import type { OwnerBound } from './owners.ts';
import { toRecord } from './records.ts';
import {
  coveredByRevokeAll,
  filterKey,
  type RevokeAllFilter,
  type StoreChange,
  type StoredToken,
  type TokenRecord,
  type TokenStore,
} from './store.ts';

/** What invalidation needs from the instance. */
export interface InvalidationDeps {
  readonly store: TokenStore;
  readonly clock: Clock;
  readonly cache: TokenCache;
  readonly owners: OwnerBound | null;
  readonly emitter: Emitter;
  readonly revocationBoundMs: number;
  readonly onError: (error: unknown) => void;
}

/** The invalidation state of one instance. */
export interface Invalidation {
  /** Applies one change (from the store, or local when not subscribed). */
  onChange(change: StoreChange): void;
  /** Settles when the subscription is set up (or failed). */
  readonly subscribed: Promise<void>;
  /** Whether the store's subscription is live. */
  isSubscribed(): boolean;
  /** How long a cached entry may be trusted now (0: read the store). */
  cacheTrustMs(): number;
  /** Emits `token.revoked` once per token. */
  noteRevoked(tokenId: string, record: TokenRecord | null): void;
  /** Emits `token.expired` once per token. */
  noteExpired(t: StoredToken): void;
  /** Records a `revokeAll` this instance made or heard (once per filter and watermark). */
  noteRevokeAll(filter: RevokeAllFilter, revokedBefore: number): void;
  /** How many `revokeAll`s this instance has recorded: a mark for {@link revokedAllSince}. */
  revokeAllMark(): number;
  /**
   * Whether a `revokeAll` recorded after `mark` covers `t` created at or before its watermark
   * (a later `createdAt` is issued after it); true when too many were recorded to tell.
   */
  revokedAllSince(mark: number, t: StoredToken): boolean;
  unsubscribe(): unknown;
}

/** True the first time `id` is seen in `set` (bounded: cleared at 10,000, at worst one repeat). */
export function once(set: Set<string>, id: string): boolean {
  if (set.has(id)) return false;
  if (set.size >= 10_000) set.clear();
  set.add(id);
  return true;
}

/** Subscribes to the store's changes and keeps the cache's trust. */
export function createInvalidation(deps: InvalidationDeps): Invalidation {
  const { store, clock, cache, owners, emitter, revocationBoundMs, onError } = deps;
  // ── change notifications ──
  // In-process stores (memory) deliver every change synchronously, so a cached record is trusted
  // until a change evicts it. A shared store's notifications can be lost (a dropped message, a
  // half-open subscriber socket), so it must also send heartbeats (≤ 250 ms apart) carrying its
  // change sequence: the cache is trusted only while one was heard within revocationBoundMs, a
  // sequence gap or a silence drops it, and until heartbeats resume every verification reads the
  // store. A store without notifications gets a per-entry TTL of revocationBoundMs.
  const LONG_TRUST_MS = 5 * 60_000;
  let subscribedOk = false;
  let lastHeard = Number.NEGATIVE_INFINITY;
  let lastSeq = -1;
  const revokedEmitted = new Set<string>();
  // The last revokeAlls made here or heard, numbered: `issue` marks before it creates and asks
  // after, so a revokeAll recorded while the create was in flight covers the new token even when
  // its createdAt equals the watermark (which the store's contract spares as "issued after").
  let revokeAlls = 0;
  const recentRevokeAlls: { readonly n: number; readonly filter: RevokeAllFilter; readonly before: number }[] = [];
  const noteRevokeAll = (filter: RevokeAllFilter, before: number) => {
    // Our own revokeAll is recorded when it returns and again when its notification arrives.
    const key = filterKey(filter);
    if (recentRevokeAlls.some((r) => r.before === before && filterKey(r.filter) === key)) return;
    recentRevokeAlls.push({ n: ++revokeAlls, filter, before });
    if (recentRevokeAlls.length > 256) recentRevokeAlls.shift();
  };
  const expiredEmitted = new Set<string>();
  const noteExpired = (t: StoredToken) => {
    if (once(expiredEmitted, t.id)) emitter.emit('token.expired', { record: toRecord(t) });
  };
  const noteRevoked = (tokenId: string, record: TokenRecord | null) => {
    if (once(revokedEmitted, tokenId)) emitter.emit('token.revoked', { tokenId, record });
  };
  /** A shared store spoke: detect silences and sequence gaps, which mean changes may be missed. */
  const heard = (seq: number, isHeartbeat: boolean) => {
    const now = clock.monotonic();
    const gap = lastSeq >= 0 && (isHeartbeat ? seq > lastSeq : seq > lastSeq + 1);
    if (gap || now - lastHeard >= revocationBoundMs) {
      cache.clear();
      owners?.invalidateAll();
    }
    lastHeard = now;
    if (seq > lastSeq) lastSeq = seq;
  };
  const onChange = (change: StoreChange) => {
    if (store.shared && change.seq >= 0) heard(change.seq, change.type === 'heartbeat');
    switch (change.type) {
      case 'token':
        cache.invalidate(change.hash);
        if (change.revoked) noteRevoked(change.id, null);
        break;
      case 'revokeAll': {
        const f = change.filter;
        cache.invalidateWhere((t) => coveredByRevokeAll(f, t));
        noteRevokeAll(f, change.revokedBefore);
        emitter.emit('token.revokedAll', { filter: f });
        break;
      }
      case 'owner':
        owners?.invalidate(change.principalId);
        cache.fence(); // an owner's standing changed: lookups in flight must not cache what they read
        break;
      case 'heartbeat':
        break;
    }
  };
  let unsubscribe: (() => unknown) | null = null;
  const subscribed: Promise<void> = (async () => {
    if (!store.subscribe) return;
    try {
      unsubscribe = await store.subscribe(onChange);
      subscribedOk = true;
    } catch (e) {
      onError(
        new KeycardError('unavailable', 'Subscribing to store changes failed; caching only for revocationBoundMs', {
          cause: e,
        }),
      );
    }
  })();
  /** How long a cached entry may be trusted now (0: read the store). */
  const cacheTrustMs = (): number => {
    if (!subscribedOk) return revocationBoundMs;
    if (!store.shared) return LONG_TRUST_MS;
    return clock.monotonic() - lastHeard < revocationBoundMs ? LONG_TRUST_MS : 0;
  };
  return {
    onChange,
    subscribed,
    isSubscribed: () => subscribedOk,
    cacheTrustMs,
    noteRevoked,
    noteExpired,
    noteRevokeAll,
    revokeAllMark: () => revokeAlls,
    revokedAllSince: (mark, t) =>
      revokeAlls - mark > recentRevokeAlls.length ||
      recentRevokeAlls.some((r) => r.n > mark && t.createdAt <= r.before && coveredByRevokeAll(r.filter, t)),
    unsubscribe: () => unsubscribe?.(),
  };
}
