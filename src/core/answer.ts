/**
 * The last step of every answer of the management handler and the device routes, so each rule
 * holds for every route at once rather than route by route:
 *
 * - `X-Content-Type-Options: nosniff` on every answer with content: a browser never sniffs a
 *   JSON answer, a problem body or an approval page into something else (a script, a page).
 * - HEAD (RFC 9110 §9.3.2) is answered as its GET without content: the same status and the same
 *   header fields (a `Content-Length` only where the GET's answer has one), and no body.
 *
 * Idempotent: finishing a finished answer changes nothing.
 */
export async function finishAnswer(request: Request, response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  if (headers.has('content-type')) headers.set('X-Content-Type-Options', 'nosniff');
  const head = request.method === 'HEAD';
  if (head) await response.body?.cancel();
  return new Response(head ? null : response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
