/**
 * The handlers scenario, on the built package as an application imports it (`keycard`,
 * `keycard/hono`, `keycard/client`, `hono`): the management API over Web `Request`/`Response`
 * through its typed client (create → list → rotate → revoke), the Hono guard, the device routes,
 * and the leak intake verifying a WebCrypto ECDSA signature. runtimes.test.ts runs it under
 * workerd, Bun and Deno and compares the JSON report it answers.
 */
import { Hono } from 'hono';
import { createKeycard, createLeakIntakeHandler, createManagementHandler, defineScopes, jsonLinesSink } from 'keycard';
import { createManagementClient, ManagementError } from 'keycard/client';
import { honoErrorHandler, honoGuard, type KeycardEnv } from 'keycard/hono';

const ORIGIN = 'https://app.example.com';

/** GitHub's side of a leak report: a P-256 key, its key list, and a DER signature over the body. */
export async function githubSigner() {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer);
  const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...spki))}\n-----END PUBLIC KEY-----\n`;
  const keys = () =>
    Promise.resolve(Response.json({ public_keys: [{ key_identifier: 'k1', key: pem, is_current: true }] }));
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < 31 && b[i] === 0) i++;
    const v = b[i]! & 0x80 ? [0, ...b.subarray(i)] : [...b.subarray(i)];
    return [0x02, v.length, ...v];
  };
  const sign = async (body: string) => {
    const data = new TextEncoder().encode(body);
    const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, data));
    const der = [...int(raw.subarray(0, 32)), ...int(raw.subarray(32))];
    return btoa(String.fromCharCode(0x30, der.length, ...der));
  };
  return { keys, sign };
}

export async function handlersScenario(): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: defineScopes(
      { 'tasks:read': {}, 'tasks:write': { implies: ['tasks:read'] } },
      { defaults: ['tasks:read'] },
    ),
    audit: jsonLinesSink((line) => void lines.push(line)),
  });
  const manage = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    authorize: (request) =>
      request.headers.get('cookie') === 'sid=alice' ? { kind: 'user', id: 'alice', scopes: ['tasks:write'] } : null,
  });
  const github = await githubSigner();
  const leaks: string[] = [];
  const intake = createLeakIntakeHandler(keycard, {
    provider: 'github',
    fetch: github.keys,
    onLeak: ({ record }) => void leaks.push(record.ownerId),
  });

  const app = new Hono<KeycardEnv>();
  app.onError(honoErrorHandler(keycard));
  app.mount('/api/tokens', manage, { replaceRequest: false });
  app.post('/api/leaks/github', (c) => intake(c.req.raw));
  app.get('/v1/tasks', honoGuard(keycard, { scope: 'tasks:read' }), (c) => c.json({ owner: c.get('keycard').ownerId }));
  app.post('/v1/tasks', honoGuard(keycard, { scope: 'tasks:write' }), (c) => c.json({}, 201));
  const call = async (init: RequestInit & { url: string }) => app.fetch(new Request(new URL(init.url, ORIGIN), init));
  const bearer = (token: string, method = 'GET') =>
    call({ url: '/v1/tasks', method, headers: { authorization: `Bearer ${token}` } });
  const problem = async (res: Response) => `${res.status} ${((await res.json()) as { code: string }).code}`;

  // The management API through keycard/client, every call a Web Request answered by a Response.
  const client = (headers: Record<string, string>) =>
    createManagementClient({ baseUrl: `${ORIGIN}/api/tokens`, headers, fetch: (url, init) => call({ ...init, url }) });
  const api = client({ cookie: 'sid=alice', origin: ORIGIN });
  const created = await api.create({ label: 'ci', scopes: ['tasks:read'], expiresIn: '30d' });
  const listed = await api.list();
  const read = await bearer(created.token);
  const write = await bearer(created.token, 'POST');
  const rotated = await api.rotate(created.record.id, { graceMs: 0 });
  const oldAfterRotate = await bearer(created.token);
  const newAfterRotate = await bearer(rotated.token);
  const revoked = await api.revoke(rotated.record.id, { reason: 'done' });
  const afterRevoke = await bearer(rotated.token);
  const stranger = await client({ origin: ORIGIN })
    .list()
    .then(
      () => 'allowed',
      (e: unknown) => (e instanceof ManagementError ? `${e.status} ${e.code}` : String(e)),
    );

  // The device routes the handler serves: a CLI starts a login, then polls before approval.
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const code = await call({ url: '/api/tokens/device/code', method: 'POST', headers: form, body: 'client_id=cli' });
  const { device_code } = (await code.json()) as { device_code: string };
  const poll = await call({
    url: '/api/tokens/device/token',
    method: 'POST',
    headers: form,
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code,
      client_id: 'cli',
    }).toString(),
  });

  // The leak intake: a signed GitHub report revokes the token; a wrong signature changes nothing.
  const leaked = await keycard.issue({ ownerId: 'bob', label: 'laptop' });
  const spare = await keycard.issue({ ownerId: 'bob', label: 'desktop' });
  const report = (token: string) =>
    JSON.stringify([{ token, type: 'acme_api_token', url: 'https://github.com/o/r/blob/1/.env', source: 'content' }]);
  const post = async (body: string, signature: string) =>
    call({
      url: '/api/leaks/github',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'github-public-key-identifier': 'k1',
        'github-public-key-signature': signature,
      },
      body,
    });
  const forged = await post(report(spare.token), await github.sign(report(leaked.token)));
  const signed = await post(report(leaked.token), await github.sign(report(leaked.token)));
  const answer = (await signed.json()) as { label: string }[];
  await keycard.close();

  return {
    created: [created.token.startsWith('acme_sk_'), created.record.status, created.record.effectiveScopes],
    listed: listed.data.map((t) => t.id === created.record.id),
    read: [read.status, await read.json()],
    write: await problem(write),
    rotated: [rotated.previous.id === created.record.id, await problem(oldAfterRotate), newAfterRotate.status],
    revoked: [revoked.status, await problem(afterRevoke)],
    stranger,
    device: [code.status, typeof device_code, poll.status, ((await poll.json()) as { error: string }).error],
    leak: [forged.status, signed.status, answer.map((a) => a.label), leaks],
    leakedToken: [(await keycard.verify(leaked.token)).ok, (await keycard.verify(spare.token)).ok],
    audit: lines.map((l) => (JSON.parse(l) as { type: string }).type),
  };
}
