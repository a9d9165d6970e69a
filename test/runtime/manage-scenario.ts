/**
 * The rest of the management half, on the built package as an application imports it, with Web
 * standards only (no framework): the management handler's raw HTTP routes the handlers scenario
 * does not reach (view, update, the scope catalogue, the OpenAPI document, a token's activity
 * from `memoryAuditStore`, revoke-all with `expectCount`), a whole CLI login through the device
 * routes (code → approval page → approve → poll → a working token), `keycard/device` mounted
 * alone, the GitLab leak intake, `keycard/oauth` (the protected-resource document and a JWT
 * verified against a JWKS) and `keycard/next`'s wrapper. manage-runtimes.test.ts runs it under
 * workerd, Bun and Deno and compares the JSON report it answers.
 */
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import {
  createKeycard,
  createLeakIntakeHandler,
  createManagementHandler,
  defineScopes,
  memoryAuditStore,
} from 'keycard';
import { createDeviceRoutes, memoryPendingGrantStore } from 'keycard/device';
import { withKeycard } from 'keycard/next';
import { jwtAccessTokens, protectedResource } from 'keycard/oauth';
import { githubSigner } from './handlers.ts';

const ORIGIN = 'https://app.example.com';
const BASE = `${ORIGIN}/api/tokens`;
const ISSUER = 'https://auth.example.com';
const RESOURCE = 'https://app.example.com/mcp';
const session = { cookie: 'sid=alice', origin: ORIGIN };
const form = { 'content-type': 'application/x-www-form-urlencoded' };
type Json = Record<string, unknown>;

/** An authorization server's side: a key, its JWKS served by `fetch`, and RFC 9068 access tokens. */
async function authServer() {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const fetch = (url: string | URL | Request) =>
    Promise.resolve(
      String(url) === `${ISSUER}/jwks` ? Response.json({ keys: [jwk] }) : new Response(null, { status: 404 }),
    );
  const now = Math.floor(Date.now() / 1000);
  const accessToken = () =>
    new SignJWT({ scope: 'read', client_id: 'claude', jti: 'j1' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(RESOURCE)
      .setSubject('carol')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(pair.privateKey);
  return { fetch, accessToken };
}

async function setup() {
  const auth = await authServer();
  const scopes = defineScopes(
    { read: { description: 'Read tickets' }, 'tickets:write': { implies: ['read'], description: 'Edit tickets' } },
    { defaults: ['read'], presets: { 'Read-only': ['read'] } },
  );
  const resource = protectedResource({
    resource: RESOURCE,
    authorizationServers: [ISSUER],
    scopesSupported: scopes.names,
  });
  const auditStore = memoryAuditStore();
  const keycard = createKeycard({
    prefix: 'acme',
    scopes,
    audit: auditStore,
    oauth: jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, jwksUrl: `${ISSUER}/jwks`, fetch: auth.fetch }),
    resourceMetadataUrl: resource.metadataUrl,
  });
  const manage = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    auditStore,
    authorize: (request) =>
      request.headers.get('cookie') === 'sid=alice' ? { kind: 'user', id: 'alice', scopes: ['tickets:write'] } : null,
    device: { appName: 'Acme' },
  });
  const http = async (method: string, path: string, body?: unknown, headers: Record<string, string> = session) => {
    const json = body !== undefined && typeof body !== 'string';
    const init = { method, headers: json ? { ...headers, 'content-type': 'application/json' } : headers };
    const res = await manage(
      new Request(`${BASE}${path}`, { ...init, body: json ? JSON.stringify(body) : (body as string | undefined) }),
    );
    const type = res.headers.get('content-type') ?? '';
    const text = await res.text();
    return { status: res.status, type, text, body: (type.includes('json') ? JSON.parse(text) : {}) as Json };
  };
  const guarded = withKeycard(keycard, { scope: 'read' }, (_request, { identity }) =>
    Response.redirect(`${ORIGIN}/tickets?by=${identity.ownerId}`, 303),
  );
  const bearer = async (token: string) => {
    const headers = { authorization: `Bearer ${token}` };
    const res = await guarded(new Request(`${ORIGIN}/api/tickets`, { headers }), { params: Promise.resolve({}) });
    return res.status === 303 ? res.headers.get('location')! : `${res.status} ${((await res.json()) as Json).code}`;
  };
  return { keycard, auth, resource, http, bearer, guarded };
}
type World = Awaited<ReturnType<typeof setup>>;

/** The routes the settings page calls, by raw HTTP: create, view, update, catalogue, OpenAPI, activity. */
async function routes({ keycard, http, bearer }: World) {
  const created = await http('POST', '/tokens', { label: 'ci', preset: 'Read-only', expiresIn: '30d' });
  const { token, record } = created.body as { token: string; record: { id: string } };
  const call = await bearer(token);
  const viewed = (await http('GET', `/tokens/${record.id}`)).body;
  const patched = (await http('PATCH', `/tokens/${record.id}`, { label: 'ci deploy', metadata: { repo: 'acme/app' } }))
    .body;
  const catalogue = (await http('GET', '/scopes')).body as { scopes: { name: string; closure: string[] }[] };
  const openapi = (await http('GET', '/openapi.json')).body as { openapi: string; paths: Json };
  await keycard.flush();
  const activity = (await http('GET', `/tokens/${record.id}/activity`)).body as { data: { type: string }[] };
  return {
    token,
    id: record.id,
    report: {
      created: [created.status, (created.body as { record: { scopes: string[] } }).record.scopes],
      call,
      viewed: [viewed.label, viewed.status, viewed.effectiveScopes],
      patched: [patched.label, patched.metadata],
      catalogue: catalogue.scopes.map((s) => `${s.name}:${s.closure.join('+')}`),
      openapi: [openapi.openapi.slice(0, 3), Object.keys(openapi.paths).includes('/api/tokens/tokens/revoke-all')],
      activity: activity.data.map((e) => e.type),
    },
  };
}

/** A CLI login as deviceLogin makes it, approved in the browser by the signed-in person. */
async function deviceLogin({ http, bearer }: World) {
  const code = await http('POST', '/device/code', 'client_id=acme-cli&host=laptop&scope=read', form);
  const { device_code, user_code } = code.body as { device_code: string; user_code: string };
  const poll = async () =>
    http(
      'POST',
      '/device/token',
      new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code,
        client_id: 'acme-cli',
      }).toString(),
      form,
    );
  const pending = await poll();
  const page = await http('GET', `/device?user_code=${user_code}`, undefined, { cookie: session.cookie });
  const approve = new URLSearchParams({ user_code, scope: 'read', expires: '30d' }).toString();
  const approved = await http('POST', '/device/approve', approve, { ...session, ...form });
  const issued = await poll();
  const { access_token, token_id } = issued.body as { access_token: string; token_id: string };
  const again = await poll();
  return {
    token: access_token,
    report: {
      pending: [code.status, pending.status, (pending.body as Json).error],
      page: [page.status, page.type, page.text.includes('acme-cli')],
      approved: approved.status,
      issued: [issued.status, (issued.body as Json).scope, token_id.startsWith('tok_')],
      call: await bearer(access_token),
      reused: [again.status, (again.body as Json).error],
    },
  };
}

/** Revoke-all of alice's tokens: a stale `expectCount` is refused with the live count, then it ends them all. */
async function revokeAll({ http, bearer }: World, tokens: string[]) {
  const live = ((await http('GET', '/tokens')).body as { data: unknown[] }).data.length;
  const target = { ownerId: 'alice' };
  const stale = await http('POST', '/tokens/revoke-all', { target, reason: 'member left', expectCount: live + 1 });
  const done = await http('POST', '/tokens/revoke-all', { target, reason: 'member left', expectCount: live });
  const after = await Promise.all(tokens.map(bearer));
  const listed = ((await http('GET', '/tokens?status=revoked')).body as { data: unknown[] }).data.length;
  return {
    stale: [stale.status, (stale.body as Json).code, (stale.body as Json).actual],
    done: [done.status, (done.body as Json).count],
    after,
    listed,
  };
}

/** GitLab's leak report, signed as GitHub's is but under GitLab's headers. */
async function gitlabLeak({ keycard }: World) {
  const gitlab = await githubSigner();
  const intake = createLeakIntakeHandler(keycard, {
    provider: 'gitlab',
    keysUrl: 'https://gitlab.example.com/keys',
    fetch: gitlab.keys,
  });
  const leaked = await keycard.issue({ ownerId: 'bob', label: 'laptop' });
  const body = JSON.stringify([
    { type: 'acme_api_token', token: leaked.token, url: 'https://gitlab.com/o/r/-/blob/1/.env' },
  ]);
  const res = await intake(
    new Request(`${ORIGIN}/api/leaks/gitlab`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'gitlab-public-key-identifier': 'k1',
        'gitlab-public-key-signature': await gitlab.sign(body),
      },
      body,
    }),
  );
  return [res.status, (await keycard.verify(leaked.token)).ok ? 'live' : 'revoked'];
}

/** keycard/device mounted alone, with its own pending-grant store: a login starts. */
async function deviceAlone({ keycard }: World) {
  const device = createDeviceRoutes(keycard, {
    basePath: '/cli',
    store: memoryPendingGrantStore({ maxGrants: 10 }),
    authorize: () => null,
  });
  const code = (await device(
    new Request(`${ORIGIN}/cli/device/code`, { method: 'POST', headers: form, body: 'client_id=acme-cli' }),
  ))!;
  const other = await device(new Request(`${ORIGIN}/elsewhere`));
  return [code.status, ((await code.json()) as Json).verification_uri, other];
}

/** keycard/oauth: the protected-resource document, and a JWT access token beside API keys. */
async function oauth({ auth, resource, bearer, guarded }: World) {
  const doc = resource.handle(new Request(resource.metadataUrl))!;
  const anonymous = await guarded(new Request(`${ORIGIN}/api/tickets`), { params: Promise.resolve({}) });
  return {
    metadataUrl: resource.metadataUrl,
    document: [doc.status, ((await doc.json()) as Json).authorization_servers],
    jwt: await bearer(await auth.accessToken()),
    anonymous: [anonymous.status, anonymous.headers.get('www-authenticate')],
  };
}

export async function manageScenario(): Promise<Record<string, unknown>> {
  const world = await setup();
  const { token, report } = await routes(world);
  const device = await deviceLogin(world);
  const revoked = await revokeAll(world, [token, device.token]);
  const alone = await deviceAlone(world);
  const leak = await gitlabLeak(world);
  const jwt = await oauth(world);
  await world.keycard.close();
  return { ...report, device: device.report, revokeAll: revoked, deviceAlone: alone, leak, oauth: jwt };
}
