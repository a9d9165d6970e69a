/**
 * Express 5 middleware: a translation of `keycard.authenticate()`, nothing more. The identity is
 * `req.keycard` (not `req.auth`, which the MCP SDK declares globally as its `AuthInfo`).
 */
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthRequest, AuthRequirement, Identity, Keycard, Problem } from '../index.ts';

declare global {
  namespace Express {
    interface Request {
      /** The verified token, set by keycard's guard. */
      keycard?: Identity;
    }
  }
}

/** A request that passed a keycard guard: handlers typed with it can read `req.keycard` without a check. */
export type AuthenticatedRequest = Request & { keycard: Identity };

const inputs = new WeakMap<Request, AuthRequest>();
const appsWithHandler = new WeakSet<object>();

/**
 * The request as keycard reads it, built once per request so stacked guards share one
 * verification. `Authorization` comes from `rawHeaders`, so two field lines stay two (a 400),
 * never silently merged.
 */
function inputOf(req: Request): AuthRequest {
  let input = inputs.get(req);
  if (input) return input;
  // Only the fields keycard reads: copying every header cost microseconds per request.
  const auth: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') auth.push(req.rawHeaders[i + 1]!);
  }
  const h = req.headers;
  const headers = { authorization: auth, 'x-request-id': h['x-request-id'], 'access-control-request-method': h['access-control-request-method'] };
  inputs.set(req, (input = { method: req.method, url: req.originalUrl, headers }));
  return input;
}

function send(res: Response, p: Pick<Problem, 'status' | 'headers' | 'body'>): void {
  // writeHead + end, not res.send: send would append "; charset=utf-8" to the problem type.
  res.writeHead(p.status, p.headers).end(p.body);
}

/**
 * An error handler that answers keycard errors raised in handlers (`identity.assert(...)`) with
 * their problem+json body, and passes everything else on. Guards install it at the end of the
 * app on first use, so it works with no error handler of your own; mount it yourself to place it.
 */
export function keycardErrorHandler(keycard: Keycard): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    const p = keycard.authenticate.problemFor(err, inputs.get(req));
    if (!p || res.headersSent) return next(err);
    send(res, p);
  };
}

/**
 * Middleware that authenticates the request and checks `requirement`; on success the identity is
 * `req.keycard` and the rate-limit headers are set on the response.
 *
 * @example Protecting a router and a route
 * ```ts
 * const guard = expressGuard(keycard);
 * app.use('/api', guard());
 * app.post('/api/tickets', guard({ scope: 'tickets:write' }), (req, res) => res.json({ by: req.keycard!.label }));
 * ```
 */
export function expressGuard(keycard: Keycard) {
  const errors = keycardErrorHandler(keycard);
  return (requirement?: AuthRequirement | ((req: Request) => AuthRequirement)): RequestHandler =>
    (req, res, next) => {
      const app = req.app as Express | undefined;
      if (app && !appsWithHandler.has(app)) {
        appsWithHandler.add(app);
        app.use(errors);
      }
      const need = typeof requirement === 'function' ? requirement(req) : requirement;
      // Not an async function: Express 5 wraps a returned promise, which cost microseconds a request.
      keycard.authenticate(inputOf(req), need).then((r) => {
        if (!r.ok) return r.skip ? next() : send(res, r);
        for (const [name, value] of Object.entries(r.headers)) res.setHeader(name, value);
        req.keycard = r.identity;
        next();
      }).catch(next);
    };
}

/**
 * Mounts a Fetch-style handler (the management API of `createManagementHandler`) on Express: the
 * request becomes a Web `Request` whose body streams from Node's request on demand, so the handler's
 * body cap bounds what is read; the `Response` is written back byte for byte. Mount it before any
 * body parser (a body `express.json()` already consumed is re-serialised from `req.body`).
 *
 * @example Behind the app's session
 * ```ts
 * app.use('/api/tokens', expressHandler(createManagementHandler(keycard, { basePath: '/api/tokens', authorize })));
 * ```
 */
export function expressHandler(handler: (request: globalThis.Request) => Promise<globalThis.Response>): RequestHandler {
  return (req, res, next) => {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    const url = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    let body: BodyInit | null = null;
    if (hasBody && req.body !== undefined && req.readableEnded) {
      body = typeof req.body === 'string' || req.body instanceof Uint8Array ? (req.body as BodyInit) : JSON.stringify(req.body);
    } else if (hasBody) {
      // Pull-based: a chunk is read from Node only when the handler asks for one.
      let open = true;
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
    const request = new globalThis.Request(url, { method: req.method, headers, body, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
    handler(request)
      .then(async (response) => {
        const out: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          out[name] = value;
        });
        const bytes = new Uint8Array(await response.arrayBuffer());
        res.writeHead(response.status, out).end(bytes);
      })
      .catch(next);
  };
}
