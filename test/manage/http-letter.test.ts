/**
 * The management handler to the letter of the HTTP and JSON RFCs, through the Web handler:
 * HEAD answers as GET without content (RFC 9110 §9.3.2) and 405s allow it; every answer with
 * content says `X-Content-Type-Options: nosniff`; a JSON body declared in a charset other than
 * UTF-8 is a 415, not misread as UTF-8 (RFC 8259 §8.1).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { world } from './route-world.ts';

const auditStore = { query: () => ({ events: [{ type: 'request.allowed' }], nextCursor: null }) };

/** The answer as compared: status, every header field, the body text. */
const read = async (res: Response) => ({ status: res.status, headers: [...res.headers], body: await res.text() });
/** `headers` (sorted pairs, as `[...Headers]`) with the Content-Length of `body` in its place. */
const withLength = (headers: [string, string][], body: string) =>
  [...headers, ['content-length', String(Buffer.byteLength(body))] as [string, string]].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );

describe('HEAD answers as GET, without content', () => {
  test('law: for every GET route, caller and query, HEAD has the GET status and headers and no body', async () => {
    const w = await world({ auditStore });
    const paths = [
      '/tokens',
      '/tokens?limit=500&bogus=1',
      `/tokens/${w.ids.a1}`,
      `/tokens/${w.ids.b1}`,
      '/tokens/tok_nope',
      `/tokens/${w.ids.a1}/activity`,
      `/tokens/${w.ids.a1}/activity?limit=0`,
      '/scopes',
      '/openapi.json',
      '/nowhere',
      '/device',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom<string | null>('alice', 'bob', 'nobody', null),
        fc.boolean(),
        async (path, as, bearer) => {
          const o = { as, ...(bearer ? { bearer: 'acme_sk_1nottherightlength' } : {}) };
          const get = await read(await w.call('GET', path, o));
          const head = await read(await w.call('HEAD', path, o));
          expect(head.status).toBe(get.status);
          // The GET's fields, plus the length of the GET's body (a server sends it for the GET).
          expect(head.headers).toEqual(withLength(get.headers, get.body));
          expect(head.body).toBe('');
        },
      ),
      { numRuns: 60 },
    );
  });

  test('a HEAD without a session is the 401 of a GET without one, with no body', async () => {
    const w = await world();
    const res = await w.call('HEAD', '/tokens', { as: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('');
  });

  test('a HEAD reads no token of someone else: 404 as for GET', async () => {
    const w = await world();
    const res = await w.call('HEAD', `/tokens/${w.ids.b1}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
  });

  test.each([
    ['DELETE', '/tokens', 'GET, HEAD, POST, OPTIONS'],
    ['DELETE', '/tokens/{a1}', 'GET, HEAD, PATCH, OPTIONS'],
    ['POST', '/scopes', 'GET, HEAD, OPTIONS'],
    ['PUT', '/openapi.json', 'GET, HEAD, OPTIONS'],
    ['GET', '/tokens/{a1}/revoke', 'POST, OPTIONS'],
    ['HEAD', '/tokens/revoke-all', 'POST, OPTIONS'],
    ['POST', '/device', 'GET, HEAD, OPTIONS'],
  ])('%s %s → 405, Allow: %s', async (method, path, allow) => {
    const w = await world();
    const res = await w.call(method, path.replace('{a1}', w.ids.a1));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    if (method === 'HEAD') expect(await res.text()).toBe('');
    else if (path !== '/device') expect(((await res.json()) as { detail: string }).detail).toBe(`Use ${allow}`);
  });
});

describe('X-Content-Type-Options: nosniff on every answer with content', () => {
  test('law: any method and path, any caller: a typed answer says nosniff', async () => {
    const w = await world();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'PUT'),
        fc.constantFrom(
          '/tokens',
          `/tokens/${w.ids.a1}`,
          `/tokens/${w.ids.a1}/rotate`,
          '/tokens/revoke-all',
          '/scopes',
          '/openapi.json',
          '/device',
          '/device/code',
          '/nowhere',
        ),
        fc.constantFrom<string | null>('alice', null),
        fc.constantFrom<unknown>(undefined, {}, { label: 'x' }, { bogus: 1 }),
        async (method, path, as, body) => {
          const o = { as, ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}) };
          const res = await w.call(method, path, o);
          await res.body?.cancel();
          if (res.headers.has('content-type')) expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        },
      ),
      { numRuns: 80 },
    );
  });

  test('success JSON, problem JSON and the approval page all carry it', async () => {
    const w = await world();
    for (const res of [
      await w.call('GET', '/tokens'),
      await w.call('POST', '/tokens', { body: { label: 'n', scopes: ['read'] } }),
      await w.call('GET', '/tokens/tok_nope'),
      await w.call('GET', '/tokens', { as: null }),
      await w.call('GET', '/openapi.json', { as: null }),
      await w.call('GET', '/device'),
      await w.call('GET', '/device', { as: null }),
    ]) {
      expect(res.headers.get('x-content-type-options'), `${res.status} ${await res.text()}`).toBe('nosniff');
    }
  });
});

describe('a JSON body in another charset is a 415, not misread as UTF-8', () => {
  const latin1Label = new Uint8Array([
    ...new TextEncoder().encode('{"label":"caf'),
    0xe9,
    ...new TextEncoder().encode('"}'),
  ]);

  test.each([
    'application/json; charset=iso-8859-1',
    'application/json;charset=ISO-8859-1',
    'application/json; charset="windows-1252"',
    'application/json; charset=utf-16',
    'application/json; charset=utf8',
    'application/merge-patch+json; charset=latin1',
    'application/json; charset=utf-8; charset=iso-8859-1',
  ])('%s → 415 unsupported_media_type naming the charset, nothing created', async (type) => {
    const w = await world();
    const before = (await w.keycard.list({ ownerId: 'alice', status: 'all', limit: 500 })).records.length;
    const res = await w.handler(
      new Request(`http://app.test/api/tokens/tokens`, {
        method: 'POST',
        headers: { cookie: 'sid=alice', origin: 'http://app.test', 'content-type': type },
        body: latin1Label,
      }),
    );
    const j = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(415);
    expect(Object.keys(j)).toEqual(['type', 'title', 'status', 'detail', 'code']);
    expect(j).toMatchObject({ status: 415, title: 'Unsupported Media Type', code: 'unsupported_media_type' });
    expect(j.detail).toMatch(/charset/i);
    expect(j.detail).toMatch(/UTF-8/);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await w.keycard.list({ ownerId: 'alice', status: 'all', limit: 500 })).records.length).toBe(before);
  });

  test.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=UTF-8',
    'application/json;charset="utf-8"',
    'application/json; CHARSET=Utf-8',
    'application/json; foo=bar; charset=utf-8',
    'application/merge-patch+json; charset=utf-8',
  ])('%s is accepted as before', async (type) => {
    const w = await world();
    const res = await w.call('POST', '/tokens', {
      body: { label: 'café', scopes: ['read'] },
      headers: { 'content-type': type },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(((await res.json()) as { record: { label: string } }).record.label).toBe('café');
  });
});
