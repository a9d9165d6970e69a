/**
 * The provider's signing keys, fetched from its public-keys endpoint and cached.
 *
 * Fetching is the one thing an unauthenticated caller can trigger (a request naming a key id we
 * do not hold), so it is throttled: the list is fetched at most once per `minIntervalMs` (one
 * minute), whatever arrives, and concurrent requests share one fetch in flight. An unknown id
 * refetches once (a key rotation), then is refused. A list older than `maxAgeMs` is refreshed on
 * the next request (a key the provider withdrew stops being trusted), within the same throttle;
 * if that refresh fails, the keys held keep working.
 */
import type { Clock } from '../core/clock.ts';
import { importPublicKey } from './signature.ts';

/** What {@link KeyRing.get} answers: the key, or why there is none. */
export type KeyLookup =
  { readonly key: CryptoKey } | { readonly key: null; readonly reason: 'unknown_key' | 'keys_unavailable' };

/** Options of a {@link KeyRing}. */
export interface KeyRingOptions {
  readonly url: string;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  /** @default 60_000 */
  readonly minIntervalMs?: number;
  /** @default 3_600_000 */
  readonly maxAgeMs?: number;
  /** @default 5_000 */
  readonly timeoutMs?: number;
  readonly onError: (error: unknown) => void;
}

/** The cached key list of one provider endpoint. */
export class KeyRing {
  readonly #o: Required<KeyRingOptions>;
  #keys: ReadonlyMap<string, CryptoKey> | null = null;
  #fetchedAt = Number.NEGATIVE_INFINITY; // monotonic time of the last attempt, successful or not
  #loadedAt = Number.NEGATIVE_INFINITY; // monotonic time of the last successful load
  #inFlight: Promise<void> | null = null;
  /** How many times the endpoint was asked (for tests and metrics). */
  fetchCount = 0;

  constructor(options: KeyRingOptions) {
    this.#o = { minIntervalMs: 60_000, maxAgeMs: 3_600_000, timeoutMs: 5_000, ...options };
  }

  /** The key named `id`, refetching the list at most once (and at most once per interval). */
  async get(id: string): Promise<KeyLookup> {
    const now = this.#o.clock.monotonic();
    if (this.#keys === null || now - this.#loadedAt >= this.#o.maxAgeMs) await this.#refresh();
    let key = this.#keys?.get(id);
    if (key === undefined && this.#keys !== null) {
      await this.#refresh(); // a rotation: the new key may have been published since
      key = this.#keys.get(id);
    }
    if (key !== undefined) return { key };
    return { key: null, reason: this.#keys === null ? 'keys_unavailable' : 'unknown_key' };
  }

  /** Fetches unless one is in flight (then waits for it) or the last attempt was under the interval ago. */
  async #refresh(): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    if (this.#o.clock.monotonic() - this.#fetchedAt < this.#o.minIntervalMs) return;
    this.#fetchedAt = this.#o.clock.monotonic();
    this.fetchCount++;
    this.#inFlight = this.#load()
      .then((keys) => {
        this.#keys = keys;
        this.#loadedAt = this.#o.clock.monotonic();
      })
      .catch((e: unknown) => this.#o.onError(e))
      .finally(() => {
        this.#inFlight = null;
      });
    return this.#inFlight;
  }

  /**
   * One fetch of the list, bounded by `timeoutMs` even when the injected `fetch` ignores its
   * signal (a wrapper that drops `init`): otherwise a key endpoint that never answers would hold
   * the shared in-flight fetch, and with it every later report, forever.
   */
  #load(): Promise<ReadonlyMap<string, CryptoKey>> {
    const { url, timeoutMs } = this.#o;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`keycard leak intake: the key list at ${url} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([this.#fetchKeys(), deadline]).finally(() => clearTimeout(timer));
  }

  async #fetchKeys(): Promise<ReadonlyMap<string, CryptoKey>> {
    const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(this.#o.timeoutMs) : undefined;
    const res = await this.#o.fetch(this.#o.url, {
      headers: { accept: 'application/json' },
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) throw new Error(`keycard leak intake: the key list at ${this.#o.url} answered ${res.status}`);
    const body = (await res.json()) as unknown;
    const list = (body as { public_keys?: unknown } | null)?.public_keys;
    if (!Array.isArray(list))
      throw new Error(`keycard leak intake: the key list at ${this.#o.url} has no public_keys array`);
    const keys = new Map<string, CryptoKey>();
    for (const entry of list as unknown[]) {
      const { key_identifier: id, key: pem } = (entry ?? {}) as { key_identifier?: unknown; key?: unknown };
      if (typeof id !== 'string' || id.length === 0 || typeof pem !== 'string') continue;
      const key = await importPublicKey(pem);
      if (key) keys.set(id, key); // a key we cannot import (not P-256) is skipped, not fatal
    }
    if (keys.size === 0)
      throw new Error(`keycard leak intake: the key list at ${this.#o.url} holds no usable P-256 key`);
    return keys;
  }
}
