/**
 * @module keycard/express
 * Express 5 middleware: a translation of `keycard.authenticate()`, nothing more. The identity is
 * `req.keycard` (not `req.auth`, which the MCP SDK declares globally as its `AuthInfo`).
 */
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { KeycardError, type AuthRequest, type AuthResult, type Keycard } from '../index.ts';
import type { Problem } from '../adapter-kit.ts';
import './express-types.ts';
import { installErrorHandler } from './express-errors.ts';
import { computedRequirement } from '../adapter-kit.ts';
import { checkKeycard, checkRequirement, type GuardRequirement } from './requirement.ts';

export type { AuthenticatedRequest } from './express-types.ts';
export type { GuardRequirement } from './requirement.ts';
import { nodeRequest } from './node.ts';

const inputOf = (req: Request): AuthRequest => nodeRequest(req);

function send(res: Response, p: Pick<Problem, 'status' | 'headers'> & { body: string | null }): void {
  // writeHead + end, not res.send: send would append "; charset=utf-8" to the problem type.
  res.writeHead(p.status, p.headers).end(p.body ?? undefined);
}

/**
 * An error handler that answers keycard errors raised in handlers (`identity.assert(...)`) with
 * their problem+json body, and passes everything else on. Guards install it on first use before
 * the app's own top-level error handlers (and at the end), so a catch-all of yours never turns a
 * denial into a 500; mount it yourself before an error handler of a sub-router.
 */
export function keycardErrorHandler<S extends string>(keycard: Keycard<S>): ErrorRequestHandler {
  checkKeycard(keycard, 'keycardErrorHandler', 'app.use(keycardErrorHandler(keycard))');
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    const p = keycard.authenticate.problemFor(err, nodeRequest(req));
    if (!p || res.headersSent) return next(err);
    send(res, p);
  };
}

const TAKES_KEYCARD_ONLY =
  'expressGuard: takes the keycard only; the requirement goes to the guard it returns, ' +
  'expressGuard(keycard)({ scope: … })';

/** The guard itself called as middleware, `(req, res, next)`: refused through `next`, no handler runs. */
function mountedItself(next: (error: unknown) => void): never {
  next(
    new KeycardError(
      'invalid_config',
      'expressGuard: the guard itself was mounted as middleware; mount what it returns, ' +
        'guard() or guard({ scope: … }) (const guard = expressGuard(keycard))',
    ),
  );
  return undefined as never; // Express ignores a middleware's return value
}

/**
 * Middleware that authenticates the request and checks `requirement`; on success the identity is
 * `req.keycard` and the rate-limit headers are set on the response. A fixed requirement naming a
 * scope the catalogue lacks is refused when the guard is made (`invalid_config`).
 *
 * @example Protecting a router and a route
 * ```ts
 * const guard = expressGuard(keycard);
 * app.use('/api', guard());
 * app.post('/api/tickets', guard({ scope: 'tickets:write' }), (req: AuthenticatedRequest, res) => res.json({ by: req.keycard.label }));
 * ```
 */
export function expressGuard<S extends string>(keycard: Keycard<S>) {
  checkKeycard(keycard, 'expressGuard', 'const guard = expressGuard(keycard); app.use(path, guard())');
  // honoGuard's shape, expressGuard(keycard, { scope }), from untyped code: the requirement would be dropped.
  if (arguments.length > 1) throw new KeycardError('invalid_config', TAKES_KEYCARD_ONLY);
  const errors = keycardErrorHandler(keycard as Keycard);
  const installed = new WeakSet<object>();
  // RequestHandler<any, …>: one guard fits every route, whatever its params, body and query types.
  // `...notMiddleware`: what `requirements.map(guard)` passes (an index, the array) and no more, so
  // the guard itself mounted, app.use('/api', guard), is a compile error (Express's res is no
  // number); from untyped code Express calls it with (req, res, next), answered by next(error).
  return (
    requirement?: GuardRequirement<S> | ((req: Request) => GuardRequirement<S>),
    ...notMiddleware: [index?: number, all?: readonly unknown[]]
  ): RequestHandler<any, any, any, any> => {
    // Express's (req, res, next); other extra arguments (`requirements.map(guard)`) are ignored, as before.
    const mounted = notMiddleware.length === 2 ? (notMiddleware[1] as unknown) : undefined;
    if (typeof mounted === 'function') return mountedItself(mounted as (error: unknown) => void);
    checkRequirement(keycard, 'expressGuard', requirement);
    return (req: Request, res: Response, next: NextFunction) => {
      const app = req.app as Express | undefined;
      if (app && !installed.has(app)) {
        installed.add(app);
        installErrorHandler(app, errors);
      }
      const need = typeof requirement === 'function' ? computedRequirement(requirement(req)) : requirement;
      const answer = (r: AuthResult<S>) => {
        if (!r.ok) return r.skip ? next() : send(res, r);
        for (const name in r.headers) res.setHeader(name, r.headers[name]!);
        req.keycard = r.identity;
        next();
      };
      // Not an async function: Express 5 wraps a returned promise, which cost microseconds a
      // request; and `direct`, so a cached token is answered in this tick, with no promise.
      const r = keycard.authenticate.direct(inputOf(req), need);
      if (r instanceof Promise) r.then(answer).catch(next);
      else answer(r);
    };
  };
}

export { expressHandler } from './express-handler.ts';
