/**
 * The leak intake's 401 to the letter of RFC 9110 §15.5.2: "The server generating a 401 response
 * MUST send a WWW-Authenticate header field (Section 11.6.1) containing at least one challenge
 * applicable to the target resource." SPEC §15 and issue 19 pin the status (anything unverifiable
 * ⇒ 401), so the answer keeps it and names what would authenticate: a signature by the provider's
 * published key, `Signature realm="github-secret-scanning"` (docs/leaks.md). Through a real
 * Express server on 127.0.0.1 (the intake mounted as docs/leaks.md mounts it) and, for GitLab, the
 * Web handler itself.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { expressHandler } from '../src/adapters/express.ts';
import { leakFixture, providerKey, sign } from './leaks-fixture.ts';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function listen(handler: (r: Request) => Promise<Response>): Promise<string> {
  const app = express();
  app.post('/leaks/github', expressHandler(handler));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/leaks/github`;
}

const GITHUB = 'Signature realm="github-secret-scanning"';

describe('every 401 of the leak intake carries a WWW-Authenticate challenge (RFC 9110 §15.5.2)', () => {
  it('GitHub, through real Express: unsigned, unknown key, wrong signature, body changed by one byte', async () => {
    const f = await leakFixture();
    const url = await listen(f.handler);
    const body = f.body(['acme_sk_1notarealtoken']);
    const signed = await f.report(body);
    const headers = Object.fromEntries(signed.headers);
    const stranger = await providerKey('k1'); // same id, another key: the signature cannot verify
    const cases: Record<string, RequestInit> = {
      unsigned: { headers: { 'content-type': 'application/json' }, body },
      'unknown key id': { headers: { ...headers, 'github-public-key-identifier': 'nope' }, body },
      'wrong signature': {
        headers: { ...headers, 'github-public-key-signature': await sign(stranger, body) },
        body,
      },
      'one byte changed': { headers, body: body.replace('acme', 'acmf') },
    };
    for (const [name, init] of Object.entries(cases)) {
      const res = await fetch(url, { method: 'POST', ...init });
      expect([name, res.status]).toEqual([name, 401]);
      expect([name, res.headers.get('www-authenticate')]).toEqual([name, GITHUB]);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as { status: number }).status).toBe(401);
    }
    expect(f.storeCalls()).toBe(0);
  });

  it('GitLab (the Web handler): its own realm', async () => {
    const f = await leakFixture({ provider: 'gitlab', keysUrl: 'https://gitlab.example/keys' });
    const res = await f.handler(new Request('http://localhost/leaks', { method: 'POST', body: '[]' }));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Signature realm="gitlab-secret-scanning"');
  });

  it('only the 401s: a verified report, a 405 and a 413 carry no challenge', async () => {
    const f = await leakFixture({ maxBodyBytes: 1024 });
    const url = await listen(f.handler);
    const ok = await f.report(f.body([]));
    const answered = await fetch(url, { method: 'POST', headers: Object.fromEntries(ok.headers), body: '[]' });
    expect(answered.status).toBe(200);
    expect(answered.headers.get('www-authenticate')).toBeNull();
    const get = await f.handler(new Request('http://localhost/leaks'));
    expect([get.status, get.headers.get('www-authenticate')]).toEqual([405, null]);
    const big = await f.report('x'.repeat(2048));
    const tooLarge = await f.handler(big);
    expect([tooLarge.status, tooLarge.headers.get('www-authenticate')]).toEqual([413, null]);
  });
});
