/**
 * Issue 11, item 10: floods and bounds. A store outage gives one coalesced audit event and a
 * bounded number of onError reports, not one per request; the audit path is capped; one forged
 * token costs at most one store read however many peppers and concurrent copies; single flight
 * never lets a verify that began after revoke() see the token as live.
 */
import { describe, expect, it } from 'vitest';
import {
  createKeycard,
  memoryAuditSink,
  memoryTokenStore,
  type RequestAuditEvent,
  type TokenStore,
} from '../src/index.ts';
import { generateToken } from '../src/store-kit.ts';
import { MAX_AUDIT_PATH } from '../src/core/audit.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { asyncStore, countingStore, toadoScopes } from './helpers.ts';

const peppers = [3, 2, 1].map((version) => ({ version, secret: `pepper-${version}-`.padEnd(40, 'x') }));
const forgedTokens = new Map<number, string>();
/** A well-formed token (valid checksum) that was never issued: only a store read can refuse it. */
const forged = (i: number) =>
  forgedTokens.get(i) ?? (forgedTokens.set(i, generateToken({ prefix: 'acme' })), forgedTokens.get(i)!);
const req = (token: string, url = '/v1/tasks') => ({
  method: 'GET',
  url,
  headers: { authorization: `Bearer ${token}` },
});

describe('floods and bounds', () => {
  it('a store outage: 500 requests in one second give one coalesced audit event and at most 2 onError reports', async () => {
    const clock = fakeClock();
    const sink = memoryAuditSink();
    const errors: unknown[] = [];
    const inner = memoryTokenStore();
    let down = false;
    const store: TokenStore = Object.assign(Object.create(inner) as TokenStore, {
      findByHash: (h: string) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.findByHash(h)),
      findByAnyHash: (h: readonly string[]) =>
        down ? Promise.reject(new Error('ECONNREFUSED')) : inner.findByAnyHash!(h),
      shared: false,
    });
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      store,
      clock,
      audit: sink,
      onError: (e) => void errors.push(e),
      cacheSize: 0,
    });
    const { token } = await kc.issue({ ownerId: 'u1', label: 'ci' });
    sink.clear();
    down = true;
    const results = await Promise.all(Array.from({ length: 500 }, () => kc.authenticate(req(token))));
    expect(results.every((r) => !r.ok && 'status' in r && r.status === 503)).toBe(true);
    await kc.close();
    const denied = sink.events.filter((e) => e.type === 'request.denied') as RequestAuditEvent[];
    expect(denied.map((e) => [e.reason, e.count ?? 1])).toEqual([['unavailable', 500]]);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(2);
    expect(String((errors.at(-1) as Error).message)).toMatch(/499 more|failed/);
  });

  it('the audit path is capped: a 12 KB path gives an event of at most ~1 KB of path', async () => {
    const sink = memoryAuditSink();
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), audit: sink });
    const { token } = await kc.issue({ ownerId: 'u1', label: 'ci' });
    await kc.authenticate(req(token, `/${'a'.repeat(12_000)}`));
    await kc.close();
    const event = sink.events.find((e) => e.type === 'request.allowed') as RequestAuditEvent;
    expect(event.path.length).toBeLessThanOrEqual(MAX_AUDIT_PATH + 1);
    expect(JSON.stringify(event).length).toBeLessThan(2_000);
  });

  // A store across a network (answers with promises): concurrent copies share one read. A
  // synchronous store (the memory store) is read in the same tick, where nothing is concurrent.
  it('a forged token costs one store read with three pepper generations, and one for 100 concurrent copies', async () => {
    const { store, counts } = countingStore(asyncStore());
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, peppers, negativeCacheSize: 0 });
    const reads = () => (counts.findByHash ?? 0) + (counts.findByAnyHash ?? 0);
    await kc.verify(forged(1));
    expect(reads()).toBe(1);
    await Promise.all(Array.from({ length: 100 }, () => kc.authenticate(req(forged(2)))));
    expect(reads()).toBe(2);
    await Promise.all(Array.from({ length: 100 }, (_, i) => kc.verify(forged(100 + (i % 10)))));
    expect(reads()).toBe(12);
    await kc.close();
  });

  it('a token under a retiring pepper is still found in one read, and re-hashed', async () => {
    const { store, counts } = countingStore();
    const old = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, peppers: peppers.slice(2) });
    const { token, record } = await old.issue({ ownerId: 'u1', label: 'ci' });
    await old.close();
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, peppers });
    expect((await kc.verify(token)).ok).toBe(true);
    expect((counts.findByHash ?? 0) + (counts.findByAnyHash ?? 0)).toBe(1);
    await kc.close();
    expect((await store.get(record.id))!.pepperVersion).toBe(3);
  });

  it('single flight never joins a lookup that began before a revoke: a verify after revoke() sees it revoked', async () => {
    const inner = memoryTokenStore();
    let gate: (() => void) | null = null;
    const store: TokenStore = Object.assign(Object.create(inner) as TokenStore, {
      findByHash: async (h: string) => {
        const answer = inner.findByHash(h);
        if (gate === null) await new Promise<void>((r) => (gate = r));
        return answer;
      },
      findByAnyHash: undefined,
      shared: false,
    });
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, cacheSize: 0 });
    const { token, record } = await kc.issue({ ownerId: 'u1', label: 'ci' });
    const before = kc.verify(token); // reads the live record, then waits at the gate
    await new Promise((r) => setImmediate(r));
    await kc.revoke(record.id);
    const after = kc.verify(token);
    (gate as unknown as () => void)();
    expect((await before).ok).toBe(true);
    expect(await after).toMatchObject({ ok: false, code: 'token_revoked' });
    await kc.close();
  });
});
