import { fc, test } from '@fast-check/vitest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuditTrail,
  auditPath,
  jsonLinesSink,
  memoryAuditSink,
  requestIdFrom,
  type AuditEvent,
  type AuditOptions,
  type AuditSink,
  type RequestAuditEvent,
  type RequestAuditInput,
  type TokenAuditInput,
} from './audit.ts';
import type { Clock } from './clock.ts';
import { KeycardError, type RequestErrorCode } from './errors.ts';

/** A real-looking token: `acme_sk_` + version `1` + 38 base62 characters. */
const TOKEN = 'acme_sk_1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab';
/** A SHA-256 hex digest, what a store keeps instead of the secret. */
const DIGEST = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const GENERATED = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-[0-9a-z]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** 2025-01-01T00:00:00.000Z, the start of a wall-clock second. */
const T0 = Date.UTC(2025, 0, 1);

/** Reads the faked Date, so that `vi.setSystemTime` and `advanceTimersByTime*` drive it. */
const clock: Clock = { now: () => Date.now(), monotonic: () => Date.now() };

const allowed = (over: Partial<RequestAuditInput> = {}): RequestAuditInput => ({
  type: 'request.allowed',
  surface: 'http',
  method: 'GET',
  path: '/v1/tasks',
  requestId: 'req-1',
  tokenId: 'tok_1',
  label: 'ci',
  ownerId: 'u1',
  workspaceId: 'w1',
  ...over,
});

const denied = (reason: RequestErrorCode, over: Partial<RequestAuditInput> = {}): RequestAuditInput =>
  allowed({ type: 'request.denied', reason, ...over });

const issued = (over: Partial<TokenAuditInput> = {}): TokenAuditInput => ({
  type: 'token.issued',
  tokenId: 'tok_1',
  label: 'ci',
  ownerId: 'u1',
  workspaceId: 'w1',
  actor: { kind: 'user', id: 'u1' },
  ...over,
});

function setup(options: Partial<AuditOptions> = {}) {
  const sink = memoryAuditSink();
  const errors: Error[] = [];
  const trail = new AuditTrail({ sinks: [sink], onError: (e) => errors.push(e), clock, ...options });
  return { sink, errors, trail };
}

/** Runs every microtask and every timer due now, without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

/** A sink whose writes never settle. */
const hanging = (): AuditSink & { calls: number } => {
  const sink = {
    calls: 0,
    write() {
      sink.calls++;
      return new Promise<void>(() => {});
    },
  };
  return sink;
};

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0 + 100);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('sinks', () => {
  it('the memory sink collects events in order, and clear() empties the same array', async () => {
    const { sink, trail } = setup();
    const events = sink.events;
    trail.request(allowed({ requestId: 'a' }));
    trail.request(allowed({ requestId: 'b' }));
    await trail.token(issued());
    await settle();
    expect(sink.events.map((e) => e.type)).toEqual(['token.issued', 'request.allowed', 'request.allowed']);
    expect((sink.events.slice(1) as RequestAuditEvent[]).map((e) => e.requestId)).toEqual(['a', 'b']);
    sink.clear();
    expect(sink.events).toBe(events);
    expect(sink.events).toHaveLength(0);
  });

  it('jsonLinesSink writes exactly one valid JSON line per event', async () => {
    const lines: string[] = [];
    const memory = memoryAuditSink();
    const trail = new AuditTrail({
      sinks: [memory, jsonLinesSink((line) => void lines.push(line))],
      onError: () => {},
      clock,
    });
    trail.request(allowed({ label: 'line one\nline two\r\u2028' }));
    trail.request(denied('insufficient_scope', { missing: ['tasks:write'] }));
    await trail.token(issued({ type: 'token.revoked', reason: 'leaked\nin a log' }));
    await settle();
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toMatch(/[\n\r]/);
    }
    expect(lines.map((l) => JSON.parse(l) as AuditEvent)).toEqual(memory.events);
  });

  it('jsonLinesSink ignores a non-promise result (stdout.write returns a boolean) and passes a promise on', async () => {
    const event = { ...allowed(), time: new Date(T0).toISOString() } as RequestAuditEvent;
    expect(jsonLinesSink(() => true).write(event)).toBeUndefined();
    let done = false;
    const result = jsonLinesSink(() => new Promise<void>((r) => setTimeout(r, 5))).write(event);
    expect(result).toBeInstanceOf(Promise);
    void (result as Promise<void>).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(5);
    expect(done).toBe(true);
  });
});

describe('events', () => {
  it('stamps time from the clock and leaves out the optional fields that were not given', async () => {
    const { sink, trail } = setup();
    trail.request(allowed());
    await settle();
    expect(sink.events).toEqual([
      {
        type: 'request.allowed',
        time: '2025-01-01T00:00:00.100Z',
        surface: 'http',
        method: 'GET',
        path: '/v1/tasks',
        requestId: 'req-1',
        tokenId: 'tok_1',
        label: 'ci',
        ownerId: 'u1',
        workspaceId: 'w1',
      },
    ]);
    expect(Object.keys(sink.events[0]!)).not.toContain('reason');
    expect(Object.isFrozen(sink.events[0])).toBe(true);
  });

  it('keeps the MCP, degraded and scope fields, and a time given by the caller', async () => {
    const { sink, trail } = setup();
    trail.request(
      allowed({
        surface: 'mcp',
        rpcMethod: 'tools/call',
        tool: 'create_task',
        degraded: true,
        time: '2024-12-31T23:59:59.000Z',
      }),
    );
    trail.request(denied('insufficient_scope', { missing: ['tasks:write', 'tasks:read'] }));
    await settle();
    expect(sink.events[0]).toMatchObject({
      surface: 'mcp',
      rpcMethod: 'tools/call',
      tool: 'create_task',
      degraded: true,
      time: '2024-12-31T23:59:59.000Z',
    });
    expect(sink.events[1]).toMatchObject({
      type: 'request.denied',
      reason: 'insufficient_scope',
      missing: ['tasks:write', 'tasks:read'],
    });
    expect(sink.events[1]).not.toHaveProperty('count');
  });

  it('delivers each kind of management event with its own fields', async () => {
    const { sink, trail } = setup();
    await trail.token(issued());
    await trail.token(issued({ type: 'token.revoked', reason: 'leaked' }));
    await trail.token(
      issued({
        type: 'token.rotated',
        tokenId: 'tok_2',
        rotatedFromId: 'tok_1',
        actor: { kind: 'token', id: 'tok_admin' },
      }),
    );
    await trail.token(issued({ type: 'token.updated', changes: ['label', 'scopes'] }));
    await trail.token(
      issued({ type: 'token.revoked', tokenId: null, label: null, count: 12, actor: { kind: 'system', id: null } }),
    );
    expect(sink.events).toEqual([
      {
        type: 'token.issued',
        time: '2025-01-01T00:00:00.100Z',
        tokenId: 'tok_1',
        label: 'ci',
        ownerId: 'u1',
        workspaceId: 'w1',
        actor: { kind: 'user', id: 'u1' },
      },
      expect.objectContaining({ type: 'token.revoked', reason: 'leaked' }),
      expect.objectContaining({
        type: 'token.rotated',
        tokenId: 'tok_2',
        rotatedFromId: 'tok_1',
        actor: { kind: 'token', id: 'tok_admin' },
      }),
      expect.objectContaining({ type: 'token.updated', changes: ['label', 'scopes'] }),
      expect.objectContaining({ type: 'token.revoked', tokenId: null, count: 12, actor: { kind: 'system', id: null } }),
    ]);
  });

  test.prop([
    fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
    fc.double({ min: -0.999, max: 0.999, noNaN: true }),
  ])('stamps the same time as Date#toISOString, for any clock value', async (ms, fraction) => {
    const sink = memoryAuditSink();
    const trail = new AuditTrail({
      sinks: [sink],
      onError: () => {},
      clock: { now: () => ms + fraction, monotonic: () => 0 },
    });
    await trail.token(issued());
    expect(sink.events[0]!.time).toBe(new Date(ms + fraction).toISOString());
  });

  it('delivers request events in order across many events (the queue compacts without reordering)', async () => {
    let release = (): void => {};
    const seen: string[] = [];
    const slowFirst: AuditSink = {
      write(e) {
        seen.push((e as RequestAuditEvent).requestId);
        // The first write waits, so later events pile up behind it and the pump compacts mid-run.
        return seen.length === 1 ? new Promise<void>((r) => (release = r)) : undefined;
      },
    };
    const trail = new AuditTrail({ sinks: [slowFirst], queueSize: 100_000, onError: () => {}, clock });
    for (let i = 0; i < 5000; i++) trail.request(allowed({ requestId: `r${i}` }));
    await settle();
    for (let i = 5000; i < 6000; i++) trail.request(allowed({ requestId: `r${i}` }));
    release();
    await settle();
    expect(seen).toEqual(Array.from({ length: 6000 }, (_, i) => `r${i}`));
  });
});

describe('paths and request ids', () => {
  it.each([
    ['/v1/tasks?access_token=abc', '/v1/tasks'],
    ['/v1/tasks#frag', '/v1/tasks'],
    ['/v1/tasks?a=1#b', '/v1/tasks'],
    ['/v1/tasks#a?b', '/v1/tasks'],
    ['/?', '/'],
    ['https://user:pass@api.example.com/v1/tasks?x=1', '/v1/tasks'],
    ['https://api.example.com?x=1', '/'],
    ['/v1/tasks/t1', '/v1/tasks/t1'],
  ])('path %s reaches the sink as %s', async (path, expected) => {
    const { sink, trail } = setup();
    trail.request(allowed({ path }));
    await settle();
    expect((sink.events[0] as RequestAuditEvent).path).toBe(expected);
  });

  test.prop([fc.string(), fc.string()])('a path never keeps its query string or fragment', (path, query) => {
    const out = auditPath(`${path}?${query}`);
    expect(out).not.toMatch(/[?#]/);
    expect(path.startsWith(out) || out === '/' || out.includes('[redacted]')).toBe(true);
  });

  it.each(['req-42', 'A.b_c:d-9', 'a'.repeat(128), '0'])('keeps a valid X-Request-Id: %s', (id) => {
    expect(requestIdFrom(id)).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a trailing newline', 'req-1\n'],
    ['CRLF injection', 'a\r\nSet-Cookie: x=1'],
    ['a space', 'req 1'],
    ['non-ASCII', 'réq'],
    ['a token', TOKEN],
    ['a digest', DIGEST],
    ['null', null],
    ['undefined', undefined],
  ])('replaces an X-Request-Id with %s by a generated one', (_, header) => {
    const id = requestIdFrom(header);
    expect(id).toMatch(GENERATED);
    expect(requestIdFrom(header)).not.toBe(id);
    expect(requestIdFrom(id)).toBe(id); // a generated id is itself a valid X-Request-Id
  });
});

describe('coalescing', () => {
  it('turns 1,000 invalid_token denials in one second into one event with count 1000, after the second', async () => {
    const { sink, trail } = setup();
    for (let i = 0; i < 1000; i++)
      trail.request(denied('invalid_token', { tokenId: null, label: null, requestId: `r${i}` }));
    await settle();
    expect(sink.events).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(900); // to T0 + 1000: the second is over
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({
      type: 'request.denied',
      reason: 'invalid_token',
      count: 1000,
      requestId: 'r0',
      time: '2025-01-01T00:00:00.100Z',
    });
  });

  it('emits a finished second on the next call even without its timer', async () => {
    const { sink, trail } = setup();
    for (let i = 0; i < 3; i++) trail.request(denied('missing_token', { tokenId: null }));
    vi.setSystemTime(T0 + 1500); // moves the clock, runs no timer
    trail.request(allowed());
    await settle();
    expect(sink.events.map((e) => [e.type, (e as RequestAuditEvent).count])).toEqual([
      ['request.denied', 3],
      ['request.allowed', undefined],
    ]);
  });

  it('coalesces rate_limited per token', async () => {
    const { sink, trail } = setup();
    for (const id of ['tok_a', 'tok_a', 'tok_b', 'tok_a', 'tok_b'])
      trail.request(denied('rate_limited', { tokenId: id }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.events.map((e) => [e.tokenId, (e as RequestAuditEvent).count])).toEqual([
      ['tok_a', 3],
      ['tok_b', 2],
    ]);
  });

  it('keeps one bucket per reason and one per second', async () => {
    const { sink, trail } = setup();
    trail.request(denied('invalid_token', { tokenId: null }));
    trail.request(denied('missing_token', { tokenId: null }));
    trail.request(denied('invalid_request', { tokenId: null }));
    await vi.advanceTimersByTimeAsync(1000);
    trail.request(denied('invalid_token', { tokenId: null }));
    trail.request(denied('invalid_token', { tokenId: null }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.events.map((e) => [(e as RequestAuditEvent).reason, (e as RequestAuditEvent).count])).toEqual([
      ['invalid_token', 1],
      ['missing_token', 1],
      ['invalid_request', 1],
      ['invalid_token', 2],
    ]);
  });

  it('never coalesces allowed events, nor denials that come after the limiter charged', async () => {
    const { sink, trail } = setup();
    for (let i = 0; i < 50; i++) trail.request(allowed({ requestId: `a${i}` }));
    for (const reason of ['insufficient_scope', 'forbidden_resource'] as const) {
      trail.request(denied(reason));
      trail.request(denied(reason));
    }
    await settle();
    expect(sink.events).toHaveLength(54);
    expect(sink.events.every((e) => (e as RequestAuditEvent).count === undefined)).toBe(true);
  });

  it('coalesces a revoked or expired token retried in a loop, keeping its id', async () => {
    const { sink, trail } = setup();
    for (let i = 0; i < 1000; i++) {
      trail.request(denied('token_revoked', { tokenId: 'tok_leaked' }));
      trail.request(denied('token_expired', { tokenId: 'tok_old' }));
    }
    await vi.advanceTimersByTimeAsync(1000);
    const events = sink.events as RequestAuditEvent[];
    expect(events.map((e) => [e.reason, e.tokenId, e.count])).toEqual(
      expect.arrayContaining([
        ['token_revoked', 'tok_leaked', 1000],
        ['token_expired', 'tok_old', 1000],
      ]),
    );
    expect(events).toHaveLength(2);
  });

  it('bounds events and timers whatever token ids a flood of forged tokens carries', async () => {
    const { sink, trail } = setup();
    for (let i = 0; i < 10_000; i++) {
      trail.request(denied('invalid_token', { tokenId: `forged_${i}`, label: null }));
      trail.request(denied('rate_limited', { tokenId: `tok_${i % 300}` }));
    }
    expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
    await vi.advanceTimersByTimeAsync(1000);
    const byReason = (reason: string) =>
      sink.events.filter((e) => (e as RequestAuditEvent).reason === reason) as RequestAuditEvent[];
    const sum = (events: RequestAuditEvent[]) => events.reduce((n, e) => n + (e.count ?? 0), 0);
    expect(byReason('invalid_token').length).toBeLessThanOrEqual(257);
    expect(sum(byReason('invalid_token'))).toBe(10_000);
    expect(byReason('rate_limited').length).toBeLessThanOrEqual(257);
    expect(sum(byReason('rate_limited'))).toBe(10_000);
    // The overflow bucket carries no token, rather than one forged id standing for the rest.
    expect(byReason('invalid_token').at(-1)).toMatchObject({ tokenId: null, count: 10_000 - 256 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('overflow', () => {
  it('drops what does not fit a full queue, counts it in `dropped` and reports the count', async () => {
    const blocked = hanging();
    const healthy = memoryAuditSink();
    const errors: Error[] = [];
    const trail = new AuditTrail({ sinks: [blocked, healthy], queueSize: 10, onError: (e) => errors.push(e), clock });
    for (let i = 0; i < 15; i++) trail.request(allowed({ requestId: `r${i}` }));
    expect(trail.dropped).toBe(5);
    await settle();
    const overflow = errors.filter((e) => /queue full/.test(e.message));
    expect(overflow).toHaveLength(1);
    expect(overflow[0]).toBeInstanceOf(KeycardError);
    expect((overflow[0] as KeycardError).code).toBe('unavailable');
    expect(overflow[0]!.message).toMatch(/\b5 request events dropped/);

    // The blocked sink holds the first event for timeoutMs; after that it is skipped and the
    // ten queued events reach the healthy sink.
    await vi.advanceTimersByTimeAsync(1000);
    expect(healthy.events.map((e) => (e as RequestAuditEvent).requestId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `r${i}`),
    );
    expect(blocked.calls).toBe(1);
  });
});

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
    [{ queueSize: 0 }, 'AuditOptions.queueSize must be an integer from 1 to 1000000'],
    [{ queueSize: 1.5 }, 'AuditOptions.queueSize must be an integer from 1 to 1000000'],
    [{ timeoutMs: -1 }, 'AuditOptions.timeoutMs must be an integer number of milliseconds from 1 to 2147483647'],
    [{ sinks: [{}] }, 'AuditOptions.sinks.0 must be an AuditSink: an object with a write(event) method'],
    [{ clock: {} }, 'AuditOptions.clock must be a Clock: { now(), monotonic() }'],
    [{ onError: 'log' }, 'AuditOptions.onError must be a function'],
    [{ queue: 10 }, 'AuditOptions.queue is not a known field'],
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
