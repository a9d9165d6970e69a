/**
 * The device routes' 404 and 405 (a wrong method on `/device…`, or a path under `/device/` that is
 * no route) answered an empty body with no `Content-Type`, no `Cache-Control` and no `nosniff`,
 * where every sibling refusal of the management handler (its own 404/405, the leak intake's 405)
 * is a problem+json body with a `code`, `Cache-Control: no-store` and `nosniff` (SPEC §11). Now
 * they are those bytes, on real Express and Hono servers, the Next route module, and the handler.
 */
import { describe, expect, test } from 'vitest';
import { createDeviceRoutes } from '../../src/device/index.ts';
import { BASE, ORIGIN, sessionOf, setup } from './fixture.ts';
import * as nextRoute from './next-app/api/tokens/[...path]/route.ts';
import { app } from './next-app/manage.ts';
import { servedDuringSuite } from './servers.ts';

const served = servedDuringSuite(app.handler);

const problem = (status: number, title: string, detail: string, code: string) =>
  JSON.stringify({ type: 'about:blank', title, status, detail, code });
const notAllowed = (allow: string) => problem(405, 'Method Not Allowed', `Use ${allow}`, 'method_not_allowed');
const NOT_FOUND = problem(404, 'Not Found', 'No such route', 'not_found');

const pick = async (r: Response) => [
  r.status,
  r.headers.get('content-type'),
  r.headers.get('cache-control'),
  r.headers.get('x-content-type-options'),
  r.headers.get('allow'),
  await r.text(),
];

/** The request through Express, Hono, the Next route module (when it exports the method) and the handler. */
async function everywhere(method: string, path: string) {
  const init = (origin: string) => ({ method, headers: { cookie: 'sid=alice', origin } });
  const out = await Promise.all(served.origins.map(async (o) => pick(await fetch(`${o}${BASE}${path}`, init(o)))));
  const next = (nextRoute as unknown as Record<string, (r: Request) => Promise<Response>>)[method];
  if (next) out.push(await pick(await next(new Request(`${ORIGIN}${BASE}${path}`, init(ORIGIN)))));
  out.push(await pick(await app.handler(new Request(`${ORIGIN}${BASE}${path}`, init(ORIGIN)))));
  return out;
}

/** The 405 of a path whose route is a page (`GET, HEAD`), as every 405 of the management routes. */
const pageNotAllowed = () => [
  405,
  'application/problem+json',
  'no-store',
  'nosniff',
  'GET, HEAD, OPTIONS',
  notAllowed('GET, HEAD, OPTIONS'),
];

describe('device routes: 404 and 405 are problem+json with a code, no-store and nosniff', () => {
  test.each([
    ['PUT', '/device', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/device', 'GET, HEAD, OPTIONS'],
    ['PATCH', '/device', 'GET, HEAD, OPTIONS'],
    ['GET', '/device/token', 'POST, OPTIONS'],
    ['GET', '/device/code', 'POST, OPTIONS'],
    ['DELETE', '/device/approve', 'POST, OPTIONS'],
    ['PATCH', '/device/deny', 'POST, OPTIONS'],
  ])('%s %s → 405, Allow: %s', async (method, path, allow) => {
    for (const seen of await everywhere(method, path))
      expect(seen).toEqual([405, 'application/problem+json', 'no-store', 'nosniff', allow, notAllowed(allow)]);
  });

  test.each([
    ['GET', '/device/nope'],
    ['POST', '/device/token/'],
    ['POST', '/device/approve/x'],
    ['GET', '/device/%2e%2e'],
  ])('%s %s → 404 not_found', async (method, path) => {
    for (const seen of await everywhere(method, path))
      expect(seen).toEqual([404, 'application/problem+json', 'no-store', 'nosniff', null, NOT_FOUND]);
  });

  test('the same bytes as the management routes’ own 405', async () => {
    const s = setup();
    const own = await pick(await s.call('PUT', '/scopes'));
    expect(own).toEqual(pageNotAllowed());
    expect(await pick(await s.call('PUT', '/device'))).toEqual(own);
  });

  test('createDeviceRoutes mounted on its own answers the same', async () => {
    const routes = createDeviceRoutes(setup().keycard, { basePath: BASE, authorize: sessionOf });
    const put = await routes(new Request(`${ORIGIN}${BASE}/device`, { method: 'PUT' }));
    const nope = await routes(new Request(`${ORIGIN}${BASE}/device/nope`));
    expect(await pick(put!)).toEqual(pageNotAllowed());
    expect(await pick(nope!)).toEqual([404, 'application/problem+json', 'no-store', 'nosniff', null, NOT_FOUND]);
  });
});
