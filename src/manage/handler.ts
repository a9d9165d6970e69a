/**
 * `createManagementHandler` (SPEC §11): one Web-standard `(Request) => Promise<Response>` that
 * routes, authenticates, checks CSRF, validates and answers. Edge-safe: Web standards only.
 */
// The imports' order is their modules' order in a bundle: this one, measured, gzips `export *
// from 'keycard'` 99 B smaller than grouped by place (session 43), and 62 B more measured again
// in session 47 (createKeycard alone unchanged). Measure before moving one.
import type { z } from 'zod/mini';
import type { Keycard } from '../keycard.ts';
import { deviceContext } from '../device/context.ts';
import {
  activityQuery,
  createBody,
  fieldErrors,
  listQuery,
  revokeAllBody,
  revokeBody,
  rotateBody,
  updateBody,
} from './schemas.ts';
import { assertSameOrigin } from './csrf.ts';
import { finishAnswer } from '../core/answer.ts';
import { sessionChallenge } from './challenge.ts';
import { cursorSeal } from './list-cursor.ts';
import { requestIdFrom } from '../core/audit.ts';
import { storeTimeoutOf } from '../core/bounded.ts';
import { coalescedReporter } from '../core/report.ts';
import { checkKeycard } from '../core/arguments-check.ts';
import { deviceRoutes } from '../device/routes.ts';
import {
  ManagementProblem,
  invalid,
  optionsAnswer,
  problemOfKeycardError,
  problemResponse,
  statusOfCode,
} from './problem.ts';
import { resolveOptions, type ManagementOptions, type ResolvedOptions } from './options.ts';
import { readJson } from './body.ts';
import { openApiDocument } from './openapi.ts';
import * as routes from './routes.ts';
import { createCan, hasBearer, sessionCaller, tokenCaller, type Caller } from './authorization.ts';
import * as zod from '../core/shape.ts';
import { english } from '../core/config.ts';
import { defineProperty, stringify } from '../core/builtins.ts';

/** A mountable management API. */
export type ManagementHandler = (request: Request) => Promise<Response>;

const noQuery = zod.strictObject({});

type Ctx = routes.RouteContext;
interface Route {
  readonly method: string;
  /** Path segments after the base path; `:id` matches one segment. */
  readonly path: readonly string[];
  readonly query: z.ZodMiniType;
  readonly body?: z.ZodMiniType;
  /** Public: answered without a caller (the OpenAPI document). */
  readonly open?: boolean;
  run(ctx: Ctx, id: string, input: { query: never; body: never }): Response | Promise<Response>;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', path: ['tokens'], query: listQuery, run: (c, _i, x) => routes.listTokens(c, x.query) },
  {
    method: 'POST',
    path: ['tokens'],
    query: noQuery,
    body: createBody,
    run: (c, _i, x) => routes.createToken(c, x.body),
  },
  {
    method: 'POST',
    path: ['tokens', 'revoke-all'],
    query: noQuery,
    body: revokeAllBody,
    run: (c, _i, x) => routes.revokeAll(c, x.body),
  },
  { method: 'GET', path: ['tokens', ':id'], query: noQuery, run: (c, id) => routes.getToken(c, id) },
  {
    method: 'PATCH',
    path: ['tokens', ':id'],
    query: noQuery,
    body: updateBody,
    run: (c, id, x) => routes.updateToken(c, id, x.body),
  },
  {
    method: 'POST',
    path: ['tokens', ':id', 'revoke'],
    query: noQuery,
    body: revokeBody,
    run: (c, id, x) => routes.revokeToken(c, id, x.body),
  },
  {
    method: 'POST',
    path: ['tokens', ':id', 'rotate'],
    query: noQuery,
    body: rotateBody,
    run: (c, id, x) => routes.rotateToken(c, id, x.body),
  },
  {
    method: 'GET',
    path: ['tokens', ':id', 'activity'],
    query: activityQuery,
    run: (c, id, x) => routes.activity(c, id, x.query),
  },
  { method: 'GET', path: ['scopes'], query: noQuery, run: (c) => routes.scopes(c) },
  { method: 'GET', path: ['openapi.json'], query: noQuery, open: true, run: () => new Response() },
];

/**
 * The route for a path (and the `:id` it names), or the methods the path allows (an OPTIONS, a
 * 405), or nothing (404). A HEAD runs the GET route; `Allow` names HEAD wherever it names GET, and
 * OPTIONS on every path (RFC 9110 §10.2.1: the methods the resource supports).
 */
function match(method: string, segments: readonly string[]): { route: Route; id: string } | { allow: string[] } | null {
  const allow: string[] = [];
  for (const r of ROUTES) {
    if (r.path.length !== segments.length) continue;
    let id = '';
    const ok = r.path.every((p, i) => {
      if (p !== ':id') return p === segments[i];
      id = segments[i]!;
      return true;
    });
    if (!ok || (segments[1] === 'revoke-all' && r.path[1] === ':id')) continue;
    // RFC 9110 §9.1, §9.3.2: every GET route answers HEAD too (finishAnswer drops the content).
    if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, id };
    allow.push(...(r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]));
  }
  return allow.length ? { allow: [...allow, 'OPTIONS'] } : null;
}

const REFUSALS = new Set([400, 403, 404, 409]);
const PUBLIC_ID = /^tok_[0-9A-Za-z]{22}$/;

/**
 * Whether the caller may see the token `id`: already known when the route looked it up
 * (`ctx.visible`), else asked now (a refusal before the lookup: a bad body or query). A failing
 * store or hook counts as not visible, so the refusal is filed under no token.
 */
async function mayRead(ctx: Ctx, id: string): Promise<boolean> {
  if (ctx.visible.has(id)) return true;
  try {
    await routes.loadVisible(ctx, id, 'read'); // the routes' own lookup: a 404 it would answer is `false`
    return true;
  } catch (e) {
    if (!(e instanceof ManagementProblem)) ctx.options.onError(e); // can() reports its own failures
    return false;
  }
}

/**
 * SPEC §11: a call refused once its caller is known (400, 403, 404, 409) is one
 * `management.denied` event: the actor, the route pattern, the code and status, and the token id
 * the path names when it has the public id's shape (so a secret pasted as an id is never kept) and
 * the caller may see that token: a 404, or a 400 naming a token the caller cannot see, is filed
 * under no token, so nobody can flood the activity of a token they cannot see.
 */
async function auditRefusal(ctx: Ctx, e: unknown, route: string, id: string) {
  const p = e instanceof ManagementProblem ? e : problemOfKeycardError(e);
  const status = p && statusOfCode(p.code);
  if (!p || !status || !REFUSALS.has(status)) return;
  const filed = p.code !== 'not_found' && PUBLIC_ID.test(id) && (await mayRead(ctx, id));
  const actor = ctx.actor;
  await ctx.keycard.recordAudit({
    type: 'management.denied',
    tokenId: filed ? id : null,
    label: null,
    ownerId: null,
    workspaceId: null,
    actor: actor.kind === 'user' ? { kind: 'user', id: actor.id } : { kind: 'token', id: actor.identity.tokenId },
    route,
    code: p.code,
    status,
    requestId: ctx.requestId,
  });
}

/** Query parameters as an object; a parameter given twice is an error rather than a silent pick. */
function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  const twice: string[] = [];
  for (const [k, v] of url.searchParams) {
    if (Object.hasOwn(out, k)) twice.push(k);
    else defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  if (twice.length) throw invalid([...new Set(twice)].map((field) => ({ field, message: 'is given more than once' })));
  return out;
}

/** The most segments a route has. */
const LONGEST_ROUTE = Math.max(...ROUTES.map((r) => r.path.length));

/** A 404 for a path outside `basePath`: names the configured basePath (never the request's path) and the fix. */
const OUTSIDE_BASE_PATH = (base: string) =>
  `No such route: basePath is ${base}; mount the handler where it sees the whole URL (Hono: app.mount(path, handler, { replaceRequest: false }))`;

/**
 * A 404 inside `basePath`. With basePath '' and a path whose tail is one of the routes, the handler
 * was mounted under a prefix it was not told: say so (naming no part of the request's path).
 */
function notFoundDetail(base: string, method: string, segments: readonly string[]): string {
  // Only tails as long as a route can match: trying every tail was quadratic in the segments.
  const tails = [];
  for (let i = Math.max(1, segments.length - LONGEST_ROUTE); i < segments.length; i++) tails.push(segments.slice(i));
  if (base === '' && tails.some((tail) => match(method, tail) !== null))
    return "No such route: basePath is '' but the path ends in a route; set basePath to the mount prefix (e.g. '/api/tokens')";
  return 'No such route';
}

async function callerOf(
  keycard: Keycard,
  options: ResolvedOptions,
  request: Request,
  timeoutMs: number,
  challenge: string,
): Promise<Caller | Response> {
  if (options.managementScope !== null && hasBearer(request)) {
    const byToken = await tokenCaller(keycard, request, options.managementScope);
    if (byToken !== null) return byToken;
  }
  assertSameOrigin(request, options.allowedOrigins);
  return sessionCaller(options, request, timeoutMs, challenge);
}

/**
 * Creates the management API of a keycard instance: list, create, view, update, revoke, rotate
 * and revoke-all over HTTP, the scope catalogue, token activity and an OpenAPI document. Mount it
 * under `options.basePath` on any framework that speaks Fetch (docs/management.md).
 *
 * @throws KeycardError `invalid_config` naming every bad option.
 * @example Behind an app's own session, on Hono
 * ```ts
 * const manage = createManagementHandler(keycard, {
 *   basePath: '/api/tokens',
 *   authorize: async (req) => {
 *     const user = await sessionUser(req);
 *     return user ? { kind: 'user', id: user.id, scopes: user.scopes } : null;
 *   },
 * });
 * app.mount('/api/tokens', manage, { replaceRequest: false });
 * ```
 */
export function createManagementHandler(keycard: Keycard, options: ManagementOptions): ManagementHandler {
  checkKeycard(keycard, 'createManagementHandler', '', undefined, options, () => resolveOptions(options));
  const resolved = resolveOptions(options, keycard.scopes);
  // One report per kind per second, as the core's request path (src/core/report.ts): an outage of
  // the session store must not become one report per request; the count comes when the second
  // ends, or at keycard.close(). Never throws.
  const opts: ResolvedOptions = { ...resolved, onError: coalescedReporter(resolved.onError, keycard) };
  const timeoutMs = storeTimeoutOf(keycard);
  const can = createCan(opts, timeoutMs);
  const cursors = cursorSeal(opts.cursorSecret);
  const challenge = sessionChallenge(keycard, opts.managementScope !== null);
  let openapi: string | null = null;

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const base = opts.basePath;
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`))
      throw new ManagementProblem('not_found', OUTSIDE_BASE_PATH(base));
    const segments = url.pathname
      .slice(base.length)
      .split('/')
      .filter((s, i) => i > 0 || s !== '')
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return '\u0000';
        }
      });
    const found = match(request.method, segments);
    if (found === null) throw new ManagementProblem('not_found', notFoundDetail(base, request.method, segments));
    if ('allow' in found && request.method === 'OPTIONS') return optionsAnswer(found.allow);
    if ('allow' in found)
      throw new ManagementProblem('method_not_allowed', `Use ${found.allow.join(', ')}`, {
        headers: { Allow: found.allow.join(', ') },
      });
    const { route, id } = found;
    const query = route.query.safeParse(queryOf(url), english);
    if (route.open) {
      if (!query.success) throw invalid(fieldErrors(query.error, 'query'));
      openapi ??= stringify(openApiDocument(base));
      return new Response(openapi, { headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' } });
    }
    const caller = await callerOf(keycard, opts, request, timeoutMs, challenge);
    if (caller instanceof Response) return caller;
    const requestId = requestIdFrom(request.headers.get('x-request-id'));
    const visible = new Set<string>();
    const ctx = { keycard, options: opts, can, actor: caller.actor, requestId, timeoutMs, cursors, visible };
    try {
      return await run(route, id, query, request, ctx);
    } catch (e) {
      await auditRefusal(ctx, e, `${route.method} /${route.path.join('/')}`, id);
      throw e;
    }
  }

  /** Validates the whole input before any write (a bad request changes nothing), then runs the route. */
  async function run(
    route: Route,
    id: string,
    query: ReturnType<z.ZodMiniType['safeParse']>,
    request: Request,
    ctx: Ctx,
  ) {
    const rawBody = route.body ? await readJson(request, opts.maxBodyBytes) : undefined;
    const body = route.body?.safeParse(rawBody, english);
    const errors = [
      ...(query.success ? [] : fieldErrors(query.error, 'query')),
      ...(body && !body.success ? fieldErrors(body.error, 'body') : []),
    ];
    if (errors.length) throw invalid(errors);
    return route.run(ctx, id, { query: query.data as never, body: body?.data as never });
  }

  const device =
    opts.device === false
      ? null
      : deviceRoutes(
          deviceContext(
            keycard,
            {
              basePath: opts.basePath,
              authorize: opts.authorize,
              // The integrator's own: the device routes coalesce their reports themselves.
              onError: resolved.onError,
              ...(opts.allowedOrigins ? { allowedOrigins: opts.allowedOrigins } : {}),
              ...opts.device,
            },
            // An approval issues a personal token of the approver: the rights POST /tokens asks for.
            (actor) => can(actor, 'create', { kind: 'personal', ownerId: actor.id, workspaceId: null }),
          ),
        );

  async function answer(request: Request): Promise<Response> {
    try {
      // The device routes answer `${basePath}/device…` (null for anything else).
      const fromDevice = device === null ? null : await device(request);
      return fromDevice ?? (await handle(request));
    } catch (e) {
      if (e instanceof ManagementProblem) return problemResponse(e);
      const p = problemOfKeycardError(e);
      if (p) return problemResponse(p);
      opts.onError(e);
      return problemResponse(new ManagementProblem('internal', 'Internal error'));
    }
  }

  // Every answer, success or problem: nosniff, and a HEAD without content (src/core/answer.ts).
  return async (request) => finishAnswer(request, await answer(request));
}
