/**
 * Rate limits of OAuth access tokens (SPEC §5, §16; docs/mcp.md "Rate limits of OAuth tokens").
 * The budget of a foreign token is its subject's at its issuer, not its client's: with open
 * dynamic client registration (usual for MCP) one person can register clients at will, and a
 * budget per (subject, client) multiplied their limit and let them fill `maxTrackedTokens` alone.
 * The workspace limit is the one of the workspace the token is bound to (the `owner` hook's
 * `workspaceId`), never of the workspace a request names. Tokens are signed and verified for
 * real (jose, a local key set); requests go through `authenticate()` and a real Express server.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import { fc, test } from '@fast-check/vitest';
import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeycard,
  memoryLimiter,
  type AuthResult,
  type ForeignVerification,
  type KeycardOptions,
} from '../src/index.ts';
import { expressGuard } from '../src/adapters/express.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { jwtAccessTokens } from '../src/oauth/index.ts';
import { toadoScopes } from './helpers.ts';

const ISSUER = 'https://auth.test';
const RESOURCE = 'https://api.test/mcp';
let privateKey: CryptoKey;
let keys: JSONWebKeySet;
const servers: Server[] = [];

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  keys = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] };
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function mint(sub: string, clientId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISSUER, aud: RESOURCE, sub, client_id: clientId, scope: 'read', jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(privateKey);
}

function keycardWith(extra: Partial<KeycardOptions> & { oauthOwner?: Parameters<typeof jwtAccessTokens>[0]['owner'] }) {
  const clock = extra.clock ?? fakeClock();
  const limiter = extra.limiter ?? memoryLimiter({ clock });
  const { oauthOwner, ...rest } = extra;
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    clock,
    limiter,
    oauth: jwtAccessTokens({ issuer: ISSUER, audience: RESOURCE, keys, ...(oauthOwner ? { owner: oauthOwner } : {}) }),
    onWarning: () => {},
    ...rest,
  });
  return { keycard };
}

const get = (token: string, url = '/tickets') => ({
  method: 'GET',
  url,
  headers: { authorization: `Bearer ${token}` },
});
type Outcome = 'ok' | 'skipped' | (AuthResult & { skip?: undefined; ok: false })['code'];
async function outcome(keycard: ReturnType<typeof createKeycard>, token: string): Promise<Outcome> {
  const r = await keycard.authenticate(get(token));
  return r.ok ? 'ok' : r.skip ? 'skipped' : r.code;
}

describe('the budget of an OAuth token is its subject’s, however many clients it registered', () => {
  test.prop(
    [
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
    ],
    { numRuns: 25 },
  )('at most `limit` admissions in a window, across every client of one subject', async (limit, clients, picks) => {
    const { keycard } = keycardWith({ rateLimit: { limit, window: 60 } });
    const tokens = await Promise.all(Array.from({ length: clients }, (_, i) => mint('u_mallory', `dcr-client-${i}`)));
    let admitted = 0;
    for (const [n, pick] of picks.entries()) {
      const o = await outcome(keycard, tokens[pick % clients]!);
      if (o === 'ok') admitted++;
      // Liveness: the first `limit` requests of the window are all admitted.
      if (n < limit) expect(o).toBe('ok');
      else expect(o).toBe('rate_limited');
    }
    expect(admitted).toBe(Math.min(limit, picks.length));
  });

  it('one subject’s many clients hold one limiter key, so they cannot fill maxTrackedTokens for others', async () => {
    const limiter = memoryLimiter({ clock: fakeClock(), maxTrackedTokens: 4 });
    const errors: unknown[] = [];
    const { keycard } = keycardWith({ limiter, rateLimit: { limit: 100, window: 60 }, onError: (e) => errors.push(e) });
    for (let i = 0; i < 12; i++) expect(await outcome(keycard, await mint('u_mallory', `dcr-${i}`))).toBe('ok');
    expect(limiter.size()).toBe(1);
    const r = await keycard.authenticate(get(await mint('u_mallory', 'dcr-last')));
    expect(r.ok && [r.identity.tokenId, r.identity.familyId]).toEqual([
      'oauth:u_mallory:dcr-last',
      'oauth:https%3A//auth.test:u_mallory',
    ]);
    // Another person's first request still finds room.
    expect(await outcome(keycard, await mint('u_alice', 'claude-code'))).toBe('ok');
    expect(limiter.size()).toBe(2);
    expect(errors).toEqual([]);
  });

  it('a flood of distinct subjects at maxTrackedTokens neither resets a live budget nor passes unlimited', async () => {
    const clock = fakeClock();
    const limiter = memoryLimiter({ clock, maxTrackedTokens: 3 });
    const errors: unknown[] = [];
    const { keycard } = keycardWith({
      limiter,
      clock,
      rateLimit: { limit: 2, window: 60 },
      onError: (e) => errors.push(e),
    });
    const alice = await mint('u_alice', 'claude-code');
    expect([await outcome(keycard, alice), await outcome(keycard, alice)]).toEqual(['ok', 'ok']);
    expect(await outcome(keycard, alice)).toBe('rate_limited');
    const flood: Outcome[] = [];
    for (let i = 0; i < 20; i++) {
      clock.advance(100);
      flood.push(await outcome(keycard, await mint(`u_flood_${i}`, 'c')));
    }
    // Two slots were free; every later new key is refused with a 503, never admitted.
    expect(flood.slice(0, 2)).toEqual(['ok', 'ok']);
    expect(new Set(flood.slice(2))).toEqual(new Set(['unavailable']));
    expect(limiter.size()).toBe(3);
    // Alice's budget was not evicted (which would hand her a fresh one): still refused.
    expect(await outcome(keycard, alice)).toBe('rate_limited');
    expect(await outcome(keycard, await mint('u_alice', 'another-client'))).toBe('rate_limited');
    expect(errors.length).toBeGreaterThan(0);
    // Reported as the limiter being full (repeats within a second coalesced), nothing else.
    for (const e of errors) expect(String(e)).toMatch(/Rate limiter full: 3 keys are inside their window/);
  });

  it('keys the budget by issuer and subject: tokenId stays per client, familyId is per subject', async () => {
    const answer = (issuer: string | undefined, clientId: string): ForeignVerification => ({
      ok: true,
      tokenId: `oauth:u_1:${clientId}`,
      subject: 'u_1',
      clientId,
      scopes: ['read'],
      expiresAt: Date.now() + 60_000,
      issuedAt: Date.now(),
      ownerId: 'u_1',
      workspaceId: null,
      label: `${clientId} (OAuth)`,
      ...(issuer === undefined ? {} : { issuer }),
    });
    const table: Record<string, ForeignVerification> = {
      'a-c1': answer('https://a.test', 'c1'),
      'a-c2': answer('https://a.test', 'c2'),
      'b-c1': answer('https://b.test', 'c1'),
      'none-c1': answer(undefined, 'c1'),
      'none-c2': answer(undefined, 'c2'),
    };
    const { keycard } = keycardWith({
      rateLimit: { limit: 1, window: 60 },
      oauth: { kind: 'oauth', verify: async (t) => table[t] ?? { ok: false, code: 'invalid_token' } },
    });
    const a1 = await keycard.authenticate(get('a-c1'));
    expect(a1.ok && [a1.identity.tokenId, a1.identity.familyId]).toEqual([
      'oauth:u_1:c1',
      'oauth:https%3A//a.test:u_1',
    ]);
    expect(await outcome(keycard, 'a-c2')).toBe('rate_limited'); // same issuer and subject, another client
    expect(await outcome(keycard, 'b-c1')).toBe('ok'); // another issuer: another person
    const n1 = await keycard.authenticate(get('none-c1'));
    expect(n1.ok && n1.identity.familyId).toBe('oauth:u_1');
    expect(await outcome(keycard, 'none-c2')).toBe('rate_limited');
  });
});

describe('the workspace limit of an OAuth token is its bound workspace’s, never the named one’s', () => {
  const plans: Record<string, { limit: number; window: number }> = {
    w_big: { limit: 1000, window: 60 },
    w_small: { limit: 2, window: 60 },
  };

  async function serve() {
    const asked: string[] = [];
    const { keycard } = keycardWith({
      rateLimit: { limit: 3, window: 60 },
      workspaceRateLimit: (ws) => {
        asked.push(ws);
        return plans[ws] ?? null;
      },
      // u_small acts for workspace w_small; anyone else is bound to no workspace.
      oauthOwner: (c) => ({ ownerId: String(c.sub), workspaceId: c.sub === 'u_small' ? 'w_small' : null }),
    });
    const app = express();
    const guard = expressGuard(keycard);
    app.get(
      '/w/:ws/tickets',
      guard((req) => ({ workspaceId: String(req.params.ws) })),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    const server: Server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise<void>((r) => void server.once('listening', () => r()));
    const port = (server.address() as { port: number }).port;
    const call = async (token: string, ws: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/w/${ws}/tickets`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      return { status: res.status, policy: res.headers.get('ratelimit-policy') };
    };
    return { call, asked };
  }

  it('a token bound to w_small naming w_big is charged w_small’s limit, and refused after it', async () => {
    const { call, asked } = await serve();
    const token = await mint('u_small', 'claude-code');
    expect(await call(token, 'w_big')).toEqual({ status: 200, policy: '"default";q=2;w=60' });
    expect(await call(token, 'w_big')).toEqual({ status: 200, policy: '"default";q=2;w=60' });
    expect((await call(token, 'w_big')).status).toBe(429);
    expect(asked).not.toContain('w_big');
  });

  it('a token bound to no workspace naming w_big gets the default limit', async () => {
    const { call, asked } = await serve();
    const token = await mint('u_free', 'claude-code');
    expect(await call(token, 'w_big')).toEqual({ status: 200, policy: '"default";q=3;w=60' });
    expect(await call(token, 'w_small')).toEqual({ status: 200, policy: '"default";q=3;w=60' });
    expect(asked).toEqual([]);
  });
});
