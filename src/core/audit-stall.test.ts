/**
 * A runtime that stops a request's work once its response is sent (workerd without
 * `ctx.waitUntil`) cancels the sink write in flight and the timers that bound it: the promise the
 * pump waits on never settles. Simulated with fake timers: `vi.clearAllTimers()` is that
 * cancellation. test/runtime/workers-flush.test.ts shows the same in real workerd. The trail must
 * give such a write up, and must not give up a healthy one (a clock step, a busy event loop).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from './audit.ts';
import { AuditTrail } from './audit-trail.ts';
import { systemClock } from './clock.ts';

const allowed = (path: string) =>
  ({
    type: 'request.allowed',
    surface: 'http',
    method: 'GET',
    path,
    requestId: 'r',
    tokenId: 't',
    label: 'l',
    ownerId: 'o',
    workspaceId: null,
  }) as const;
const pathOf = (e: AuditEvent) => (e as { path: string }).path;

/** A sink whose first write never settles (cancelled with its request); the others land at once. */
const firstWriteDropped = () => {
  const landed: string[] = [];
  let first = true;
  const sink = {
    write(e: AuditEvent) {
      if (first) return ((first = false), new Promise<void>(() => {}));
      landed.push(pathOf(e));
    },
  };
  return { landed, sink };
};

/** A sink whose writes take `ms`, counting how many are in flight at once. */
const slowSink = (ms: number) => {
  const seen = { inFlight: 0, most: 0, landed: [] as string[] };
  const sink = {
    write: (e: AuditEvent) => {
      seen.most = Math.max(seen.most, ++seen.inFlight);
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          seen.inFlight--;
          seen.landed.push(pathOf(e));
          resolve();
        }, ms),
      );
    },
  };
  return { seen, sink };
};

describe('audit delivery after the work of a request was stopped (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a write that never settles and whose timeout never runs does not hold the queue for good', async () => {
    const { landed, sink } = firstWriteDropped();
    const errors: string[] = [];
    const trail = new AuditTrail({ sinks: [sink], onError: (e) => errors.push(e.message), clock: systemClock });
    trail.request(allowed('/one'));
    await Promise.resolve(); // the pump takes /one and waits on its write
    vi.clearAllTimers(); // the request ends: its timers are gone
    await vi.advanceTimersByTimeAsync(500);
    trail.request(allowed('/two')); // a later request, soon after: still waiting, as for a slow sink
    await vi.advanceTimersByTimeAsync(1);
    expect(landed).toEqual([]);
    await vi.advanceTimersByTimeAsync(3_000); // past twice the timeout and a second
    trail.request(allowed('/three'));
    await vi.advanceTimersByTimeAsync(1);
    expect(landed).toEqual(['/two', '/three']);
    expect(errors).toEqual([expect.stringMatching(/^Audit delivery stalled: .*delivery resumed$/)]);
  });

  it('close() soon after such a write still ends, and delivers what came after it', async () => {
    const { landed, sink } = firstWriteDropped();
    const trail = new AuditTrail({ sinks: [sink], onError: () => {}, clock: systemClock });
    trail.request(allowed('/one'));
    await Promise.resolve();
    vi.clearAllTimers();
    await vi.advanceTimersByTimeAsync(500);
    trail.request(allowed('/two'));
    let closed = false;
    void trail.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(closed).toBe(true);
    expect(landed).toEqual(['/two']);
  });

  it('flush() racing close() over such a write: both end', async () => {
    const { sink } = firstWriteDropped();
    const trail = new AuditTrail({ sinks: [sink], onError: () => {}, clock: systemClock });
    trail.request(allowed('/one'));
    await Promise.resolve();
    vi.clearAllTimers();
    const ended: string[] = [];
    void trail.flush().then(() => ended.push('flush'));
    void trail.close().then(() => ended.push('close'));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ended.sort()).toEqual(['close', 'flush']);
  });

  it('a wall-clock step forward gives up no healthy write (one write in flight, nothing reported)', async () => {
    const { seen, sink } = slowSink(200);
    const errors: string[] = [];
    const trail = new AuditTrail({ sinks: [sink], onError: (e) => errors.push(e.message), clock: systemClock });
    trail.request(allowed('/one'));
    await Promise.resolve();
    vi.setSystemTime(Date.now() + 3_600_000); // NTP step or VM resume: Date.now() jumps, timers do not
    trail.request(allowed('/two'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toEqual([]);
    expect(seen.most).toBe(1);
    expect(seen.landed).toEqual(['/one', '/two']);
  });
});

describe('audit delivery behind a busy event loop (real timers)', () => {
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  /** A trail on the system clock over a sink whose writes take `writeMs`, bounded by `timeoutMs`. */
  const realTrail = (writeMs: number, timeoutMs: number) => {
    const { seen, sink } = slowSink(writeMs);
    const errors: string[] = [];
    const trail = new AuditTrail({
      sinks: [sink],
      onError: (e) => errors.push(e.message),
      clock: systemClock,
      timeoutMs,
    });
    return { seen, trail, errors };
  };

  it('a write that finished while the loop was blocked is not given up', async () => {
    const { seen, trail, errors } = realTrail(5, 50);
    trail.request(allowed('/one'));
    await Promise.resolve();
    busy(1_200); // > 2 × 50 + 1,000: the 5 ms write is done, its callback not yet run
    trail.request(allowed('/two'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await trail.close();
    expect(errors).toEqual([]);
    expect(seen.most).toBe(1);
    expect(seen.landed).toEqual(['/one', '/two']);
  });

  it('flush() after sync work in the same turn waits out a write still inside its timeout', async () => {
    const { seen, trail, errors } = realTrail(300, 1_000);
    trail.request(allowed('/one'));
    trail.request(allowed('/two'));
    await Promise.resolve(); // the pump waits on /one's write
    busy(200);
    await trail.flush();
    expect(seen.landed).toEqual(['/one', '/two']);
    await trail.close();
    expect(errors).toEqual([]);
    expect(seen.most).toBe(1);
  });
});
