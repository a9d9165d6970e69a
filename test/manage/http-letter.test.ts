/**
 * The management handler to the letter of the HTTP RFCs, through the Web handler: HEAD answers
 * as GET without content (RFC 9110 §9.3.2) and 405s allow it; every answer with content says
 * `X-Content-Type-Options: nosniff`.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { world } from './route-world.ts';

const auditStore = { query: () => ({ events: [{ type: 'request.allowed' }], nextCursor: null }) };

/** The answer as compared: status, every header field, the body text. */
const read = async (res: Response) => ({ status: res.status, headers: [...res.headers], body: await res.text() });

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
          expect(head.headers).toEqual(get.headers);
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
    ['DELETE', '/tokens', 'GET, HEAD, POST'],
    ['DELETE', '/tokens/{a1}', 'GET, HEAD, PATCH'],
    ['POST', '/scopes', 'GET, HEAD'],
    ['PUT', '/openapi.json', 'GET, HEAD'],
    ['GET', '/tokens/{a1}/revoke', 'POST'],
    ['HEAD', '/tokens/revoke-all', 'POST'],
    ['POST', '/device', 'GET, HEAD'],
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
