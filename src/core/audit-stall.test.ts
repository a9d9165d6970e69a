/**
 * A runtime that stops a request's work once its response is sent (workerd without
 * `ctx.waitUntil`) cancels the sink write in flight and the timers that bound it: the promise the
 * pump waits on never settles. Simulated here with fake timers: `vi.clearAllTimers()` is that
 * cancellation, `vi.setSystemTime` the time that passes before the next request.
 * test/runtime/workers-flush.test.ts shows the same in real workerd.
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

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('audit delivery after the work of a request was stopped', () => {
  it('a write that never settles and whose timeout never runs does not hold the queue for good', async () => {
    const landed: string[] = [];
    const errors: string[] = [];
    let first = true;
    const sink = {
      write(e: AuditEvent) {
        if (first) return ((first = false), new Promise<void>(() => {})); // cancelled with its request
        landed.push(e.type === 'request.allowed' || e.type === 'request.denied' ? e.path : e.type);
      },
    };
    const trail = new AuditTrail({ sinks: [sink], onError: (e) => errors.push(e.message), clock: systemClock });
    trail.request(allowed('/one'));
    await Promise.resolve(); // the pump takes /one and waits on its write
    vi.clearAllTimers(); // the request ends: its timers are gone
    vi.setSystemTime(Date.now() + 500);
    trail.request(allowed('/two')); // a later request, soon after: still waiting, as for a slow sink
    await Promise.resolve();
    expect(landed).toEqual([]);
    vi.setSystemTime(Date.now() + 3_000); // past twice the timeout and a second
    trail.request(allowed('/three'));
    await Promise.resolve();
    await Promise.resolve();
    expect(landed).toEqual(['/two', '/three']);
    expect(errors).toEqual([expect.stringMatching(/^Audit delivery stalled: .*delivery resumed$/)]);
  });
});
