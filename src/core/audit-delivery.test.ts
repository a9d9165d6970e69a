/** The audit trail: failing sinks, redaction, close, options (split from audit.test.ts). */
import { fc, test } from '@fast-check/vitest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuditTrail,
  jsonLinesSink,
  memoryAuditSink,
  type AuditOptions,
  type AuditSink,
  type RequestAuditEvent,
} from './audit.ts';
import { KeycardError } from './errors.ts';
import {
  DIGEST,
  TOKEN,
  allowed,
  clock,
  denied,
  hanging,
  issued,
  settle,
  setup,
  useFakeAuditTime,
} from '../../test/audit-fixtures.ts';

useFakeAuditTime({ beforeEach, afterEach });

describe('failing sinks', () => {
  it('a sink that throws and one that never resolves delay nothing past timeoutMs, and the healthy one gets every event', async () => {
    const throwing: AuditSink = {
      write() {
        throw new Error('disk full');
      },
    };
    const never = hanging();
    const healthy = memoryAuditSink();
    const errors: Error[] = [];
    const trail = new AuditTrail({ sinks: [throwing, never, healthy], onError: (e) => errors.push(e), clock });

    for (let i = 0; i < 5; i++) expect(trail.request(allowed({ requestId: `r${i}` }))).toBeUndefined();

    let resolved = false;
    const done = trail.token(issued()).then(() => (resolved = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(resolved).toBe(true);
    await done;

    await vi.advanceTimersByTimeAsync(1000);
    expect(healthy.events.map((e) => e.type)).toEqual(['token.issued', ...Array<string>(5).fill('request.allowed')]);
    expect(errors.every((e) => e instanceof KeycardError && e.code === 'unavailable')).toBe(true);
    expect(errors.some((e) => /audit sink 1 of 3: write failed: disk full/.test(e.message))).toBe(true);
    expect(errors.some((e) => /audit sink 2 of 3: write did not finish within 1000 ms/.test(e.message))).toBe(true);
    expect(errors.some((e) => /sink 3/.test(e.message))).toBe(false);
  });

  it('reports a rejecting sink and never rejects token()', async () => {
    const { errors } = setup();
    const trail = new AuditTrail({
      sinks: [{ write: () => Promise.reject(new Error(`upstream said ${TOKEN}`)) }],
      onError: (e) => errors.push(e),
      clock,
    });
    await expect(trail.token(issued())).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe('audit sink 1 of 1: write failed: upstream said [redacted]');
    expect(String((errors[0]!.cause as Error).message)).not.toContain(TOKEN);
  });

  it('reports repeated failures of one sink at most once per second, with the count', async () => {
    const errors: Error[] = [];
    const trail = new AuditTrail({
      sinks: [{ write: () => void (null as unknown as { x: number }).x }],
      onError: (e) => errors.push(e),
      clock,
    });
    for (let i = 0; i < 100; i++) trail.request(allowed());
    await settle();
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    trail.request(allowed());
    await settle();
    expect(errors).toHaveLength(2);
    expect(errors[1]!.message).toMatch(/and 99 earlier failures not reported individually/);
  });

  it('skips a blocked sink for request events until its write settles, then reports the recovery', async () => {
    let release = (): void => {};
    let calls = 0;
    const slow: AuditSink = {
      write() {
        calls++;
        return calls === 1 ? new Promise<void>((r) => (release = r)) : undefined;
      },
    };
    const healthy = memoryAuditSink();
    const errors: Error[] = [];
    const trail = new AuditTrail({ sinks: [slow, healthy], onError: (e) => errors.push(e), clock });
    trail.request(allowed({ requestId: 'first' }));
    await vi.advanceTimersByTimeAsync(1000);
    trail.request(allowed({ requestId: 'skipped-1' }));
    trail.request(allowed({ requestId: 'skipped-2' }));
    await settle();
    expect(calls).toBe(1);
    release();
    await settle();
    expect(errors.at(-1)!.message).toBe(
      'audit sink 1 of 2 recovered; 2 request events were not delivered to it while it was blocked',
    );
    trail.request(allowed({ requestId: 'after' }));
    await settle();
    expect(calls).toBe(2);
    expect(healthy.events).toHaveLength(4);
  });

  it('survives an onError that throws and a clock that fails', async () => {
    const sink = memoryAuditSink();
    let broken = false;
    const trail = new AuditTrail({
      sinks: [
        {
          write: () => {
            throw new Error('x');
          },
        },
        sink,
      ],
      onError: () => {
        throw new Error('logger down');
      },
      clock: { now: () => (broken ? Number.NaN : Date.now()), monotonic: () => Date.now() },
    });
    trail.request(allowed());
    await settle();
    expect(sink.events).toHaveLength(1);
    broken = true;
    expect(() => trail.request(allowed())).not.toThrow();
    await expect(trail.token(issued())).resolves.toBeUndefined();
  });
});

describe('redaction', () => {
  it('masks a token and a digest in a label, a path and every other string field', async () => {
    const lines: string[] = [];
    const memory = memoryAuditSink();
    const trail = new AuditTrail({
      sinks: [memory, jsonLinesSink((l) => void lines.push(l))],
      onError: () => {},
      clock,
    });
    trail.request(
      denied('insufficient_scope', {
        label: `ci ${TOKEN}`,
        path: `/v1/${TOKEN}/x/${DIGEST}?q=${TOKEN}`,
        tokenId: TOKEN,
        ownerId: DIGEST,
        workspaceId: `w ${TOKEN}`,
        requestId: TOKEN,
        missing: [TOKEN],
        rpcMethod: TOKEN,
        tool: DIGEST,
        method: TOKEN,
      }),
    );
    await trail.token(
      issued({
        label: DIGEST,
        reason: `pasted ${TOKEN} in chat`,
        changes: [TOKEN],
        rotatedFromId: TOKEN,
        actor: { kind: 'user', id: TOKEN },
      }),
    );
    await settle();

    const request = memory.events.find((e) => e.type === 'request.denied');
    const token = memory.events.find((e) => e.type === 'token.issued');
    expect(request).toMatchObject({
      label: 'ci [redacted]',
      path: '/v1/[redacted]/x/[redacted]',
      tokenId: '[redacted]',
      ownerId: '[redacted]',
    });
    expect(token).toMatchObject({
      label: '[redacted]',
      reason: 'pasted [redacted] in chat',
      actor: { id: '[redacted]' },
    });
    const everything = JSON.stringify(memory.events) + lines.join('');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(DIGEST);
    expect(everything).not.toContain(TOKEN.slice(8)); // not even the secret part alone
  });

  test.prop([fc.string(), fc.string(), fc.constantFrom(TOKEN, DIGEST)])(
    'a secret anywhere in a label never reaches a sink',
    async (before, after, secret) => {
      const sink = memoryAuditSink();
      const trail = new AuditTrail({ sinks: [sink], onError: () => {}, clock });
      await trail.token(issued({ label: `${before} ${secret} ${after}` }));
      expect(JSON.stringify(sink.events)).not.toContain(secret);
    },
  );
});

describe('close', () => {
  it('flushes coalesced buckets and pending events, then closes the sinks', async () => {
    const { sink, trail } = setup();
    const closeSink = vi.fn();
    const other = memoryAuditSink();
    const trail2 = new AuditTrail({ sinks: [other, { write: () => {}, close: closeSink }], onError: () => {}, clock });
    for (const t of [trail, trail2]) {
      t.request(allowed({ requestId: 'a' }));
      for (let i = 0; i < 3; i++) t.request(denied('invalid_token', { tokenId: null }));
      t.request(allowed({ requestId: 'b' }));
    }
    // No timer has run and the clock is still inside the same second.
    await Promise.all([trail.close(), trail2.close()]);
    for (const events of [sink.events, other.events]) {
      expect(events.map((e) => [(e as RequestAuditEvent).requestId, (e as RequestAuditEvent).count])).toEqual([
        ['a', undefined],
        ['b', undefined],
        ['req-1', 3],
      ]);
    }
    expect(closeSink).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits for an async sink to finish pending writes, is idempotent, and ignores later events', async () => {
    const written: string[] = [];
    const errors: Error[] = [];
    const slow: AuditSink = {
      write: (e) =>
        new Promise<void>((r) => setTimeout(() => (written.push((e as RequestAuditEvent).requestId), r()), 10)),
    };
    const trail = new AuditTrail({ sinks: [slow], onError: (e) => errors.push(e), clock });
    for (let i = 0; i < 3; i++) trail.request(allowed({ requestId: `r${i}` }));
    let closed = false;
    const first = trail.close();
    expect(trail.close()).toBe(first);
    void first.then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(25);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(closed).toBe(true);
    expect(written).toEqual(['r0', 'r1', 'r2']);

    trail.request(allowed());
    await trail.token(issued());
    expect(errors.map((e) => e.message)).toEqual(['Audit trail is closed; events recorded after close() are ignored']);
  });

  it('bounds a sink close that hangs and reports it', async () => {
    const errors: Error[] = [];
    const trail = new AuditTrail({
      sinks: [{ write: () => {}, close: () => new Promise<void>(() => {}) }],
      onError: (e) => errors.push(e),
      clock,
    });
    let closed = false;
    void trail.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(closed).toBe(true);
    expect(errors.map((e) => e.message)).toEqual(['audit sink 1 of 1: close did not finish within 1000 ms']);
  });
});

describe('options', () => {
  it.each([
    [{ queueSize: 0 }, 'AuditTrail: queueSize: must be an integer from 1 to 1000000'],
    [{ queueSize: 1.5 }, 'AuditTrail: queueSize: must be an integer from 1 to 1000000'],
    [{ timeoutMs: -1 }, 'AuditTrail: timeoutMs: must be an integer number of milliseconds from 1 to 2147483647'],
    [{ sinks: [{}] }, 'AuditTrail: sinks.0: must be an AuditSink: an object with a write(event) method'],
    [{ clock: {} }, 'AuditTrail: clock: must be a Clock: { now(), monotonic() }'],
    [{ onError: 'log' }, 'AuditTrail: onError: must be a function'],
    [{ queue: 10 }, 'AuditTrail: queue: unknown option'],
  ])('rejects %o', (bad, message) => {
    const options = { sinks: [], onError: () => {}, clock, ...bad } as unknown as AuditOptions;
    expect(() => new AuditTrail(options)).toThrow(new KeycardError('invalid_config', message));
    try {
      new AuditTrail(options);
    } catch (e) {
      expect((e as KeycardError).code).toBe('invalid_config');
    }
  });

  it('is a no-op without sinks', async () => {
    const errors: Error[] = [];
    const trail = new AuditTrail({ sinks: [], onError: (e) => errors.push(e), clock });
    trail.request(denied('invalid_token'));
    await trail.token(issued());
    await trail.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(errors).toEqual([]);
  });
});
