/**
 * The leak intake attacked from its edges: a key endpoint that answers a gigabyte or trickles
 * forever (a real HTTP server on 127.0.0.1), a provider rotating its key while the refetch is
 * throttled, integrator hooks that throw, and a store that fails one revocation in a batch.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryTokenStore, type TokenStore } from '../src/index.ts';
import { createLeakIntakeHandler } from '../src/leaks/handler.ts';
import { KeyRing } from '../src/leaks/keys.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { leakFixture, providerKey, sign } from './leaks-fixture.ts';

/** A key endpoint on 127.0.0.1 whose answer `respond` writes; `closed` resolves with the bytes written once the client hangs up. */
async function keyEndpoint(respond: (res: ServerResponse, written: { bytes: number }) => void) {
  let closed!: (bytes: number) => void;
  const done = new Promise<number>((resolve) => (closed = resolve));
  const server: Server = createServer((_req, res) => {
    const written = { bytes: 0 };
    res.socket!.on('close', () => closed(written.bytes));
    respond(res, written);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`, closed: done };
}
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** Writes `{"public_keys":[` and then filler as fast as the client reads, up to `max` bytes. */
function flood(max: number) {
  return (res: ServerResponse, written: { bytes: number }) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (written.bytes < max && !res.destroyed) {
        written.bytes += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end(']}');
    };
    res.write('{"public_keys":[');
    pump();
  };
}

const scopes = defineScopes({ read: {} }, { defaults: ['read'] });

describe('the key endpoint is hostile', () => {
  it('an answer of 256 MB is cut off after 1 MB: the report is 503, the connection dropped', async () => {
    const ep = await keyEndpoint(flood(256 * 1024 * 1024));
    const errors: unknown[] = [];
    const keycard = createKeycard({ prefix: 'acme', scopes });
    const intake = createLeakIntakeHandler(keycard, {
      provider: 'gitlab',
      keysUrl: ep.url,
      onError: (e) => errors.push(e),
    });
    const key = await providerKey('k1');
    const body = '[]';
    const res = await intake(
      new Request('https://api.example/leaks', {
        method: 'POST',
        headers: { 'gitlab-public-key-identifier': 'k1', 'gitlab-public-key-signature': await sign(key, body) },
        body,
      }),
    );
    expect(res.status).toBe(503);
    expect(await ep.closed).toBeLessThan(16 * 1024 * 1024); // 1 MB read, plus what the sockets buffered
    expect(String(errors[0])).toMatch(/too large|1048576/);
  });

  it('a trickling answer through a fetch that drops its signal is abandoned at the deadline, not read forever', async () => {
    const ep = await keyEndpoint((res, written) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"public_keys":[');
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        written.bytes++;
        res.write(' ');
      }, 20);
    });
    const errors: unknown[] = [];
    const ring = new KeyRing({
      url: ep.url,
      fetch: ((url: string) => fetch(url)) as typeof fetch, // a wrapper that drops init, and its signal
      clock: fakeClock(),
      timeoutMs: 200,
      onError: (e) => errors.push(e),
    });
    expect(await ring.get('k1')).toEqual({ keys: null, reason: 'keys_unavailable' });
    expect(String(errors[0])).toMatch(/timed out/);
    await ep.closed; // before: the body was read on in the background, the socket held open for good
  }, 10_000);

  it('reports name the endpoint without its query string (it may carry a credential)', async () => {
    const errors: unknown[] = [];
    const ring = new KeyRing({
      url: 'https://keys.example/secret_scanning?private_token=glpat-SECRETSECRET',
      fetch: (async () => new Response('<html>down</html>', { status: 502 })) as typeof fetch,
      clock: fakeClock(),
      onError: (e) => errors.push(e),
    });
    await ring.get('k1');
    expect(String(errors[0])).toMatch(/keys\.example\/secret_scanning/);
    expect(String(errors[0])).not.toMatch(/SECRET/);
  });
});

describe('a key rotation while the refetch is throttled', () => {
  it('a report under a key id the last list lacked is 503 with Retry-After (retried), not 401 (dropped)', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    expect((await f.handler(await f.report(f.body(['x'])))).status).toBe(200);
    expect(f.fetches()).toBe(1);

    // The provider starts signing with k2 twenty seconds after our fetch; we may not refetch yet.
    const k2 = await providerKey('k2');
    f.published.push(k2);
    f.clock.advance(20_000);
    const early = await f.handler(await f.report(f.body([live.token]), { key: k2 }));
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('40');
    expect(f.fetches()).toBe(1);
    expect((await f.keycard.verify(live.token)).ok).toBe(true);

    // The provider retries after Retry-After: the list is refetched and the report goes through.
    f.clock.advance(40_000);
    const retried = await f.handler(await f.report(f.body([live.token]), { key: k2 }));
    expect(retried.status).toBe(200);
    expect(f.fetches()).toBe(2);
    expect((await f.keycard.verify(live.token)).ok).toBe(false);
  });

  it('an id still unknown to a list fetched for this very report is 401', async () => {
    const f = await leakFixture();
    const stranger = await providerKey('k9');
    f.clock.advance(0);
    expect((await f.handler(await f.report(f.body(['x']), { key: stranger }))).status).toBe(401); // first fetch
    f.clock.advance(60_000);
    expect((await f.handler(await f.report(f.body(['x']), { key: stranger }))).status).toBe(401); // refetched
    expect(f.fetches()).toBe(2);
  });
});

describe('integrator hooks that throw', () => {
  const boom = () => {
    throw new Error('reporter exploded');
  };

  it('a throwing onError while the store is down: still 503, never a rejected handler', async () => {
    const f = await leakFixture({ onError: boom, onLeak: () => Promise.reject(new Error('mailer down')) });
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    f.failStore(true);
    const res = await f.handler(await f.report(f.body([live.token])));
    expect(res.status).toBe(503);
    f.failStore(false);
    expect((await f.handler(await f.report(f.body([live.token])))).status).toBe(200);
  });

  it('a throwing onError while the key list is down: still 503, and the ring is not wedged', async () => {
    let up = false;
    const key = await providerKey('k1');
    const f = await leakFixture({
      onError: boom,
      fetch: (async () =>
        up
          ? Response.json({ public_keys: [{ key_identifier: 'k1', key: key.pem, is_current: true }] })
          : new Response('down', { status: 500 })) as typeof fetch,
    });
    const res = await f.handler(await f.report(f.body(['x']), { key }));
    expect(res.status).toBe(503);
    up = true;
    f.clock.advance(60_000);
    expect((await f.handler(await f.report(f.body(['x']), { key }))).status).toBe(200);
  });
});

describe('one revocation fails in the middle of a batch', () => {
  it('the provider is told to retry (503), and the retry revokes and notifies each token exactly once', async () => {
    const inner = memoryTokenStore();
    let failId: string | null = null;
    const store: TokenStore = {
      ...inner,
      shared: false,
      revoke: (id, at, reason) => {
        if (id === failId) return Promise.reject(new Error('deadlock detected'));
        return inner.revoke(id, at, reason);
      },
    } as TokenStore;
    const clock = fakeClock();
    const keycard = createKeycard({ prefix: 'acme', scopes, store, clock });
    const f = await leakFixture({}, keycard, clock);
    const issued = await Promise.all(
      Array.from({ length: 20 }, (_, i) => keycard.issue({ ownerId: `u${i}`, label: 'ci' })),
    );
    failId = issued[7]!.record.id;
    const body = f.body(issued.map((t) => t.token));
    const first = await f.handler(await f.report(body));
    expect(first.status).toBe(503);
    expect(await first.text()).not.toContain('acme_');
    failId = null;
    const second = await f.handler(await f.report(body));
    expect(second.status).toBe(200);
    for (const t of issued) expect((await keycard.verify(t.token)).ok).toBe(false);
    expect(f.notices.map((n) => n.record.id).sort()).toEqual(issued.map((t) => t.record.id).sort());
  });
});

describe('a large, repetitive signed body', () => {
  it('30,000 matches (one live token 10,000 times, other prefixes, junk): one store read per distinct token, one notice', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const tokens: string[] = [];
    for (let i = 0; i < 10_000; i++) tokens.push(live.token, `ghp_${i.toString().padStart(36, '0')}`, `acme_sk_${i}`);
    const calls = f.storeCalls();
    const res = await f.handler(await f.report(f.body(tokens)));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { label: string; token_hash: string }[];
    expect(answer).toHaveLength(30_000);
    expect(answer.filter((a) => a.label === 'true_positive')).toHaveLength(10_000);
    expect(JSON.stringify(answer)).not.toContain(live.token);
    expect(f.storeCalls() - calls).toBeLessThanOrEqual(3); // a read and a revoke of the one token ours
    expect(f.notices).toHaveLength(1);
  });
});

describe('an onLeak that never settles', () => {
  it('holds the answer at most its 5 s bound: 200, the token revoked, the hang reported', async () => {
    const f = await leakFixture({ onLeak: () => new Promise(() => {}) });
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const res = await f.handler(await f.report(f.body([live.token])));
    expect(res.status).toBe(200);
    expect((await f.keycard.verify(live.token)).ok).toBe(false);
    expect(String(f.errors.at(-1))).toMatch(/onLeak timed out/);
  }, 15_000);
});

describe('the key endpoint redirects', () => {
  /**
   * Endpoint A answers 302 to endpoint B, which serves a valid key list and counts its requests.
   * `report(fetch?)` sends a signed report to an intake whose `keysUrl` is A.
   */
  async function redirectPair() {
    const key = await providerKey('k1');
    let targetHits = 0;
    const target = await keyEndpoint((res) => {
      targetHits++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ public_keys: [{ key_identifier: 'k1', key: key.pem, is_current: true }] }));
    });
    const origin = await keyEndpoint((res) => {
      res.writeHead(302, { location: target.url });
      res.end();
    });
    const report = async (fetchImpl?: typeof fetch) => {
      const errors: unknown[] = [];
      const intake = createLeakIntakeHandler(createKeycard({ prefix: 'acme', scopes }), {
        provider: 'gitlab',
        keysUrl: origin.url,
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
        onError: (e) => errors.push(e),
      });
      const body = '[]';
      const headers = { 'gitlab-public-key-identifier': 'k1', 'gitlab-public-key-signature': await sign(key, body) };
      const res = await intake(new Request('https://api.example/leaks', { method: 'POST', headers, body }));
      return { res, errors, targetHits };
    };
    return report;
  }

  it('the platform fetch is told not to follow: 503 (the key list is unavailable), the Location never asked', async () => {
    const { res, errors, targetHits } = await (await redirectPair())();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(targetHits).toBe(0);
    expect(String(errors[0])).toMatch(/redirect|302/);
  });

  it('a fetch wrapper that drops init (and so follows) is refused all the same: 503', async () => {
    // Follows: the redirect is the default when `init` is dropped.
    const { res, errors, targetHits } = await (await redirectPair())((input) => fetch(input));
    expect(res.status).toBe(503);
    expect(targetHits).toBe(1);
    expect(String(errors[0])).toMatch(/redirect/);
  });
});

describe('a revocation committed whose answer was lost', () => {
  it("the retry in this process announces it (audit, onLeak) once, since the revocation was this intake's", async () => {
    const inner = memoryTokenStore();
    let loseReply = true;
    const store: TokenStore = {
      ...inner,
      shared: false,
      revoke: async (id, at, reason) => {
        const t = await inner.revoke(id, at, reason); // committed…
        if (loseReply) throw new Error('connection reset'); // …but the answer never came
        return t;
      },
    } as TokenStore;
    const clock = fakeClock();
    const keycard = createKeycard({ prefix: 'acme', scopes, store, clock });
    const f = await leakFixture({}, keycard, clock);
    const live = await keycard.issue({ ownerId: 'u1', label: 'ci' });
    const body = f.body([live.token]);
    expect((await f.handler(await f.report(body))).status).toBe(503);
    expect(f.notices).toHaveLength(0);
    loseReply = false;
    clock.advance(30_000); // the provider retries later
    const retry = await f.handler(await f.report(body));
    expect(retry.status).toBe(200);
    expect(f.notices.map((n) => n.record.id)).toEqual([live.record.id]);
    clock.advance(30_000);
    expect((await f.handler(await f.report(body))).status).toBe(200); // a replay: nothing more
    expect(f.notices).toHaveLength(1);
  });
});
