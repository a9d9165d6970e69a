/**
 * The management handler's 401 to the letter of RFC 9110 §15.5.2: "The server generating a 401
 * response MUST send a WWW-Authenticate header field (Section 11.6.1) containing at least one
 * challenge applicable to the target resource." A caller with no session gets one challenge per
 * way in: the session (`Cookie`, draft-broyer-http-cookie-auth: credentials checked out of band,
 * then carried by a cookie) and, when `managementScope` lets a keycard token manage tokens, the
 * request contract's own Bearer challenge (RFC 6750 §3, SPEC §8: `Bearer realm="api"`). Status,
 * code and body stay as SPEC §11 pins them. Through real Express and Hono servers on 127.0.0.1,
 * and a Next route module called with `new Request`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, defineScopes } from '../../src/index.ts';
import { BASE, sessionOf, setup } from './fixture.ts';
import { listenAll } from './servers.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

/** GET and HEAD of `/tokens` without a session, through Express, Hono and a Next route module. */
async function anonymous(handler: (r: Request) => Promise<Response>) {
  const { origins, close } = await listenAll(handler);
  closers.push(close);
  const answers: { via: string; method: string; status: number; challenge: string | null; code?: string }[] = [];
  const next = { GET: handler, HEAD: handler }; // app/api/tokens/[...path]/route.ts
  for (const method of ['GET', 'HEAD']) {
    const sent = [
      ...origins.map(async (o, i) => [i ? 'hono' : 'express', await fetch(`${o}${BASE}/tokens`, { method })] as const),
      (async () =>
        ['next', await next[method as 'GET'](new Request(`http://app.test${BASE}/tokens`, { method }))] as const)(),
    ];
    for (const [via, res] of await Promise.all(sent)) {
      const text = await res.text();
      answers.push({
        via,
        method,
        status: res.status,
        challenge: res.headers.get('www-authenticate'),
        ...(text ? { code: (JSON.parse(text) as { code: string }).code } : {}),
      });
    }
  }
  return answers;
}

describe('401 unauthenticated carries WWW-Authenticate (RFC 9110 §15.5.2)', () => {
  it('with managementScope: the Bearer challenge of the request contract, then the session one', async () => {
    const { handler } = setup(); // managementScope: 'manage'
    for (const a of await anonymous(handler)) {
      expect(a).toMatchObject({ status: 401, challenge: 'Bearer realm="api", Cookie realm="api"' });
      if (a.method === 'GET') expect(a.code).toBe('unauthenticated');
    }
  });

  it('without managementScope (sessions only): the session challenge alone', async () => {
    const { handler } = setup({ managementScope: undefined });
    for (const a of await anonymous(handler)) expect(a).toMatchObject({ status: 401, challenge: 'Cookie realm="api"' });
  });

  it("the keycard's own realm in both", async () => {
    const keycard = createKeycard({ prefix: 'acme', realm: 'tickets', scopes: defineScopes({ manage: {} }) });
    const handler = createManagementHandler(keycard, {
      basePath: BASE,
      managementScope: 'manage',
      authorize: sessionOf,
    });
    const [a] = await anonymous(handler);
    expect(a).toMatchObject({ status: 401, challenge: 'Bearer realm="tickets", Cookie realm="tickets"' });
  });

  it('only the 401: a signed-in call, a 404 and a 405 carry no challenge', async () => {
    const { call } = setup();
    for (const [method, path, status] of [
      ['GET', '/tokens', 200],
      ['GET', '/nowhere', 404],
      ['DELETE', '/tokens', 405],
    ] as const) {
      const res = await call(method, path);
      expect([path, res.status, res.headers.get('www-authenticate')]).toEqual([path, status, null]);
    }
  });
});
