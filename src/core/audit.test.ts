/** The audit trail: sinks, events, paths and request ids, coalescing, overflow. */
import { fc, test } from '@fast-check/vitest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuditTrail,
  auditPath,
  jsonLinesSink,
  memoryAuditSink,
  requestIdFrom,
  type AuditEvent,
  type AuditSink,
  type RequestAuditEvent,
} from './audit.ts';
import { KeycardError } from './errors.ts';
import {
  DIGEST,
  GENERATED,
  T0,
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

  it('coalesces a denial with no token id whatever its reason: nothing was charged (a foreign token, keycard/mcp)', async () => {
    const { sink, trail } = setup();
    for (let i = 0; i < 500; i++) trail.request(denied('forbidden_resource', { tokenId: null, label: null }));
    trail.request(denied('forbidden_resource')); // with a token: after a charge, its own event
    await settle();
    expect(sink.events.map((e) => [e.tokenId, (e as RequestAuditEvent).count])).toEqual([['tok_1', undefined]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.events.map((e) => [e.tokenId, (e as RequestAuditEvent).count])).toEqual([
      ['tok_1', undefined],
      [null, 500],
    ]);
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
