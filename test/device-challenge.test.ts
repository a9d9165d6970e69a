/**
 * The approval page's 401 to the letter of RFC 9110 §15.5.2: "The server generating a 401
 * response MUST send a WWW-Authenticate header field (Section 11.6.1) containing at least one
 * challenge applicable to the target resource." Only a signed-in person approves (a keycard
 * token never does), so the one challenge is the session's, `Cookie realm="api"` in the keycard's
 * realm (src/manage/challenge.ts). Through real Express and Hono servers on 127.0.0.1 (the device
 * routes inside the management handler) and the device routes mounted alone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, defineScopes } from '../src/index.ts';
import { createDeviceRoutes } from '../src/device/index.ts';
import { listenAll } from './manage/servers.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

const keycardOf = (realm?: string) =>
  createKeycard({ prefix: 'toado', ...(realm ? { realm } : {}), scopes: defineScopes({ read: {} }) });
const nobody = () => null;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('the approval page without a session: 401 with a WWW-Authenticate challenge (RFC 9110 §15.5.2)', () => {
  it('GET, HEAD and POST /device/approve through real Express and Hono (management handler)', async () => {
    const handler = createManagementHandler(keycardOf(), {
      basePath: '/api/tokens',
      managementScope: 'read', // a token may manage tokens, but never approves a login
      authorize: nobody,
    });
    const { origins, close } = await listenAll(handler);
    closers.push(close);
    for (const origin of origins) {
      const url = `${origin}/api/tokens/device`;
      for (const [name, res] of [
        ['GET', await fetch(url)],
        ['HEAD', await fetch(url, { method: 'HEAD' })],
        [
          'approve',
          await fetch(`${url}/approve`, {
            method: 'POST',
            headers: { ...form, origin },
            body: 'user_code=BCDF-GHJK&scope=read&expires=30d',
          }),
        ],
      ] as const) {
        expect([name, res.status, res.headers.get('www-authenticate')]).toEqual([name, 401, 'Cookie realm="api"']);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      }
    }
  });

  it("mounted alone: the keycard's own realm", async () => {
    const device = createDeviceRoutes(keycardOf('tickets'), { basePath: '/cli', authorize: nobody });
    const res = (await device(new Request('https://app.example/cli/device')))!;
    expect([res.status, res.headers.get('www-authenticate')]).toEqual([401, 'Cookie realm="tickets"']);
  });

  it('the program routes answer no challenge (no 401 there): /device/code', async () => {
    const device = createDeviceRoutes(keycardOf(), { basePath: '/cli', authorize: nobody });
    const init = { method: 'POST', headers: form, body: 'client_id=cli&scope=read' };
    const res = (await device(new Request('https://app.example/cli/device/code', init)))!;
    expect([res.status, res.headers.get('www-authenticate')]).toEqual([200, null]);
  });
});
