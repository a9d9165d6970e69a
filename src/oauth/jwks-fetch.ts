/**
 * The fetch behind `jwtAccessTokens({ jwksUrl })`: jose's remote key set, guarded against an
 * authorization server that is down, broken or hostile. jose refetches on every request while
 * fetches fail (it only pauses after a success), parses any size of answer, and reports an
 * answer that is not a key set as `JWKSInvalid`, which reads like a bad token. Here every such
 * answer is one `JwksUnavailable` (SPEC §16: fail closed, `unavailable`), the answer is capped,
 * and after a failure no fetch leaves for a pause, so a flood of requests during an outage
 * costs the authorization server one fetch per pause, not one per request. Each fetch that
 * fails is handed to `onFailure` once (the refusals of the pause are not fetches), so an outage
 * is reported once per attempt, however many requests waited on it. A redirect is never
 * followed: whoever the Location names would decide which tokens are genuine.
 */
import { readBody } from '../core/body.ts';
import { urlPlace } from '../core/url.ts';
import { isArray } from '../core/builtins.ts';

/** The largest JWKS answer read, in bytes (a set of 100 RSA-4096 keys is about 75 KB). */
export const MAX_JWKS_BYTES = 1024 * 1024;
/** After a failed fetch, no other leaves for this long (ms); requests meanwhile are `unavailable`. */
export const JWKS_RETRY_PAUSE_MS = 5_000;

/** The key set could not be had: the authorization server is unavailable, not the token bad. */
export class JwksUnavailable extends Error {
  override readonly name = 'JwksUnavailable';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !isArray(v);

/** `inner` with a size cap, a key-set shape check and a pause after failures (on `Date.now`, as jose's cache). */
export function guardedJwksFetch(
  inner: typeof fetch,
  onFailure: (error: JwksUnavailable) => void = () => {},
): typeof fetch {
  let failedAt = Number.NEGATIVE_INFINITY;
  async function fetchKeys(url: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (Date.now() - failedAt < JWKS_RETRY_PAUSE_MS)
      throw new JwksUnavailable('the JWKS failed moments ago; not refetched yet');
    const jwks = `the JWKS ${urlPlace(url)}`;
    try {
      const signal = init?.signal ?? undefined;
      const response = await untilAborted(inner(url, init), signal);
      // jose asks for `redirect: 'manual'`, so a 3xx is not a 200; a `fetch` option that drops
      // `init` follows it anyway, and the keys at the Location would decide which tokens pass.
      if (response.redirected || response.type === 'opaqueredirect') {
        await response.body?.cancel().catch(() => undefined);
        throw new JwksUnavailable(
          `${jwks} answered a redirect, followed by the fetch given; redirects are not followed`,
        );
      }
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        throw new JwksUnavailable(`${jwks} answered ${response.status}, not 200`);
      }
      const read = await readBody(response, MAX_JWKS_BYTES, signal);
      if (read.bytes === null) {
        await response.body?.cancel().catch(() => undefined); // refused from its Content-Length: not read at all
        // A body cut off by jose's deadline is a timeout, as a request that never got headers is.
        throw new JwksUnavailable(
          signal?.aborted ? `${jwks} timed out` : `${jwks}: the answer is ${read.reason.replace('_', ' ')}`,
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(read.bytes));
      } catch {
        throw new JwksUnavailable(`${jwks}: the answer is not JSON`); // no cause: its message quotes the body
      }
      if (!isObject(json) || !isArray(json.keys) || !json.keys.every(isObject))
        throw new JwksUnavailable(`${jwks}: the answer is not a JSON Web Key Set`);
      return new Response(read.bytes as BodyInit, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (e) {
      failedAt = Date.now();
      const error = e instanceof JwksUnavailable ? e : new JwksUnavailable(failureText(jwks, e), { cause: e });
      onFailure(error);
      throw error;
    }
  }
  return fetchKeys as typeof fetch;
}

/**
 * `pending`, or a rejection with the signal's reason once `signal` aborts (jose's deadline), even
 * when the `fetch` given never looked at it (a wrapper that drops `init`): a JWKS endpoint that
 * never answers must not hold jose's shared fetch, and every request waiting on it, for ever. An
 * answer that comes after that has its body cancelled, so its socket is let go.
 */
function untilAborted(pending: Promise<Response>, signal: AbortSignal | undefined): Promise<Response> {
  if (!signal) return pending;
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    pending.then(
      (response) => {
        signal.removeEventListener('abort', abort);
        if (signal.aborted) void response.body?.cancel().catch(() => undefined);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/** A fetch that threw: jose's deadline (an abort of the request or of the body read) or the network. */
function failureText(jwks: string, e: unknown): string {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError' ? `${jwks} timed out` : `${jwks} could not be fetched`;
}
