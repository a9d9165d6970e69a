/**
 * The management handler's method and media-type answers to the letter of RFC 9110 and RFC 5789,
 * through the Web handler, real Express and Hono servers (127.0.0.1) and the Next.js route module:
 *
 * - A 415 for a body that is not JSON says what would have been accepted: `Accept:
 *   application/json` (RFC 9110 §15.5.16, §12.5.1), and on a PATCH `Accept-Patch:
 *   application/json` ("Such a response SHOULD include an Accept-Patch response header", RFC 5789
 *   §2.2).
 * - OPTIONS (RFC 9110 §9.3.7) answers 204 with `Allow`, and on the resource that takes PATCH with
 *   `Accept-Patch` ("Accept-Patch SHOULD appear in the OPTIONS response for any resource that
 *   supports the use of the PATCH method", RFC 5789 §3.1); it needs no session and reads nothing.
 *   As OPTIONS is now supported, every `Allow` names it (RFC 9110 §10.2.1). The device routes
 *   mounted with it answer OPTIONS alike.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE, setup } from './fixture.ts';
import { servedDuringSuite } from './servers.ts';

const w = setup();
const served = servedDuringSuite(w.handler);
let id = '';
beforeAll(async () => {
  id = (await w.create()).record.id;
});

interface Seen {
  status: number;
  allow: string | null;
  accept: string | null;
  acceptPatch: string | null;
  type: string | null;
  body: string;
}
const pick = async (r: Response): Promise<Seen> => ({
  status: r.status,
  allow: r.headers.get('allow'),
  accept: r.headers.get('accept'),
  acceptPatch: r.headers.get('accept-patch'),
  type: r.headers.get('content-type'),
  body: await r.text(),
});

/** One request through the handler, Express and Hono, sent as a same-origin browser of alice. */
async function everywhere(method: string, path: string, o: { type?: string; body?: string; session?: boolean } = {}) {
  const init = (origin: string): RequestInit => ({
    method,
    headers: {
      ...(o.session === false ? {} : { cookie: 'sid=alice', origin }),
      ...(o.type === undefined ? {} : { 'content-type': o.type }),
    },
    ...(o.body === undefined ? {} : { body: o.body }),
  });
  const out = [await pick(await w.handler(new Request(`http://app.test${BASE}${path}`, init('http://app.test'))))];
  for (const origin of served.origins) out.push(await pick(await fetch(`${origin}${BASE}${path}`, init(origin))));
  return out;
}

describe('415 says what would have been accepted', () => {
  it.each([
    ['text/plain', '{"label":"x"}'],
    ['application/x-www-form-urlencoded', 'label=x'],
    ['application/json; charset=iso-8859-1', '{"label":"x"}'],
  ])('POST /tokens as %s: 415 with Accept: application/json, no Accept-Patch', async (type, body) => {
    for (const seen of await everywhere('POST', '/tokens', { type, body })) {
      expect(seen).toMatchObject({ status: 415, accept: 'application/json', acceptPatch: null });
      expect(JSON.parse(seen.body)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    }
  });

  it.each(['text/plain', 'application/json-patch+xml; x=1', 'application/json; charset=utf-16'])(
    'PATCH /tokens/:id as %s: 415 with Accept and Accept-Patch (RFC 5789 §2.2)',
    async (type) => {
      for (const seen of await everywhere('PATCH', `/tokens/${id}`, { type, body: '{"label":"y"}' }))
        expect(seen).toMatchObject({ status: 415, accept: 'application/json', acceptPatch: 'application/json' });
      expect((await w.keycard.get(id))?.label).toBe('ci');
    },
  );

  it('the Next.js route module answers the same bytes', async () => {
    const next = await import('./next-app/api/tokens/[...path]/route.ts');
    const r = await next.PATCH(
      new Request(`http://next.test${BASE}/tokens/tok_${'A'.repeat(22)}`, {
        method: 'PATCH',
        headers: { cookie: 'sid=alice', origin: 'http://next.test', 'content-type': 'text/plain' },
        body: 'x',
      }),
    );
    expect(await pick(r)).toMatchObject({ status: 415, accept: 'application/json', acceptPatch: 'application/json' });
  });
});

describe('OPTIONS', () => {
  it.each([
    ['/tokens', 'GET, HEAD, POST, OPTIONS', null],
    ['/tokens/{id}', 'GET, HEAD, PATCH, OPTIONS', 'application/json'],
    ['/tokens/{id}/revoke', 'POST, OPTIONS', null],
    ['/tokens/revoke-all', 'POST, OPTIONS', null],
    ['/scopes', 'GET, HEAD, OPTIONS', null],
    ['/openapi.json', 'GET, HEAD, OPTIONS', null],
    ['/device', 'GET, HEAD, OPTIONS', null],
    ['/device/code', 'POST, OPTIONS', null],
    ['/device/token', 'POST, OPTIONS', null],
    ['/device/approve', 'POST, OPTIONS', null],
  ])('OPTIONS %s: 204, Allow: %s, no body, no session needed', async (path, allow, acceptPatch) => {
    for (const session of [true, false])
      for (const seen of await everywhere('OPTIONS', path.replace('{id}', id), { session }))
        expect(seen).toEqual({ status: 204, allow, accept: null, acceptPatch, type: null, body: '' });
  });

  it('OPTIONS of no route is the 404 of any method', async () => {
    for (const seen of await everywhere('OPTIONS', '/nowhere')) expect(seen.status).toBe(404);
  });

  it.each([
    ['DELETE', '/tokens', 'GET, HEAD, POST, OPTIONS'],
    ['DELETE', '/tokens/{id}', 'GET, HEAD, PATCH, OPTIONS'],
    ['PUT', '/scopes', 'GET, HEAD, OPTIONS'],
    ['GET', '/tokens/{id}/rotate', 'POST, OPTIONS'],
  ])('%s %s → 405, and Allow names OPTIONS: %s', async (method, path, allow) => {
    for (const seen of await everywhere(method, path.replace('{id}', id))) {
      expect(seen).toMatchObject({ status: 405, allow });
      expect(JSON.parse(seen.body)).toMatchObject({ status: 405, detail: `Use ${allow}` });
    }
  });
});
