/**
 * The lookup step of verification: hash → positive and negative caches → single-flight store
 * read across pepper generations → cache insert. A cache hit answers synchronously.
 */
import type { CacheEntry } from './cache.ts';
import { KeycardError } from './errors.ts';
import { constantTimeEqual } from './hash.ts';
import { secretForms } from './redact.ts';
import { parseRestrictions } from './restrictions.ts';
import type { Awaitable, StoredToken } from './store.ts';
import type { VerifyDeps } from './verify.ts';

/** The lookup of one instance. */
export interface Lookup {
  /** The stored record for a secret, through the caches; null when unknown. Synchronous on a hit. */
  lookup(secret: string, mono: number): CacheEntry | null | Promise<CacheEntry | null>;
  /** The store (not the caches) for a secret; null when unknown. */
  lookupStore(secret: string, hash: string): Promise<CacheEntry | null>;
}

/** Builds the lookup of one instance over its caches and store. */
export function createLookup<S extends string>(deps: VerifyDeps<S>): Lookup {
  const { clock, hasher, cache, store, hierarchy, catalogue, call, onRequestError, track, cacheTrustMs } = deps;
  /** The stored record for a secret, through the caches; null when unknown. */
  function lookup(secret: string, mono: number): CacheEntry | null | Promise<CacheEntry | null> {
    const hash = hasher.hash(secret);
    const hit = cache.get(hash);
    // A cache hit answers synchronously: no promise on the hot path.
    if (hit && mono - hit.loadedAt < cacheTrustMs()) return hit;
    if (cache.isKnownUnknown(hash, mono)) return null;
    // Single flight: identical concurrent lookups share one store read, but only one that began
    // at the current cache epoch. A lookup that began before a revoke or an invalidation is never
    // joined after it, so a verify that starts after revoke() returned cannot see the old record.
    // With the cache off, a record another request's read found is not shared either: that read
    // may predate a revocation another process made and this one has not heard of yet, and SPEC
    // §1.2 promises the very next request reads the store. Only "unknown" is shared (forged tokens).
    const flying = inflight.get(hash);
    if (flying && flying.epoch === cache.epoch)
      return cache.caching ? flying.promise : flying.promise.then((f) => (f === null ? null : readStore(secret, hash)));
    // A store that answers synchronously (the memory store) is answered in this tick: no promise,
    // timer or flight (a miss cost ~45 µs before, bench/). Only a pending read is shared.
    const epoch = cache.epoch; // before the store is called: a change it delivers meanwhile fences the flight
    const read = readStore(secret, hash, epoch);
    if (!(read instanceof Promise)) return read;
    const flight = { epoch, promise: read };
    if (inflight.size >= 10_000) inflight.clear(); // bounded; at worst a duplicate read
    inflight.set(hash, flight);
    void flight.promise.then(
      () => inflight.get(hash) === flight && inflight.delete(hash),
      () => inflight.get(hash) === flight && inflight.delete(hash),
    );
    return flight.promise;
  }
  const inflight = new Map<string, { readonly epoch: number; readonly promise: Promise<CacheEntry | null> }>();

  /**
   * One read for every pepper generation: `findByAnyHash` when the store has it, else one per
   * generation. Synchronous when the store answers synchronously.
   */
  function readAny(secret: string, hashes: readonly string[]): StoredToken | null | Promise<StoredToken | null> {
    const failed = (e: unknown): never => {
      // The driver's error may spell the hash glued to other text: mask the exact known forms too.
      throw new KeycardError('unavailable', e instanceof Error ? e.message : 'Token store lookup failed', {
        cause: (e as { cause?: unknown }).cause ?? e,
        secrets: secretForms(secret, hashes),
      });
    };
    let found: StoredToken | null | Promise<StoredToken | null>;
    try {
      found = call('Token store lookup', () => readHashes(hashes));
    } catch (e) {
      return failed(e);
    }
    return found instanceof Promise ? found.catch(failed) : found;
  }

  function readHashes(hashes: readonly string[]): Awaitable<StoredToken | null> {
    if (hashes.length === 1) return store.findByHash(hashes[0]!);
    if (store.findByAnyHash) return store.findByAnyHash(hashes);
    return (async () => {
      let found: StoredToken | null = null;
      for (const h of hashes) if ((found = await store.findByHash(h))) return found;
      // Another request may have re-hashed it under the current pepper between our reads: ask
      // once more before calling it unknown, or the negative cache would hide a real token.
      return store.findByHash(hashes[0]!);
    })();
  }

  /** The store (not the caches) for a secret; a promise only when the store answers with one. */
  function readStore(
    secret: string,
    hash: string,
    epoch = cache.epoch,
  ): CacheEntry | null | Promise<CacheEntry | null> {
    const hashes =
      hasher.retiringVersions.length === 0
        ? [hash]
        : [hash, ...hasher.retiringVersions.map((v) => hasher.hash(secret, v))];
    // A synchronous throw (already the masked `unavailable`) is the caller's, in this tick.
    const found = readAny(secret, hashes);
    if (found instanceof Promise) return found.then((f) => settle(hash, hashes, f, epoch));
    return settle(hash, hashes, found, epoch);
  }

  async function lookupStore(secret: string, hash: string): Promise<CacheEntry | null> {
    return readStore(secret, hash);
  }

  /** What a read found, checked and cached (unless something was invalidated since it began). */
  function settle(
    hash: string,
    hashes: readonly string[],
    answer: StoredToken | null | undefined,
    epoch: number,
  ): CacheEntry | null {
    // A store answering `undefined` for "not found" is read as unknown, as before.
    const found = answer ?? null;
    // A store that matched loosely (collation, prefix) must not let a different hash through.
    const usedHash = found === null ? undefined : hashes.find((h) => constantTimeEqual(found.hash, h));
    if (found === null || usedHash === undefined) {
      cache.rememberUnknown(hash, epoch, clock.monotonic());
      return null;
    }
    if (usedHash !== hash) {
      const from = usedHash;
      track(
        Promise.resolve()
          .then(() => call('Token store rehash', () => store.rehash(found.id, from, hash, hasher.currentVersion)))
          .catch(onRequestError),
      );
    }
    const restrictions =
      found.restrictions && hierarchy ? parseRestrictions(hierarchy, found.restrictions) : found.restrictions;
    const entry: CacheEntry = {
      token: found,
      id: found.id,
      revokedAt: found.revokedAt,
      expiresAt: found.expiresAt,
      closure: catalogue.closure(found.scopes),
      restrictions,
      loadedAt: clock.monotonic(),
      // Every field from the start: one hidden class for every entry (fields added later split it).
      identity: undefined,
      touchedAt: undefined,
      hot: undefined,
    };
    if (usedHash === hash) cache.insert(hash, entry, epoch);
    // A read that lagged behind a change this process already holds (a replica, a slow socket)
    // never wins over it: the newer or revoked entry is the answer.
    const held = cache.get(hash);
    if (
      held &&
      held !== entry &&
      (held.token.version > found.version || (held.token.revokedAt !== null && found.revokedAt === null))
    )
      return held;
    return entry;
  }
  return { lookup, lookupStore };
}
