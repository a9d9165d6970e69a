/**
 * @module keycard/next
 * Next.js App Router: a wrapper for route handlers that authenticates, hands the handler the
 * identity, and adds the rate-limit headers to whatever it returns. Auth rests here, at the
 * handler, not in `proxy.ts` (Next 16's middleware): the proxy runs before routing and can be
 * bypassed by a matcher gap, and it cannot hand a typed identity to the handler.
 */
import { KeycardError, type Identity, type Keycard } from '../index.ts';
import { computedRequirement } from '../adapter-kit.ts';
import { checkHandlerArguments, checkKeycard, type GuardRequirement } from './requirement.ts';

/** The second argument of a wrapped handler: Next's context plus the identity. */
export type KeycardContext<C = RouteContext> = C & { identity: Identity };

/**
 * Next's context of a route handler, the default of `withKeycard`: a dynamic segment `[id]` is
 * `(await params).id`, a string. For a catch-all (`[...slug]`, string arrays) name the context,
 * e.g. `KeycardContext<RouteContext<'/api/files/[...slug]'>>` with Next's generated `RouteContext`.
 */
export interface RouteContext {
  readonly params: Promise<Record<string, string>>;
}

const problemResponse = (p: { status: number; headers: Readonly<Record<string, string>>; body: string | null }) =>
  new Response(p.body, { status: p.status, headers: p.headers });

/** Adds headers to a response, copying it first when its headers are immutable (`Response.redirect()`). */
function withHeaders(res: Response, headers: Readonly<Record<string, string>>): Response {
  const entries = Object.entries(headers);
  if (entries.length === 0) return res;
  // Cache-Control is appended to, so `private` (query tokens) never weakens a handler's no-store.
  const apply = (h: Headers) => {
    for (const [name, value] of entries) {
      const had = name.toLowerCase() === 'cache-control' ? h.get(name) : null;
      h.set(name, had ? `${had}, ${value}` : value);
    }
  };
  try {
    apply(res.headers);
    return res;
  } catch {
    const copy = new Response(res.body, res);
    apply(copy.headers);
    return copy;
  }
}

/**
 * Wraps an App Router route handler. A fixed requirement naming a scope the catalogue lacks is
 * refused when the route module loads (`invalid_config`).
 *
 * @example app/api/tickets/[id]/route.ts
 * ```ts
 * export const POST = withKeycard(keycard, { scope: 'tickets:write' }, async (request, { params, identity }) =>
 *   Response.json({ id: (await params).id, by: identity.label }));
 * ```
 */
export function withKeycard<C = RouteContext, S extends string = string>(
  keycard: Keycard<S>,
  requirement:
    | GuardRequirement<S>
    | ((request: Request, context: C) => GuardRequirement<S> | Promise<GuardRequirement<S>>)
    | undefined,
  handler: (request: Request, context: KeycardContext<C>) => Response | Promise<Response>,
): (request: Request, context: C) => Promise<Response> {
  const checkRest = () => checkHandlerArguments(keycard, 'withKeycard', requirement, handler);
  checkKeycard(
    keycard,
    'withKeycard',
    'withKeycard(keycard, { scope: … }, handler)',
    undefined,
    requirement,
    checkRest,
  );
  checkRest();
  return async (request, context) => {
    const need =
      typeof requirement === 'function' ? computedRequirement(await requirement(request, context)) : requirement;
    // `direct`: a cached token is answered without a promise, as in the Express and Hono guards.
    const d = keycard.authenticate.direct(request, need);
    const r = d instanceof Promise ? await d : d;
    if (!r.ok) {
      // A route handler has no "next": a foreign token is a 401 (a preflight is the core's 204, below),
      // audited and reported to onAuthFailure like the 401 of `onForeignToken: 'reject'`.
      if (r.skip)
        return problemResponse(
          keycard.authenticate.problemFor(new KeycardError('invalid_token', 'Token of another issuer'), request)!,
        );
      return problemResponse(r);
    }
    let res: Response;
    try {
      res = await handler(request, { ...(context as object), identity: r.identity } as KeycardContext<C>);
    } catch (error) {
      const p = keycard.authenticate.problemFor(error, request);
      if (!p) throw error;
      res = problemResponse(p);
    }
    return withHeaders(res, r.headers);
  };
}
