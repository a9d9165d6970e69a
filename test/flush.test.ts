/**
 * `keycard.flush()`: the work a request left running after its answer (audit writes to a sink
 * that answers with a promise, coalesced denials, `lastUsedAt` writes) finished on request, so a
 * runtime that stops work outliving the response (Workers' `ctx.waitUntil`) can be handed it.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryTokenStore, type AuditEvent } from '../src/index.ts';

const scopes = defineScopes({ read: {} });
const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A sink whose every write lands `ms` later, and what has landed. */
const slowSink = (ms: number) => {
  const landed: AuditEvent[] = [];
  return { landed, sink: { write: async (e: AuditEvent) => (await later(ms), void landed.push(e)) } };
};

const request = (token?: string) =>
  new Request('http://127.0.0.1/x', token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe('keycard.flush()', () => {
  it('resolves after the audit writes of the requests answered so far have landed', async () => {
    const { landed, sink } = slowSink(40);
    const keycard = createKeycard({ prefix: 'acme', scopes, audit: sink });
    const { token } = await keycard.issue({ label: 'ci', ownerId: 'u1', scopes: ['read'] });
    const before = landed.length; // token.issued is awaited by issue()
    for (let i = 0; i < 3; i++) expect((await keycard.authenticate(request(token), { scope: 'read' })).ok).toBe(true);
    expect(landed.length).toBe(before); // still on their way
    await keycard.flush();
    expect(landed.slice(before).map((e) => e.type)).toEqual(['request.allowed', 'request.allowed', 'request.allowed']);
    await keycard.close();
  });

  it('emits a coalesced denial when its second ends, instead of leaving it to a later request', async () => {
    const { landed, sink } = slowSink(1);
    const keycard = createKeycard({ prefix: 'acme', scopes, audit: sink });
    expect((await keycard.authenticate(request(), { scope: 'read' })).ok).toBe(false);
    expect((await keycard.authenticate(request(), { scope: 'read' })).ok).toBe(false);
    await keycard.flush(); // resolves when the second ends (the test's timeout bounds it)
    expect(landed.map((e) => [e.type, e.type === 'request.denied' ? [e.reason, e.count] : null])).toEqual([
      ['request.denied', ['missing_token', 2]],
    ]);
    await keycard.close();
  });

  it('waits for the lastUsedAt write of a first use', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const base = memoryTokenStore();
    const touched: string[] = [];
    const store = Object.assign(Object.create(base) as typeof base, {
      touch: async (id: string, at: number) => (await gate, touched.push(id), base.touch(id, at)),
    });
    const keycard = createKeycard({ prefix: 'acme', scopes, store });
    const { token, record } = await keycard.issue({ label: 'ci', ownerId: 'u1', scopes: ['read'] });
    expect((await keycard.authenticate(request(token), { scope: 'read' })).ok).toBe(true);
    let done = false;
    const flushed = keycard.flush().then(() => (done = true));
    await later(20);
    expect(done).toBe(false);
    release();
    await flushed;
    expect(touched).toEqual([record.id]);
    await keycard.close();
  });

  it('never waits past the sink timeout for a write that never answers, and never rejects', async () => {
    const errors: unknown[] = [];
    const keycard = createKeycard({
      prefix: 'acme',
      scopes,
      audit: { write: () => new Promise<void>(() => {}) },
      auditTimeoutMs: 50,
      onError: (e) => errors.push(e),
    });
    const { token } = await keycard.issue({ label: 'ci', ownerId: 'u1', scopes: ['read'] });
    await keycard.authenticate(request(token), { scope: 'read' });
    await expect(keycard.flush()).resolves.toBeUndefined(); // within the test's timeout: bounded
    await keycard.close();
  });

  it('does not wait for requests answered after it was called (bounded under steady traffic)', async () => {
    const { landed, sink } = slowSink(5);
    const keycard = createKeycard({ prefix: 'acme', scopes, audit: sink });
    const { token } = await keycard.issue({ label: 'ci', ownerId: 'u1', scopes: ['read'] });
    await keycard.authenticate(request(token), { scope: 'read' });
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        await keycard.authenticate(request(token), { scope: 'read' });
        await new Promise((resolve) => setImmediate(resolve)); // a server's next request: a later turn
      }
    })();
    await keycard.flush(); // while the traffic goes on: a flush waiting for it would never end
    const atFlush = landed.filter((e) => e.type === 'request.allowed').length;
    stop = true;
    await traffic;
    expect(atFlush).toBeGreaterThanOrEqual(1); // the request answered before the call landed
    await keycard.flush();
    expect(landed.filter((e) => e.type === 'request.allowed').length).toBeGreaterThan(atFlush);
    await keycard.close();
  });

  it('after close() resolves as close() does', async () => {
    const keycard = createKeycard({ prefix: 'acme', scopes });
    await keycard.close();
    await expect(keycard.flush()).resolves.toBeUndefined();
  });
});
