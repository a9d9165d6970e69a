/**
 * The provider's signing keys, fetched from its public-keys endpoint and cached.
 *
 * Fetching is the one thing an unauthenticated caller can trigger (a request naming a key id we
 * do not hold), so it is throttled: the list is fetched at most once per `minIntervalMs` (one
 * minute), whatever arrives, and concurrent requests share one fetch in flight. An unknown id
 * refetches once (a key rotation), then is refused — but only when the list that lacks it was
 * fetched after the request arrived: while the throttle holds back the refetch, the id may be a
 * key the provider published since, so the answer is "retry later", not "forged". A list older
 * than `maxAgeMs` is refreshed on the next request (a key the provider withdrew stops being
 * trusted), within the same throttle; if that refresh fails, the keys held keep working.
 *
 * The answer is read capped ({@link MAX_KEY_LIST_BYTES}) and abandoned at the deadline, body
 * included: whoever answers the key URL must not be able to fill memory or hold a socket forever.
 * A redirect is never followed (`redirect: 'manual'`): a 3xx, or an answer the given `fetch`
 * reached by following one anyway, is a failed fetch.
 */
import { readBody } from '../core/body.ts';
import type { Clock } from '../core/clock.ts';
import { urlPlace } from '../core/url.ts';
import { importPublicKey } from './signature.ts';

/** The largest key list read, in bytes (GitHub's holds a handful of keys, under 2 KB). */
export const MAX_KEY_LIST_BYTES = 1024 * 1024;

/**
 * What {@link KeyRing.get} answers: every key published under the id (a provider in the middle of a
 * rotation may publish two under one id; a signature by any of them is the provider's), or why
 * there is none. `unknown_key`: a list fetched
 * after the request arrived lacks it. `not_refetched`: the list held lacks it, and it may not be
 * refetched for `retryAfterSeconds` (the throttle). `keys_unavailable`: no list could be had.
 */
export type KeyLookup =
  | { readonly keys: readonly CryptoKey[] }
  | { readonly keys: null; readonly reason: 'unknown_key' | 'keys_unavailable' }
  | { readonly keys: null; readonly reason: 'not_refetched'; readonly retryAfterSeconds: number };

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
  #keys: ReadonlyMap<string, readonly CryptoKey[]> | null = null;
  #fetchedAt = Number.NEGATIVE_INFINITY; // monotonic time of the last attempt, successful or not
  #loadedAt = Number.NEGATIVE_INFINITY; // monotonic time of the last successful load
  #listAsOf = Number.NEGATIVE_INFINITY; // monotonic time the fetch of the list held was sent
  #inFlight: Promise<void> | null = null;
  /** How many times the endpoint was asked (for tests and metrics). */
  fetchCount = 0;

  constructor(options: KeyRingOptions) {
    this.#o = { minIntervalMs: 60_000, maxAgeMs: 3_600_000, timeoutMs: 5_000, ...options };
  }

  /** The keys named `id`, refetching the list at most once (and at most once per interval). */
  async get(id: string): Promise<KeyLookup> {
    const arrived = this.#o.clock.monotonic();
    if (this.#keys === null || arrived - this.#loadedAt >= this.#o.maxAgeMs) await this.#refresh();
    let keys = this.#keys?.get(id);
    if (keys === undefined && this.#keys !== null) {
      await this.#refresh(); // a rotation: the new key may have been published since
      keys = this.#keys.get(id);
    }
    if (keys !== undefined) return { keys };
    if (this.#keys === null) return { keys: null, reason: 'keys_unavailable' };
    if (this.#listAsOf >= arrived) return { keys: null, reason: 'unknown_key' };
    const wait = this.#fetchedAt + this.#o.minIntervalMs - this.#o.clock.monotonic();
    return { keys: null, reason: 'not_refetched', retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
  }

  /** Fetches unless one is in flight (then waits for it) or the last attempt was under the interval ago. */
  async #refresh(): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    if (this.#o.clock.monotonic() - this.#fetchedAt < this.#o.minIntervalMs) return;
    const sent = (this.#fetchedAt = this.#o.clock.monotonic());
    this.fetchCount++;
    this.#inFlight = this.#load()
      .then((keys) => {
        this.#keys = keys;
        this.#loadedAt = this.#o.clock.monotonic();
        this.#listAsOf = sent;
      })
      .catch((e: unknown) => {
        try {
          this.#o.onError(e);
        } catch {
          // a reporter that throws must not wedge the ring or fail the request
        }
      })
      .finally(() => {
        this.#inFlight = null;
      });
    return this.#inFlight;
  }

  /**
   * One fetch of the list, bounded by `timeoutMs` even when the injected `fetch` ignores its
   * signal (a wrapper that drops `init`): otherwise a key endpoint that never answers would hold
   * the shared in-flight fetch, and with it every later report, forever. At the deadline the
   * signal aborts, which also cancels a body still being read, so the socket is let go.
   */
  #load(): Promise<ReadonlyMap<string, readonly CryptoKey[]>> {
    const { timeoutMs } = this.#o;
    const abandon = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandon.abort();
        reject(
          new Error(`keycard leak intake: the key list at ${urlPlace(this.#o.url)} timed out after ${timeoutMs} ms`),
        );
      }, timeoutMs);
    });
    return Promise.race([this.#fetchKeys(abandon.signal), deadline]).finally(() => clearTimeout(timer));
  }

  async #fetchKeys(signal: AbortSignal): Promise<ReadonlyMap<string, readonly CryptoKey[]>> {
    const where = `keycard leak intake: the key list at ${urlPlace(this.#o.url)}`;
    // Redirects are never followed: whoever the endpoint points at would decide which reports are
    // genuine. `manual` hands back the 3xx itself (an opaque redirect, status 0, in browsers and
    // workers); a wrapper that drops `init` and follows anyway is caught by `redirected`.
    const res = await this.#o.fetch(this.#o.url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal,
    });
    const redirect = res.redirected || res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400);
    if (redirect || !res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(
        redirect
          ? `${where} answered a redirect (${res.redirected ? 'followed by the fetch given' : res.status}); redirects are not followed`
          : `${where} answered ${res.status}`,
      );
    }
    const read = await readBody(res, MAX_KEY_LIST_BYTES, signal);
    if (read.bytes === null) {
      await res.body?.cancel().catch(() => undefined); // refused from its Content-Length: not read at all
      throw new Error(
        read.reason === 'too_large'
          ? `${where} is too large (over ${MAX_KEY_LIST_BYTES} bytes)`
          : `${where} could not be read`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(read.bytes));
    } catch {
      throw new Error(`${where} is not JSON`); // no cause: a parser's message quotes the body
    }
    const list = (body as { public_keys?: unknown } | null)?.public_keys;
    if (!Array.isArray(list)) throw new Error(`${where} has no public_keys array`);
    // Every key of an id is kept: an id published twice (the provider's rotation overlap) names
    // both keys, and a report signed by either is genuine; keeping one would refuse the other's.
    const keys = new Map<string, CryptoKey[]>();
    for (const entry of list as unknown[]) {
      const { key_identifier: id, key: pem } = (entry ?? {}) as { key_identifier?: unknown; key?: unknown };
      if (typeof id !== 'string' || id.length === 0 || typeof pem !== 'string') continue;
      const key = await importPublicKey(pem);
      if (key) keys.set(id, [...(keys.get(id) ?? []), key]); // a key we cannot import (not P-256) is skipped, not fatal
    }
    if (keys.size === 0) throw new Error(`${where} holds no usable P-256 key`);
    return keys;
  }
}
