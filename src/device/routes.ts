/**
 * `createDeviceRoutes`: the device authorization grant (RFC 8628) as a Web-standard handler
 * (SPEC §13), edge-safe, for the management handler to delegate to or to mount on its own.
 */
import type { Keycard } from '../keycard.ts';
import { startLogin, pollLogin } from './token-endpoint.ts';
import { decide, showPage } from './approval.ts';
import { deviceContext, type DeviceContext } from './context.ts';
import { failureAnswer } from './failure.ts';
import { finishAnswer } from '../core/answer.ts';
import type { DeviceRoutesOptions } from './options.ts';
import { ManagementProblem, optionsAnswer, problemResponse } from '../manage/problem.ts';

/** A device-routes handler: a Response for `${basePath}/device…`, null for any other request. */
export type DeviceRoutes = (request: Request) => Promise<Response | null>;

/**
 * Creates the device login routes under `options.basePath`: `POST /device/code` and
 * `POST /device/token` for the program (RFC 8628), `GET /device`, `POST /device/approve` and
 * `POST /device/deny` for the person. Answers null for every other request, so it composes:
 * try it first, then your own routes.
 *
 * @example Mounted on Express, beside a session
 * ```ts
 * const device = createDeviceRoutes(keycard, {
 *   basePath: '/api/tokens',
 *   authorize: (req) => (session(req) ? { kind: 'user', id: session(req).userId, scopes: session(req).scopes } : null),
 * });
 * app.use('/api/tokens/device', expressHandler(async (request) => (await device(request)) ?? new Response(null, { status: 404 })));
 * ```
 */
export function createDeviceRoutes(keycard: Keycard, options: DeviceRoutesOptions): DeviceRoutes {
  return deviceRoutes(deviceContext(keycard, options));
}

/**
 * The routes over a built context. The management handler builds its own, with its `can` asked
 * before an approval (deviceContext's third argument); not exported from any entry.
 */
export function deviceRoutes(ctx: DeviceContext): DeviceRoutes {
  const lastPrune = { at: Number.NEGATIVE_INFINITY };
  const prefix = `${ctx.base}/device`;
  const dispatch = async (request: Request): Promise<Response> => {
    const route = new URL(request.url).pathname.slice(prefix.length);
    const m = request.method;
    // A failing dependency is answered here, once, in the route's own language (failure.ts).
    const answer = (kind: 'json' | 'page', run: () => Promise<Response>) =>
      run().catch((e: unknown) => failureAnswer(e, kind, ctx));
    if (route === '' && (m === 'GET' || m === 'HEAD')) return answer('page', () => showPage(ctx, request));
    if (route === '/code' && m === 'POST') return answer('json', () => startLogin(ctx, request, lastPrune));
    if (route === '/token' && m === 'POST') return answer('json', () => pollLogin(ctx, request));
    if (route === '/approve' && m === 'POST') return answer('page', () => decide(ctx, request, 'approve'));
    if (route === '/deny' && m === 'POST') return answer('page', () => decide(ctx, request, 'deny'));
    // The management handler's own refusals, byte for byte: problem+json with a code, no-store.
    if (!['', '/code', '/token', '/approve', '/deny'].includes(route))
      return problemResponse(new ManagementProblem('not_found', 'No such route'));
    // RFC 9110 §9.3.7, §10.2.1: OPTIONS says what the route supports, as the management routes do.
    const allow = route === '' ? ['GET', 'HEAD', 'OPTIONS'] : ['POST', 'OPTIONS'];
    if (m === 'OPTIONS') return optionsAnswer(allow);
    const names = allow.join(', ');
    return problemResponse(new ManagementProblem('method_not_allowed', `Use ${names}`, { headers: { Allow: names } }));
  };
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return null;
    // Every answer: nosniff, and a HEAD of the page without content (src/core/answer.ts).
    return finishAnswer(request, await dispatch(request));
  };
}
