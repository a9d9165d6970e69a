import { fc, test } from '@fast-check/vitest';
import { parseItem, parseList } from 'structured-headers';
import { describe, expect, it, vi } from 'vitest';
import {
  createKeycard,
  memoryAuditSink,
  memoryLimiter,
  memoryTokenStore,
  type AuthResult,
  type LimiterStore,
} from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { generateToken } from '../src/store-kit.ts';
import { contractRow, CONTRACT_ROWS, expectProblem } from './contract-table.ts';
import { contractFixture, ROUTES } from './contract-fixture.ts';
import { asyncStore, countingStore, toadoScopes } from './helpers.ts';

const req = (
  headers: Record<string, string | readonly string[]> = {},
  method = 'GET',
  url = 'https://api.example.com/tickets?page=2',
) => ({ method, url, headers });

function asResponse(r: AuthResult) {
  if (r.ok || r.skip || r.code === 'preflight') throw new Error(`expected a denial, got ${JSON.stringify(r)}`);
  return { status: r.status, headers: r.headers, body: r.body };
}

describe('the SPEC §8 table through authenticate()', async () => {
  const fx = await contractFixture();
  it('covers every row', () => {
    expect(new Set(fx.cases.map((c) => c.code))).toEqual(new Set(CONTRACT_ROWS.map((r) => r.code)));
  });
  for (const c of fx.cases) {
    it(`${c.code}: ${c.what}`, async () => {
      const r = await fx.keycard.authenticate(
        req(c.headers, c.method, `https://api.example.com${c.path}`),
        ROUTES[c.path],
      );
      expectProblem(asResponse(r), contractRow(c.code), expect);
    });
  }

  it('passes a good token with the rate-limit headers', async () => {
    const r = await fx.keycard.authenticate(req({ authorization: `Bearer ${fx.good}` }), ROUTES['/tickets']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.headers['RateLimit-Policy']).toBe('"default";q=60;w=60');
    expect(r.headers.RateLimit).toMatch(/^"default";r=\d+;t=\d+$/);
  });
});

describe('rate-limit headers', () => {
  it('parse as RFC 9651 lists, and on a 429 t equals Retry-After', async () => {
    const clock = fakeClock();
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      clock,
      limiter: memoryLimiter({ clock }),
      rateLimit: { limit: 3, window: 10 },
    });
    const { token } = await kc.issue({ ownerId: 'u', label: 'x' });
    const results: AuthResult[] = [];
    for (let i = 0; i < 4; i++) {
      results.push(await kc.authenticate(req({ authorization: `Bearer ${token}` })));
      clock.advance(1500);
    }
    const remaining: number[] = [];
    for (const r of results) {
      const headers = r.ok ? r.headers : asResponse(r).headers;
      const policy = parseList(headers['RateLimit-Policy']!);
      expect(policy[0]![0]).toBe('default');
      expect(Object.fromEntries(policy[0]![1])).toEqual({ q: 3, w: 10 });
      const [name, params] = parseList(headers.RateLimit!)[0]!;
      expect(name).toBe('default');
      remaining.push(params.get('r') as number);
      if (!r.ok) {
        expect(params.get('t')).toBe(Number(headers['Retry-After']));
        expect(parseItem(headers['Retry-After']!)[0]).toBeGreaterThanOrEqual(1);
      }
    }
    expect(remaining).toEqual([2, 1, 0, 0]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
  });

  it('charges reads and writes to separate budgets with a split policy; 403s consume quota, 429s do not', async () => {
    const clock = fakeClock();
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      clock,
      limiter: memoryLimiter({ clock }),
      rateLimit: { read: { limit: 2, window: 60 }, write: { limit: 1, window: 60 } },
    });
    const { token } = await kc.issue({ ownerId: 'u', label: 'x', scopes: ['comments'] });
    const h = { authorization: `Bearer ${token}` };
    const status = async (method: string, scope?: string) => {
      const r = await kc.authenticate(req(h, method), scope ? { scope } : {});
      return r.ok ? 200 : r.skip ? 0 : r.status;
    };
    expect(await status('POST', 'tickets:write')).toBe(403); // consumes the one write
    expect(await status('POST')).toBe(429);
    expect(await status('GET')).toBe(200);
    expect(await status('GET')).toBe(200);
    expect(await status('GET')).toBe(429);
    const r = await kc.authenticate(req(h, 'POST'), { class: 'read' });
    expect(r.ok).toBe(false);
  });
});

describe('one lookup and one charge per request', () => {
  it('with two stacked checks on the same request', async () => {
    const { store, counts } = countingStore();
    const limiter = memoryLimiter();
    const consume = vi.spyOn(limiter, 'consume');
    const sink = memoryAuditSink();
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, limiter, audit: sink, cacheSize: 0 });
    const { token } = await kc.issue({ ownerId: 'u', label: 'x', scopes: ['tickets:write'] });
    const request = new Request('https://api.example.com/tickets', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const router = await kc.authenticate(request, { scope: 'read' });
    const route = await kc.authenticate(request, { scope: 'tickets:write' });
    expect(router.ok && route.ok).toBe(true);
    expect(counts.findByHash).toBe(1);
    expect(consume).toHaveBeenCalledTimes(1);
    const third = await kc.authenticate(request, { scope: 'tickets:assign' });
    expect(third.ok).toBe(false);
    expect(counts.findByHash).toBe(1);
    expect(consume).toHaveBeenCalledTimes(1);
    await kc.close();
    expect(sink.events.filter((e) => e.type === 'request.allowed')).toHaveLength(1);
  });
});

describe('a synchronous store is answered in the same tick', () => {
  it('a first use (a cache miss) through direct() gives no promise on the memory store, and one on a store that answers with one', async () => {
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes() });
    const { token } = await kc.issue({ ownerId: 'u', label: 'x' });
    // The caches are cold: issue() does not fill them.
    const r = kc.authenticate.direct(req({ authorization: `Bearer ${token}` }));
    expect(r).not.toBeInstanceOf(Promise);
    expect((r as AuthResult).ok).toBe(true);
    // A token unknown to the store: also answered in this tick, and remembered as unknown.
    const forged = kc.authenticate.direct(req({ authorization: `Bearer ${generateToken({ prefix: 'acme' })}` }));
    expect(forged).not.toBeInstanceOf(Promise);
    expect((forged as AuthResult).ok).toBe(false);
    const viaPromise = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store: asyncStore() });
    const { token: third } = await viaPromise.issue({ ownerId: 'u', label: 'z' });
    const pending = viaPromise.authenticate.direct(req({ authorization: `Bearer ${third}` }));
    expect(pending).toBeInstanceOf(Promise);
    expect((await pending).ok).toBe(true);
    await kc.close();
    await viaPromise.close();
  });

  it('a store that throws synchronously gives a 503 in the same tick, naming no secret', async () => {
    const store = memoryTokenStore();
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, onError: () => {} });
    const { token } = await kc.issue({ ownerId: 'u', label: 'x' });
    store.findByHash = () => {
      throw new Error('connection reset');
    };
    const r = kc.authenticate.direct(req({ authorization: `Bearer ${token}` }));
    expect(r).not.toBeInstanceOf(Promise);
    const a = asResponse(r as AuthResult);
    expect(a.status).toBe(503);
    expect(a.body).not.toContain(token);
    await kc.close();
  });
});

describe('failing and hanging stores', () => {
  const hang = () => new Promise<never>(() => {});
  const issueWith = async (store = memoryTokenStore(), limiter?: LimiterStore, extra = {}) => {
    const onError = vi.fn();
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      store,
      ...(limiter ? { limiter } : {}),
      storeTimeoutMs: 20,
      onError,
      cacheSize: 0,
      ...extra,
    });
    const { token } = await createKeycard({ prefix: 'acme', scopes: toadoScopes(), store }).issue({
      ownerId: 'u',
      label: 'x',
    });
    return { kc, token, onError };
  };

  it('a token store that rejects or never resolves gives 503 within storeTimeoutMs, nothing admitted', async () => {
    for (const findByHash of [
      () => Promise.reject(new Error('ECONNRESET')),
      hang,
      () => {
        throw new Error('sync');
      },
    ]) {
      const inner = memoryTokenStore();
      const limiter = memoryLimiter();
      const consume = vi.spyOn(limiter, 'consume');
      const store = { ...inner, create: inner.create, findByHash } as typeof inner;
      const { kc, token, onError } = await issueWith(store, limiter);
      const r = await kc.authenticate(req({ authorization: `Bearer ${token}` }));
      expectProblem(asResponse(r), contractRow('unavailable'), expect);
      expect(consume).not.toHaveBeenCalled();
      expect(onError).toHaveBeenCalled();
    }
  });

  it('a limiter that rejects or hangs gives 503; the documented fail-open admits, audited as degraded', async () => {
    for (const consume of [() => Promise.reject(new Error('down')), hang]) {
      const { kc, token } = await issueWith(memoryTokenStore(), { consume });
      expectProblem(
        asResponse(await kc.authenticate(req({ authorization: `Bearer ${token}` }))),
        contractRow('unavailable'),
        expect,
      );
      const sink = memoryAuditSink();
      const open = await issueWith(memoryTokenStore(), { consume }, { limiterFailure: 'open', audit: sink });
      const r = await open.kc.authenticate(req({ authorization: `Bearer ${open.token}` }));
      expect(r.ok).toBe(true);
      await open.kc.close();
      expect(sink.events).toContainEqual(expect.objectContaining({ type: 'request.allowed', degraded: true }));
    }
  });

  it('maxTrackedTokens full answers 503 without evicting live state', async () => {
    const limiter = memoryLimiter({ maxTrackedTokens: 1 });
    const { kc, token } = await issueWith(memoryTokenStore(), limiter);
    const other = await kc.issue({ ownerId: 'u', label: 'y' });
    expect((await kc.authenticate(req({ authorization: `Bearer ${token}` }))).ok).toBe(true);
    expectProblem(
      asResponse(await kc.authenticate(req({ authorization: `Bearer ${other.token}` }))),
      contractRow('unavailable'),
      expect,
    );
    expect((await kc.authenticate(req({ authorization: `Bearer ${token}` }))).ok).toBe(true);
  });
});

describe('hardening', () => {
  it('the query parameter is opt-in; header plus query is a 400; responses add Cache-Control: private', async () => {
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), allowQueryToken: true });
    const { token } = await kc.issue({ ownerId: 'u', label: 'x' });
    const ok = await kc.authenticate(req({}, 'GET', `/tickets?access_token=${token}`));
    expect(ok.ok && ok.headers['Cache-Control']).toBe('private');
    const both = await kc.authenticate(
      req({ authorization: `Bearer ${token}` }, 'GET', `/tickets?access_token=${token}`),
    );
    expectProblem(asResponse(both), contractRow('invalid_request'), expect, { fromQuery: false });
    const forged = await kc.authenticate(req({}, 'GET', `/tickets?access_token=acme_sk_1${'x'.repeat(38)}`));
    expectProblem(asResponse(forged), contractRow('invalid_token'), expect, { fromQuery: true });
    const off = createKeycard({ prefix: 'acme', scopes: toadoScopes() });
    expectProblem(
      asResponse(await off.authenticate(req({}, 'GET', `/tickets?access_token=${token}`))),
      contractRow('missing_token'),
      expect,
    );
  });

  it('onForeignToken: next passes other issuers’ bearer tokens on; reject answers 401', async () => {
    const next = createKeycard({ prefix: 'acme', scopes: toadoScopes(), onForeignToken: 'next' });
    expect(await next.authenticate(req({ authorization: 'Bearer eyJhbGciOi.x.y' }))).toEqual({
      ok: false,
      skip: 'foreign_token',
    });
    expectProblem(
      asResponse(await next.authenticate(req({ authorization: `Bearer acme_sk_1${'x'.repeat(38)}` }))),
      contractRow('invalid_token'),
      expect,
    );
    const reject = createKeycard({ prefix: 'acme', scopes: toadoScopes() });
    expectProblem(
      asResponse(await reject.authenticate(req({ authorization: 'Bearer eyJhbGciOi.x.y' }))),
      contractRow('invalid_token'),
      expect,
    );
  });

  it('CORS preflights are answered 204 with no body by default, from the core, without reading the token', async () => {
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes() });
    const preflight = { ok: false, code: 'preflight', status: 204, headers: {}, body: null };
    expect(await kc.authenticate(req({ 'access-control-request-method': 'POST' }, 'OPTIONS'))).toEqual(preflight);
    expect(
      await kc.authenticate(
        req({ 'access-control-request-method': 'POST', authorization: 'Bearer acme_sk_1forged' }, 'OPTIONS'),
      ),
    ).toEqual(preflight);
    expectProblem(asResponse(await kc.authenticate(req({}, 'OPTIONS'))), contractRow('missing_token'), expect);
    const strict = createKeycard({ prefix: 'acme', scopes: toadoScopes(), passPreflight: false });
    expect((await strict.authenticate(req({ 'access-control-request-method': 'POST' }, 'OPTIONS'))).ok).toBe(false);
  });

  it('onAuthFailure carries the reason, method and path without the query', async () => {
    const onAuthFailure = vi.fn();
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), onAuthFailure });
    await kc.authenticate(req({ authorization: 'Bearer nope' }));
    expect(onAuthFailure).toHaveBeenCalledWith({
      code: 'invalid_token',
      method: 'GET',
      path: '/tickets',
      tokenId: null,
    });
  });

  it('audit events carry the path without its query string and a valid request id', async () => {
    const sink = memoryAuditSink();
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), audit: sink });
    const { token } = await kc.issue({ ownerId: 'u', label: 'x' });
    await kc.authenticate(
      req(
        { authorization: `Bearer ${token}`, 'x-request-id': 'req-1' },
        'GET',
        `https://h/tickets?access_token=${token}`,
      ),
    );
    await kc.authenticate(req({ authorization: `Bearer ${token}`, 'x-request-id': 'bad id\n' }));
    await kc.close();
    const requests = sink.events.filter((e) => e.type === 'request.allowed');
    expect(requests[0]).toMatchObject({ path: '/tickets', requestId: 'req-1', surface: 'http', method: 'GET' });
    expect(requests[1]!.type === 'request.allowed' && requests[1]!.requestId).not.toBe('bad id\n');
    expect(JSON.stringify(sink.events)).not.toContain(token);
  });
});

describe('fuzz', () => {
  const value = fc.oneof(
    fc.string({ maxLength: 64 }),
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.constantFrom(
      'Bearer',
      'bearer ',
      'Bearer  x',
      'Basic',
      'Bearer a,b',
      'Bearer ===',
      'Bearer =a',
      'Bearer \t',
      'Bearer ' + 'a'.repeat(2000),
    ),
    fc
      .tuple(fc.constantFrom('Bearer ', 'bearer ', 'BEARER   ', 'Token '), fc.string({ maxLength: 80 }))
      .map(([a, b]) => a + b),
    fc
      .string({
        minLength: 39,
        maxLength: 39,
        unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'),
      })
      .map((t) => `Bearer acme_sk_${t}`),
  );
  const headerSet = fc.record(
    {
      authorization: fc.oneof(value, fc.array(value, { maxLength: 3 })),
      'x-request-id': fc.string({ maxLength: 200 }),
      'access-control-request-method': fc.string({ maxLength: 10 }),
    },
    { requiredKeys: [] },
  );
  const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), allowQueryToken: true, onError: () => {} });

  test.prop([headerSet, fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH', 'HEAD'), fc.string({ maxLength: 60 })], {
    numRuns: 10_000,
  })('any Authorization values and header sets get 400 or 401, never a throw', async (headers, method, query) => {
    const r = await kc.authenticate({
      method,
      url: `/x?${query}`,
      headers: headers as Record<string, string | string[]>,
    });
    expect(r.ok).toBe(false);
    if (!r.ok && !r.skip) {
      expect([400, 401]).toContain(r.status);
      expect(() => JSON.parse(r.body!)).not.toThrow();
    }
  });
});
