/**
 * The coalesced reporter's timer (src/core/report.ts): a count that is pending is reported when its
 * window ends on the instance's clock, without waiting for another failure; there is one timer for
 * every pending kind, and none once nothing is pending. The clock is the fake one; vitest's fake
 * timers stand in for `setTimeout` so the test can count the timers that are left.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeClock } from '../testing/clock.ts';
import { ReportThrottle } from './report.ts';

const fail = (what: string) => new Error(`${what}: connection refused`);

function world() {
  const clock = fakeClock();
  const reports: string[] = [];
  const pending = new Set<ReportThrottle>();
  const throttle = new ReportThrottle((e) => void reports.push((e as Error).message), clock, pending);
  /** The second ends on the clock, and the timers that were due by then run. */
  const secondEnds = () => (clock.advance(1000), vi.advanceTimersByTime(1000));
  return { clock, reports, pending, throttle, secondEnds };
}

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
afterEach(() => vi.useRealTimers());

describe('ReportThrottle: a pending count without another failure', () => {
  it('is reported when its second ends, and then no timer is left', () => {
    const { reports, throttle, secondEnds, pending } = world();
    for (let i = 0; i < 40; i++) throttle.report(fail('store'));
    expect(reports).toEqual(['store: connection refused']);
    expect(vi.getTimerCount()).toBe(1);
    expect([...pending]).toEqual([throttle]);
    secondEnds();
    expect(reports).toEqual([
      'store: connection refused',
      '39 more of: "store: connection refused" within a second, not reported individually',
    ]);
    expect(vi.getTimerCount()).toBe(0);
    expect(pending.size).toBe(0);
  });

  it('is not reported before its second ends on the clock', () => {
    const { reports, throttle, clock } = world();
    throttle.report(fail('store'));
    throttle.report(fail('store'));
    vi.advanceTimersByTime(5000); // the timer runs, but the clock says the second is not over
    expect(reports).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1);
    clock.advance(1000);
    vi.advanceTimersByTime(1000);
    expect(reports).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('one timer for every kind and every failure', () => {
    const { reports, throttle, secondEnds } = world();
    for (let i = 0; i < 30; i++) throttle.report(fail(['store', 'session', 'audit'][i % 3]!));
    expect(reports).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(1);
    secondEnds();
    expect(reports.slice(3).sort()).toEqual(
      ['audit', 'session', 'store'].map(
        (w) => `9 more of: "${w}: connection refused" within a second, not reported individually`,
      ),
    );
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a kind whose window ends later keeps the timer until its own end', () => {
    const { reports, throttle, clock } = world();
    throttle.report(fail('store'));
    throttle.report(fail('store'));
    clock.advance(600);
    throttle.report(fail('session'));
    throttle.report(fail('session'));
    clock.advance(400);
    vi.advanceTimersByTime(1000);
    expect(reports).toEqual([
      'store: connection refused',
      'session: connection refused',
      '1 more of: "store: connection refused" within a second, not reported individually',
    ]);
    expect(vi.getTimerCount()).toBe(1);
    clock.advance(600);
    vi.advanceTimersByTime(600);
    expect(reports.at(-1)).toBe('1 more of: "session: connection refused" within a second, not reported individually');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a count reported by the next failure leaves no timer behind', () => {
    const { reports, throttle, clock, pending } = world();
    throttle.report(fail('store'));
    throttle.report(fail('store'));
    clock.advance(1000);
    throttle.report(fail('store')); // reports the count, opens a new window with nothing pending
    expect(reports).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
    expect(pending.size).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(reports).toHaveLength(3);
  });

  it('flush() (at close) reports every count and stops the timer', () => {
    const { reports, throttle, pending } = world();
    for (let i = 0; i < 5; i++) throttle.report(fail('store'));
    throttle.flush();
    expect(reports).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
    expect(pending.size).toBe(0);
  });
});
