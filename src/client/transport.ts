/**
 * One request of `keycard/client` to a server that may be hostile or broken: no redirect followed
 * (its headers, a bearer token or an API key, would go wherever `Location` points), a deadline on
 * the whole exchange, the answer read no further than {@link MAX_ANSWER_BYTES}, and a request that
 * got no answer told as a ManagementError `unavailable`, never fetch's bare TypeError.
 */
import { failureCode, isRedirect, readCapped } from './answer.ts';
import { localProblem, ManagementError } from './error.ts';

/**
 * The most of one answer the client reads, in bytes: 16 MiB. The largest answer of keycard's API
 * is a page of 100 tokens, each with at most 16 KiB of metadata; a server sending more is broken
 * or hostile, and is not read to the end.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** `timeoutMs` when none is given: 30 s for the request and its answer together. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** An answer: its status and its text. */
export interface Answer {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly text: string;
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** The origin of `base` for messages (never its path or query), or "the server" for a path outside a browser. */
export function originOf(base: string): string {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(base, page).origin;
  } catch {
    return 'the server';
  }
}

/**
 * Where a redirect points, for its message: ` to ` and the `Location`'s origin and path (never its
 * query, which may carry a login flow's state), or '' when it names no http(s) URL (a browser
 * hides it). A proxy's 308 to https, or a moved API, then says what `baseUrl` should be.
 */
function target(res: Response, url: string): string {
  try {
    const to = new URL(res.headers.get('location') ?? '', url);
    return res.headers.has('location') && /^https?:$/.test(to.protocol) ? ` to ${to.origin}${to.pathname}` : '';
  } catch {
    return '';
  }
}

/**
 * The answer's text, or null past {@link MAX_ANSWER_BYTES}. An answer announcing a larger
 * `Content-Length` is refused unread. One announcing a size within the cap, not compressed, is
 * read with `text()`: the framing bounds it, and a browser's devtools keep a body read so (not one
 * read as a stream). Any other (chunked, compressed, or cross-origin, whose `Content-Encoding`
 * a page cannot see) is read incrementally and cut at the cap, so a gzip bomb is cut too.
 */
async function readAnswer(res: Response): Promise<string | null> {
  const length = res.headers.get('content-length');
  const announced = length !== null && /^\d{1,16}$/.test(length) ? Number(length) : null;
  if (announced !== null && announced > MAX_ANSWER_BYTES) {
    res.body?.cancel().catch(() => {});
    return null;
  }
  const encoding = res.headers.get('content-encoding');
  const plain = (encoding === null || encoding === 'identity') && res.type !== 'cors';
  return announced !== null && plain ? res.text() : readCapped(res, MAX_ANSWER_BYTES);
}

/** Sends one request and reads its answer, or rejects with a ManagementError (see the module). */
export async function exchange(
  doFetch: Fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  origin: string,
): Promise<Answer> {
  const signal = AbortSignal.timeout(timeoutMs);
  const noAnswer = (error: unknown): ManagementError => {
    const code = failureCode(error);
    const detail = signal.aborted
      ? `${origin} did not answer within ${timeoutMs} ms`
      : `Could not reach ${origin}${code ? ` (${code})` : ''}`;
    return new ManagementError(localProblem('unavailable', detail), { cause: error });
  };
  let res: Response;
  try {
    res = await doFetch(url, { ...init, redirect: 'manual', signal });
  } catch (error) {
    throw noAnswer(error);
  }
  // A browser hides a redirect it did not follow as an `opaqueredirect` of status 0. A `fetch`
  // option that drops `init` follows one: its answer is another origin's, not taken either.
  if (res.type === 'opaqueredirect' || res.redirected || isRedirect(res.status)) {
    res.body?.cancel().catch(() => {});
    const detail = res.redirected
      ? `HTTP ${res.status} after a redirect the fetch option followed (pass its init on: it holds redirect: 'manual')`
      : `HTTP ${res.status}: a redirect${target(res, url)}, not followed (baseUrl must be the API's own URL)`;
    throw new ManagementError(localProblem('invalid_response', detail, res.status, 'Invalid response'));
  }
  let text: string | null;
  try {
    text = await readAnswer(res);
  } catch (error) {
    if (signal.aborted) throw noAnswer(error);
    text = ''; // The connection broke mid-answer: an unusable answer, told by its status.
  }
  if (text === null) {
    const detail = `HTTP ${res.status}: the answer is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`;
    throw new ManagementError(localProblem('invalid_response', detail, res.status, 'Invalid response'));
  }
  return { ok: res.ok, status: res.status, statusText: res.statusText, text };
}
