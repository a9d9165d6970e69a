/**
 * The program's two device routes to the letter of RFC 6749 and RFC 8628, for what
 * test/device-letter.test.ts does not cover:
 *
 * - "Parameters sent without a value MUST be treated as if they were omitted from the request"
 *   (RFC 6749 §3.1, §3.2): `scope=` asks for the catalogue's defaults, `host=` is the unnamed host.
 * - A token request without `grant_type` is missing a required parameter: `invalid_request`, not
 *   `unsupported_grant_type` (RFC 6749 §5.2, §4.1.3 by way of RFC 8628 §3.4).
 * - The body is `application/x-www-form-urlencoded` (RFC 8628 §3.1, §3.4; RFC 6749 §3.2) by its
 *   media type (RFC 9110 §8.3.1: type "/" subtype, then parameters), not by a string prefix.
 *
 * Run through the Web handler and through the management handler mounted on real Express and Hono
 * servers (127.0.0.1): the same answers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, defineScopes, memoryTokenStore } from '../src/index.ts';
import { fakeClock } from '../src/testing/index.ts';
import { listenAll } from './manage/servers.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const BASE = '/api/tokens';
const FORM = 'application/x-www-form-urlencoded';

function handler() {
  const keycard = createKeycard({
    prefix: 'toado',
    scopes: defineScopes({ read: { description: 'Read' }, write: { implies: ['read'] } }, { defaults: ['read'] }),
    store: memoryTokenStore(),
    clock: fakeClock(),
    onError: () => {},
  });
  return createManagementHandler(keycard, { basePath: BASE, authorize: () => null, onError: () => {} });
}

type Send = (path: string, body: string, type?: string) => Promise<{ status: number; body: Record<string, unknown> }>;

/** The Web handler itself, and the same handler mounted on real Express and Hono servers. */
async function transports(): Promise<{ sends: Record<string, Send>; close: () => Promise<void> }> {
  const h = handler();
  const { origins, close } = await listenAll(h);
  const via =
    (call: (url: string, init: RequestInit) => Promise<Response>, origin: string): Send =>
    async (path, body, type = FORM) => {
      const r = await call(`${origin}${BASE}/device${path}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
  const direct = (url: string, init: RequestInit) => h(new Request(url, init));
  const sends = {
    handler: via(direct, 'https://app.example'),
    express: via(fetch, origins[0]!),
    hono: via(fetch, origins[1]!),
  };
  return { sends, close };
}

describe.each(['handler', 'express', 'hono'])('through %s', (name) => {
  let send: Send;
  beforeAll(async () => {
    const t = await transports();
    send = t.sends[name]!;
    return t.close;
  });

  it('POST /device/code with scope= (no value) asks for the default scopes (RFC 6749 §3.1)', async () => {
    const r = await send('/code', 'client_id=toado-cli&host=laptop&scope=');
    expect(r.status).toBe(200);
    expect(r.body).toHaveProperty('device_code');
  });

  it('POST /device/code with host= (no value) is a login from an unnamed host (RFC 6749 §3.1)', async () => {
    const r = await send('/code', 'client_id=toado-cli&host=&scope=read');
    expect(r.status).toBe(200);
    expect(r.body).toHaveProperty('user_code');
  });

  it.each([
    ['no grant_type', 'device_code=abc&client_id=toado-cli'],
    ['grant_type= (no value)', 'grant_type=&device_code=abc&client_id=toado-cli'],
  ])('POST /device/token with %s: invalid_request naming it (RFC 6749 §5.2)', async (_what, body) => {
    const r = await send('/token', body);
    expect(r).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'grant_type is missing' } });
  });

  it('POST /device/token with another grant_type is still unsupported_grant_type', async () => {
    const r = await send('/token', 'grant_type=authorization_code&code=x&client_id=toado-cli');
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unsupported_grant_type');
  });

  it('POST /device/token naming nothing names every missing parameter at once', async () => {
    const r = await send('/token', 'foo=bar');
    expect(r.body).toEqual({
      error: 'invalid_request',
      error_description: 'grant_type, device_code and client_id are missing',
    });
  });

  it.each([
    'application/x-www-form-urlencodedx',
    'application/x-www-form-urlencoded-json',
    'application/x-www-form-urlencoded/json',
  ])('a body of type %s is not a form: invalid_request, no grant started', async (type) => {
    const r = await send('/code', 'client_id=toado-cli&scope=read', type);
    expect(r).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'Send application/x-www-form-urlencoded parameters' },
    });
  });

  it.each([
    'Application/X-WWW-Form-URLEncoded',
    'application/x-www-form-urlencoded;charset=UTF-8',
    'application/x-www-form-urlencoded ; charset=utf-8',
  ])('a body of type %s is a form (media types are case-insensitive, RFC 9110 §8.3.1)', async (type) => {
    const r = await send('/code', 'client_id=toado-cli&scope=read', type);
    expect(r.status).toBe(200);
  });
});

// The grant type is a URN: clients send it percent-encoded or not.
it('the device-code grant type is read percent-encoded too', async () => {
  const h = handler();
  const post = async (path: string, body: string) =>
    (await (
      await h(
        new Request(`https://app.example${BASE}/device${path}`, {
          method: 'POST',
          headers: { 'content-type': FORM },
          body,
        }),
      )
    ).json()) as Record<string, unknown>;
  const start = await post('/code', 'client_id=toado-cli&scope=read');
  const r = await post(
    '/token',
    `grant_type=${encodeURIComponent(GRANT)}&device_code=${String(start.device_code)}&client_id=toado-cli`,
  );
  expect(r.error).toBe('authorization_pending');
});
