/**
 * Express: mounting a Fetch-style handler (the management API) — a translation of Node's request
 * into a Web `Request` and of the `Response` back, nothing more. Re-exported by `keycard/express`.
 */
import type { RequestHandler } from 'express';
import { badRequestMethod, badRequestUrl, kindOf, linkRequest, nodeRequestUrl } from '../adapter-kit.ts';
import { KeycardError } from '../index.ts';
import { send } from './express-send.ts';
import { nodeRequest } from './node.ts';

/**
 * Mounts a Fetch-style handler (the management API of `createManagementHandler`) on Express: the
 * request becomes a Web `Request` whose body streams from Node's request on demand, so the handler's
 * body cap bounds what is read; the `Response` is written back byte for byte, its body as it comes
 * (an audit export streams; a client that hangs up cancels it: ./express-send.ts). Mount it before any
 * body parser (a body `express.json()` already consumed is re-serialised from `req.body`). Beneath a
 * keycard guard, the `Request` is that guard's request to keycard: a token is charged and audited once.
 *
 * @throws KeycardError `invalid_config` when `handler` is not a function (at the call, not at the first request)
 * @example Behind the app's session
 * ```ts
 * app.use('/api/tokens', expressHandler(createManagementHandler(keycard, { basePath: '/api/tokens', authorize })));
 * ```
 */
export function expressHandler(handler: (request: globalThis.Request) => Promise<globalThis.Response>): RequestHandler {
  if (typeof handler !== 'function') {
    const expected = 'a Web handler (request) => Promise<Response>, such as createManagementHandler(…)';
    throw new KeycardError(
      'invalid_config',
      `expressHandler: the first argument must be ${expected}, got ${kindOf(handler)}`,
    );
  }
  return (req, res, next) => {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    // Each piece checked on its own: a Host carrying a path must not pick the route (request-url.ts).
    // Express's own req.host and req.protocol: X-Forwarded-Host/-Proto under `trust proxy`, else Host.
    const url = nodeRequestUrl(req.protocol, req.host, req.originalUrl);
    if (url === null) {
      void send(res, badRequestUrl(), false).catch(next);
      return;
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    let body: BodyInit | null = null;
    let open = true;
    if (hasBody && req.body !== undefined && req.readableEnded) {
      body = parsedBody(req.body, req.get('content-type'));
    } else if (hasBody) {
      // Pull-based: a chunk is read from Node only when the handler asks for one.
      body = new ReadableStream<Uint8Array>({
        start(controller) {
          req.pause();
          req.on('data', (chunk: Uint8Array) => {
            if (!open) return;
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            req.pause();
          });
          req.on('end', () => open && ((open = false), controller.close()));
          req.on('error', (e) => open && ((open = false), controller.error(e)));
        },
        pull() {
          req.resume();
        },
        cancel() {
          open = false;
          req.resume(); // drain what is left, unbuffered, so the connection can be reused
        },
      });
    }
    let request: globalThis.Request;
    try {
      request = new globalThis.Request(url, {
        method: req.method,
        headers,
        body,
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch {
      // TRACE (CONNECT, TRACK) is a TypeError of `new Request`: a 400 problem, not Express's 500 page.
      open = false;
      req.resume();
      void send(res, badRequestMethod(), false).catch(next);
      return;
    }
    // The same HTTP request a guard before this mount checked: its checks are that request's later
    // ones, so a token request is looked up, charged and admitted once (SPEC §5, §8).
    linkRequest(request, nodeRequest(req));
    handler(request)
      .then((response) => send(res, response, req.method === 'HEAD'))
      .catch(next);
  };
}

/**
 * A body a parser already consumed, sent on as what it was: a form (`express.urlencoded()`) as a
 * form, each parameter as often as it came (nested values of `extended` parsing are no form field
 * of keycard's and are left out), anything else as JSON.
 */
function parsedBody(body: unknown, type: string | undefined): BodyInit {
  if (typeof body === 'string' || body instanceof Uint8Array) return body as BodyInit;
  if (!/^application\/x-www-form-urlencoded/i.test(type ?? '') || typeof body !== 'object' || body === null)
    return JSON.stringify(body);
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body))
    for (const v of [value].flat()) if (typeof v === 'string') form.append(name, v);
  return form.toString();
}
