/**
 * @module keycard/hono
 * Hono middleware: a translation of `keycard.authenticate()`. The identity is the typed variable
 * `keycard` (`c.get('keycard')`); denials are responses.
 */
import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Identity, Keycard } from '../index.ts';
import { computedRequirement } from '../adapter-kit.ts';
import { checkKeycard, checkRequirement, type GuardRequirement } from './requirement.ts';

/** The rate-limit headers of each authenticated request, for answers built by the error handler. */
const granted = new WeakMap<Request, Readonly<Record<string, string>>>();

/** Hono environment of routes behind the guard: `c.get('keycard')` is the verified token. */
export interface KeycardEnv {
  Variables: { keycard: Identity };
}

/**
 * Middleware that authenticates the request and checks `requirement`. A fixed requirement naming
 * a scope the catalogue lacks is refused when the guard is made (`invalid_config`). Mount
 * `app.onError(honoErrorHandler(keycard))` too, so handler denials are not logged as 500s.
 *
 * @example
 * ```ts
 * const app = new Hono<KeycardEnv>();
 * app.use('/api/*', honoGuard(keycard));
 * app.post('/api/tickets', honoGuard(keycard, { scope: 'tickets:write' }), (c) => c.json({ by: c.get('keycard').label }));
 * ```
 */
export function honoGuard<S extends string>(
  keycard: Keycard<S>,
  requirement?: GuardRequirement<S> | ((c: Context) => GuardRequirement<S>),
): MiddlewareHandler<KeycardEnv> {
  const usage = 'app.use(path, honoGuard(keycard)), honoGuard(keycard, { scope: … })';
  checkKeycard(keycard, 'honoGuard', usage, undefined, requirement, () =>
    checkRequirement(keycard, 'honoGuard', requirement),
  );
  checkRequirement(keycard, 'honoGuard', requirement);
  return createMiddleware<KeycardEnv>(async (c, next) => {
    const need = typeof requirement === 'function' ? computedRequirement(requirement(c)) : requirement;
    // `direct`: a cached token is answered without a promise (one microtask turn less a request).
    const d = keycard.authenticate.direct(c.req.raw, need);
    const r = d instanceof Promise ? await d : d;
    if (!r.ok) {
      if (r.skip) return next();
      return new Response(r.body, { status: r.status, headers: r.headers });
    }
    // On @hono/node-server, set the headers on Node's response: c.header() would take the
    // server off its fast path (≈ 2.5 µs a request, measured in bench/). Elsewhere, c.header().
    const outgoing = (c.env as { outgoing?: { setHeader?: (n: string, v: string) => unknown } } | undefined)?.outgoing;
    const direct = typeof outgoing?.setHeader === 'function';
    for (const name in r.headers) {
      if (direct) outgoing!.setHeader!(name, r.headers[name]!);
      else c.header(name, r.headers[name]);
    }
    granted.set(c.req.raw, r.headers);
    c.set('keycard', r.identity);
    await next();
    // A restriction denial thrown in the handler (identity.assert) keeps its problem body.
    const p = c.error ? keycard.authenticate.problemFor(c.error, c.req.raw) : null;
    if (p) {
      c.error = undefined;
      c.res = new Response(p.body, { status: p.status, headers: { ...r.headers, ...p.headers } });
    }
  });
}

/**
 * An `app.onError` handler that answers keycard errors with their problem (and passes others to
 * `fallback`). Hono's default handler logs every thrown error as a 500 before the guard can
 * replace the response; mount this to keep `identity.assert` denials quiet.
 *
 * @example
 * ```ts
 * app.onError(honoErrorHandler(keycard));
 * ```
 */
export function honoErrorHandler<S extends string>(keycard: Keycard<S>, fallback?: ErrorHandler): ErrorHandler {
  checkKeycard(keycard, 'honoErrorHandler', 'app.onError(honoErrorHandler(keycard))');
  return (error, c) => {
    const p = keycard.authenticate.problemFor(error, c.req.raw);
    if (p) {
      c.error = undefined; // answered (and audited) here: the guard must not answer it again
      return new Response(p.body, { status: p.status, headers: { ...granted.get(c.req.raw), ...p.headers } });
    }
    if (fallback) return fallback(error, c);
    throw error;
  };
}
