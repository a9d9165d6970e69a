/**
 * The last step of every answer of the management handler and the device routes, so each rule
 * holds for every route at once rather than route by route:
 *
 * - `X-Content-Type-Options: nosniff` on every answer with content: a browser never sniffs a
 *   JSON answer, a problem body or an approval page into something else (a script, a page).
 * - HEAD (RFC 9110 §9.3.2) is answered as its GET without content: the same status and header
 *   fields, the GET's `Content-Length` (counted from its body), and no body.
 *
 * Every answer of these handlers is small and buffered: a GET keeps its own body (and so its
 * known length, sent as `Content-Length`), and a HEAD reads its GET's to count it. A streaming
 * route added later must not pass through the HEAD branch as it stands.
 *
 * Idempotent: finishing a finished answer changes nothing.
 */
import { stringify } from './builtins.ts';
import { phraseOf } from './status-phrases.ts';
export async function finishAnswer(request: Request, response: Response): Promise<Response> {
  let headers = response.headers;
  if (headers.has('content-type')) {
    try {
      headers.set('X-Content-Type-Options', 'nosniff'); // in place: the body keeps its known length
    } catch {
      headers = new Headers(headers); // immutable headers (a redirect, a fetched answer)
      headers.set('X-Content-Type-Options', 'nosniff');
    }
  }
  if (request.method !== 'HEAD') {
    return headers === response.headers
      ? response
      : new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
  // HEAD: the GET's length, counted from its (small, buffered) body, then no body.
  const length = (await response.arrayBuffer()).byteLength;
  const out = new Headers(headers);
  if (!out.has('content-length') && response.status !== 204 && response.status !== 304)
    out.set('content-length', String(length));
  return new Response(null, { status: response.status, statusText: response.statusText, headers: out });
}

/**
 * A JSON answer of the management handler, the device routes and the leak intake: never cached,
 * never sniffed; `headers` added (`Location`, `Retry-After`, `Pragma`).
 */
export const jsonAnswer = (
  value: unknown,
  status = 200,
  headers?: Readonly<Record<string, string>>,
  type = 'application/json',
): Response =>
  new Response(stringify(value), {
    status,
    headers: { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers },
  });

/**
 * An RFC 9457 problem answer ({@link jsonAnswer}), the one builder of the management handler's,
 * the device routes', the leak intake's and the Node mount's: members `type`, `title`, `status`,
 * then `fields` in their order (`detail`, `code`, …); `headers` added (a challenge, `Allow`,
 * `Retry-After`).
 */
export const problemAnswer = (
  status: number,
  fields: Readonly<Record<string, unknown>>,
  headers?: Readonly<Record<string, string>>,
): Response =>
  jsonAnswer(
    { type: 'about:blank', title: phraseOf(status), status, ...fields },
    status,
    headers,
    'application/problem+json',
  );
