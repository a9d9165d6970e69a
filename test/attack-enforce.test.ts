/**
 * Adversarial review of the enforcement half (SPEC §1–§10) through real servers on 127.0.0.1:
 * holes found by attacking the guards, each with the test that failed before its fix.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, memoryAuditSink, type Keycard, type KeycardOptions } from '../src/index.ts';
import { expressGuard, type AuthenticatedRequest } from '../src/adapters/express.ts';
import { jwtAccessTokens } from '../src/oauth/index.ts';
import { toadoScopes } from './helpers.ts';

const ISSUER = 'https://auth.test';
const servers: Server[] = [];
let jwksUrl: string;
let signingKey: CryptoKey;

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwksUrl = `${await listen((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
  )}/jwks`;
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function jwt(audience: string, claims: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: audience,
    sub: 'u_jason',
    client_id: 'agent',
    scope: 'tickets:write',
    jti: randomUUID(),
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })
    .sign(signingKey);
}

/** u_jason writes tickets in w_admin (and with no workspace named) but only reads in w_reader. */
const resolveOwner: KeycardOptions['resolveOwner'] = (_principal, workspaceId) =>
  workspaceId === 'w_reader' ? { status: 'active', scopes: ['read'] } : { status: 'active', scopes: ['tickets:write'] };

/** An Express app: a router-level guard on /api, then a route guard naming the workspace of the URL. */
async function workspaceApp(extra: Partial<KeycardOptions> = {}) {
  const audience = 'http://127.0.0.1/api';
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    audit: memoryAuditSink(),
    resolveOwner,
    oauth: jwtAccessTokens({ issuer: ISSUER, audience, jwksUrl }),
    onWarning: () => {},
    ...extra,
  });
  const guard = expressGuard(keycard);
  const app = express();
  let reached = 0;
  app.use('/api', guard());
  app.post(
    '/api/w/:ws/tickets',
    guard((req) => ({ scope: 'tickets:write', workspaceId: String(req.params.ws) })),
    (req, res) => {
      reached++;
      res.json({ by: (req as AuthenticatedRequest).keycard.kind });
    },
  );
  const base = await listen(app);
  return { keycard, base, audience, reached: () => reached };
}

describe('a later check naming another workspace re-derives the owner bound for every token kind', () => {
  it('an OAuth token is bounded by its subject in the workspace the route names, not the first check’s', async () => {
    const { keycard, base, audience, reached } = await workspaceApp();
    const token = await jwt(audience);
    const post = (ws: string) =>
      fetch(`${base}/api/w/${ws}/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await post('w_admin')).status).toBe(200);
    const res = await post('w_reader');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'insufficient_scope' });
    expect(reached()).toBe(1);
    await keycard.close();
  });

  it('a keycard personal token likewise (the control case)', async () => {
    const { keycard, base, reached } = await workspaceApp();
    const { token } = await keycard.issue({ ownerId: 'u_jason', label: 'ci', scopes: ['tickets:write'] });
    const post = (ws: string) =>
      fetch(`${base}/api/w/${ws}/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await post('w_admin')).status).toBe(200);
    expect((await post('w_reader')).status).toBe(403);
    expect(reached()).toBe(1);
    await keycard.close();
  });

  it('an OAuth subject gone from the named workspace is 401 token_revoked on the later check', async () => {
    const { keycard, base, audience, reached } = await workspaceApp({
      resolveOwner: (_p, ws) => (ws === 'w_left' ? { status: 'gone' } : { status: 'active' }),
    });
    const token = await jwt(audience);
    const res = await fetch(`${base}/api/w/w_left/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'token_revoked' });
    expect(reached()).toBe(0);
    await keycard.close();
  });
});

describe('the owner cache keeps the question it answered', () => {
  it("a workspace named '' is asked about, not answered from the cached answer for no workspace", async () => {
    const asked: (string | null)[] = [];
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      resolveOwner: (_p, ws) => (asked.push(ws), ws === null ? { status: 'active' } : { status: 'gone' }),
      onWarning: () => {},
    });
    const { token } = await keycard.issue({ ownerId: 'u_jason', label: 'ci', scopes: ['tickets:write'] });
    const guard = expressGuard(keycard);
    const app = express();
    app.get(
      '/x',
      guard((req) => ({ workspaceId: typeof req.query.ws === 'string' ? req.query.ws : null })),
      (_q, r) => r.json({ ok: true }),
    );
    const base = await listen(app);
    const get = (q: string) => fetch(`${base}/x${q}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get('')).status).toBe(200);
    const res = await get('?ws=');
    expect([res.status, asked]).toEqual([401, [null, '']]);
    expect(await res.json()).toMatchObject({ code: 'token_revoked' });
    await keycard.close();
  });
});

/** A token restricted to company c1, project p1, behind route guards reading the ids from the URL. */
const restricted = { keycard: null as unknown as Keycard, base: '', secret: '' };
beforeAll(async () => {
  const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), resources: ['company', 'project'] });
  const { token } = await keycard.issue({
    ownerId: 'u_1',
    label: 'ci',
    scopes: ['read'],
    restrictions: { company: ['c1'], project: ['p1'] },
  });
  const guard = expressGuard(keycard);
  const app = express();
  app.get(
    '/c/:company',
    guard((req) => ({ resource: { path: { company: String(req.params.company) } } })),
    (_q, r) => r.json({ ok: true }),
  );
  app.get(
    '/c/:company/p/:project',
    guard((req) => ({
      resource: { path: { company: String(req.params.company), project: String(req.params.project) } },
    })),
    (req, res) => res.json({ company: req.params.company, project: req.params.project }),
  );
  Object.assign(restricted, { keycard, base: await listen(app), secret: token });
});
afterAll(() => restricted.keycard.close());

describe('a 403 never echoes a token, however the resource id hides it', () => {
  // Control characters and bidi overrides are dropped from the detail; a token split by one must
  // not be reassembled by dropping it after the token pattern was looked for.
  // Format characters (\p{Cf}: zero-width space, soft hyphen, word joiner, BOM, the bidi marks)
  // are invisible too: a token split by one still reads whole on screen.
  it.each([
    ...['%00', '%1B', '%7F', '%C2%85', '%E2%80%AE', '%E2%81%A6', '%E2%80%A8'],
    ...['%E2%80%8B', '%C2%AD', '%E2%81%A0', '%EF%BB%BF', '%E2%80%8E', '%E2%80%8F', '%D8%9C'],
    // Default-ignorable characters outside \p{Cf}: a variation selector, the combining grapheme
    // joiner, the Hangul filler, a variation selector supplement.
    ...['%EF%B8%8F', '%CD%8F', '%E3%85%A4', '%F3%A0%84%80'],
  ])('a token split by %s in the id is masked in the detail', async (cut) => {
    const { base, secret } = restricted;
    const tail = secret.slice('acme_sk_'.length);
    const id = `acme_sk_${tail.slice(0, 20)}${cut}${tail.slice(20)}`;
    const res = await fetch(`${base}/c/${id}`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).not.toContain(secret);
    expect(body).not.toContain(tail);
    // What a screen shows: invisible characters take no place between the token's halves.
    const { detail } = JSON.parse(body) as { detail: string };
    expect(detail.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu, '')).not.toContain(
      tail.slice(0, 30),
    );
    expect(JSON.parse(body)).toMatchObject({ code: 'forbidden_resource' });
  });
});

describe('resource ids from the URL are compared exactly: encodings and case never widen a token', () => {
  it.each([
    ['/c/c1/p/p1', 200],
    ['/c/%63%31/p/%70%31', 200], // the same ids, percent-encoded: Express decodes them
    ['/c/C1/p/p1', 403],
    ['/c/c1/p/P1', 403],
    ['/c/c1./p/p1', 403],
    ['/c/c1%2F/p/p1', 403],
    ['/c/c1%252F/p/p1', 403],
    ['/c/c1%00/p/p1', 403],
    ['/c/c1%20/p/p1', 403],
    ['/c/c%D1%81/p/p1', 403], // a Cyrillic lookalike
    ['/c/c1/p/p1%2F..%2Fp2', 403],
    ['/c/c1/p/..%2Fp1', 403],
  ])('%s is %d', async (path, status) => {
    const { base, secret } = restricted;
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(status);
    if (status === 200) expect(await res.json()).toEqual({ company: 'c1', project: 'p1' });
    else expect(await res.json()).toMatchObject({ code: 'forbidden_resource' });
  });
});

describe("onForeignToken: 'next' hands another issuer's token on, route guards too (documented ⚠️)", () => {
  it('Express: the handler of a route guard naming a scope runs without an identity', async () => {
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), onForeignToken: 'next' });
    const guard = expressGuard(keycard);
    const app = express();
    app.post('/t', guard({ scope: 'tickets:write' }), (req, res) =>
      res.json({ identity: (req as AuthenticatedRequest).keycard ?? null }),
    );
    const base = await listen(app);
    const res = await fetch(`${base}/t`, { method: 'POST', headers: { authorization: 'Bearer not-ours' } });
    expect([res.status, await res.json()]).toEqual([200, { identity: null }]);
    // A token of ours is still checked: a forged one is 401, never handed on.
    const forged = await fetch(`${base}/t`, {
      method: 'POST',
      headers: { authorization: `Bearer acme_sk_1${'A'.repeat(38)}` },
    });
    expect(forged.status).toBe(401);
    await keycard.close();
  });
});
