/**
 * Review of session 50's later charge (chargeLater, src/core/first-pass.ts) on the paths
 * test/stacked-guard-class.test.ts does not walk: a query-string token (its answers must keep
 * `Cache-Control`), and a limiter that throws, rejects or never answers on the later charge
 * (fail closed, one audit event per refusal; `limiterFailure: 'open'` admits, as a first charge).
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, memoryAuditSink, type AuthResult, type LimiterStore } from '../src/index.ts';
import { limiterFailing, scopes, SPLIT } from './later-charge-fixture.ts';

/** A memory limiter whose write charges do what `write` says. */
const limiterWith = (write: 'throw' | 'reject' | 'hang'): LimiterStore => limiterFailing('write', write);

const statusOf = (r: AuthResult<string>) => (r.ok ? 200 : 'status' in r ? r.status : 'skip');
/** The answer's headers (none on a hand-on). */
const headersOf = (r: AuthResult<string>): Readonly<Record<string, string>> => ('headers' in r ? r.headers : {});

describe('the later charge of a query-string token', () => {
  it('answers with Cache-Control: private when admitted and no-store, private when refused', async () => {
    const keycard = createKeycard({ prefix: 'acme', scopes, rateLimit: SPLIT, allowQueryToken: true });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['export'] });
    const answers = [];
    for (let i = 0; i < 2; i++) {
      const request = new Request(`http://localhost/api/export?access_token=${token}`);
      expect(headersOf(await keycard.authenticate(request))['Cache-Control']).toBe('private');
      const later = await keycard.authenticate(request, { class: 'write' });
      answers.push([statusOf(later), headersOf(later)['Cache-Control'], headersOf(later)['RateLimit-Policy']]);
    }
    expect(answers).toEqual([
      [200, 'private', '"write";q=1;w=60'],
      [429, 'no-store, private', '"write";q=1;w=60'],
    ]);
    await keycard.close();
  });
});

describe('a limiter failing on the later charge', () => {
  it.each(['throw', 'reject', 'hang'] as const)(
    '%s: fails closed (503 to that check and every later one), one audit event, onError told',
    async (write) => {
      const audit = memoryAuditSink();
      const errors: unknown[] = [];
      const keycard = createKeycard({
        prefix: 'acme',
        scopes,
        rateLimit: SPLIT,
        limiter: limiterWith(write),
        storeTimeoutMs: 1,
        audit,
        onError: (e) => void errors.push(e),
        onWarning: () => {},
      });
      const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['export'] });
      const request = new Request('http://localhost/api/export', { headers: { authorization: `Bearer ${token}` } });
      const first = await keycard.authenticate(request);
      const later = await keycard.authenticate(request, { class: 'write' });
      const again = await keycard.authenticate(request, { class: 'write' });
      expect([statusOf(first), statusOf(later), statusOf(again)]).toEqual([200, 503, 503]);
      expect(!later.ok && 'code' in later && later.code).toBe('unavailable');
      await keycard.close();
      const denied = audit.events.filter((e) => e.type === 'request.denied');
      expect(denied.map((e) => (e as { reason: string }).reason)).toEqual(['unavailable']);
      expect(errors.length).toBe(1);
    },
  );

  it("limiterFailure: 'open' admits the later check, as it admits a first one", async () => {
    const keycard = createKeycard({
      prefix: 'acme',
      scopes,
      rateLimit: SPLIT,
      limiter: limiterWith('throw'),
      limiterFailure: 'open',
      onError: () => {},
      onWarning: () => {},
    });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['export'] });
    const request = new Request('http://localhost/api/export', { headers: { authorization: `Bearer ${token}` } });
    await keycard.authenticate(request);
    expect(statusOf(await keycard.authenticate(request, { class: 'write' }))).toBe(200);
    await keycard.close();
  });
});

describe('what a later check charges', () => {
  /** The read budget left, as the next request's first check sees it. */
  async function readsLeft(keycard: ReturnType<typeof createKeycard>, token: string) {
    const request = new Request('http://localhost/api/x', { headers: { authorization: `Bearer ${token}` } });
    const r = await keycard.authenticate(request);
    return r.ok ? r.headers.RateLimit!.replace(/;t=\d+$/, '') : null;
  }

  it('nothing more when it declares the class the first check charged (a GET declared read)', async () => {
    const keycard = createKeycard({ prefix: 'acme', scopes, rateLimit: SPLIT });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['export'] });
    const request = new Request('http://localhost/api/x', { headers: { authorization: `Bearer ${token}` } });
    await keycard.authenticate(request);
    const later = await keycard.authenticate(request, { class: 'read' });
    expect(later.ok && later.headers.RateLimit!.replace(/;t=\d+$/, '')).toBe('"read";r=99');
    expect(await readsLeft(keycard, token)).toBe('"read";r=98');
    await keycard.close();
  });

  it('nothing more on a third check declaring the first class again (read, write, read)', async () => {
    const keycard = createKeycard({ prefix: 'acme', scopes, rateLimit: SPLIT });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['export'] });
    const request = new Request('http://localhost/api/x', { headers: { authorization: `Bearer ${token}` } });
    await keycard.authenticate(request);
    expect((await keycard.authenticate(request, { class: 'write' })).ok).toBe(true);
    expect((await keycard.authenticate(request, { class: 'read' })).ok).toBe(true);
    expect((await keycard.authenticate(request, { class: 'write' })).ok).toBe(true);
    expect(await readsLeft(keycard, token)).toBe('"read";r=98');
    await keycard.close();
  });

  it("a refusal is audited as the later check's (its surface, MCP method and tool)", async () => {
    const audit = memoryAuditSink();
    const keycard = createKeycard({ prefix: 'acme', scopes, rateLimit: SPLIT, audit });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['export'] });
    const gate = { class: 'write', surface: 'mcp', rpcMethod: 'tools/call', tool: 'export' } as const;
    for (let i = 0; i < 2; i++) {
      const request = new Request('http://localhost/mcp', { headers: { authorization: `Bearer ${token}` } });
      await keycard.authenticate(request);
      await keycard.authenticate(request, gate);
    }
    await keycard.close();
    const denied = audit.events.filter((e) => e.type === 'request.denied');
    expect(denied).toMatchObject([{ reason: 'rate_limited', surface: 'mcp', rpcMethod: 'tools/call', tool: 'export' }]);
  });
});
