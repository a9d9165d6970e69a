/**
 * `updateWatched` in both orders (test/device-late.test.ts drives the routes in the common one):
 * the write lands after the deadline's rejection reached the caller, or lands in between — the
 * deadline has fired but the caller has not yet given up — which fake timers reach by firing the
 * deadline and the store's answer back to back, before any promise callback runs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeviceContext } from './context.ts';
import type { PendingGrant } from './grant-store.ts';
import { updateWatched } from './late-answer.ts';

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
afterEach(() => vi.useRealTimers());

const grant = { id: 'dg_1', status: 'approved' } as unknown as PendingGrant;

/** A context whose store answers `answer` after `ms` (fake time), with a 50 ms deadline. */
function context(ms: number, answer: PendingGrant | null) {
  const reports: unknown[] = [];
  const store = { update: () => new Promise((resolve) => setTimeout(() => resolve(answer), ms)) };
  const ctx = { unguardedStore: store, timeoutMs: 50, report: (e: unknown) => reports.push(e) };
  return { ctx: ctx as unknown as DeviceContext, reports };
}

/** `together`: the deadline and the store's answer fire back to back, no promise callback in between. */
async function run(ms: number, answer: PendingGrant | null, together = false) {
  const { ctx, reports } = context(ms, answer);
  const onLate = vi.fn(() => Promise.resolve());
  const call = updateWatched(ctx, 'hash', 1, { status: 'approved' } as never, onLate);
  const outcome = call.then(
    (g) => ({ ok: true as const, g }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  await vi.advanceTimersByTimeAsync(0); // the write starts (a microtask), arming the store's timer
  if (together) vi.advanceTimersByTime(ms);
  await vi.advanceTimersByTimeAsync(ms);
  return { result: await outcome, onLate, reports };
}

describe('updateWatched', () => {
  it('a write landing between the deadline and the caller giving up is audited once', async () => {
    const { result, onLate } = await run(50, grant, true);
    expect(result).toMatchObject({ ok: false, e: { code: 'unavailable' } });
    expect(onLate).toHaveBeenCalledTimes(1);
    expect(onLate).toHaveBeenCalledWith(grant);
  });

  it('a write landing after the caller gave up is audited once', async () => {
    const { result, onLate } = await run(80, grant);
    expect(result.ok).toBe(false);
    expect(onLate).toHaveBeenCalledTimes(1);
  });

  it('a write answered in time, or landing as "changed meanwhile" (null), is not audited late', async () => {
    const inTime = await run(10, grant);
    expect(inTime.result).toEqual({ ok: true, g: grant });
    expect(inTime.onLate).not.toHaveBeenCalled();
    const changed = await run(80, null);
    expect(changed.onLate).not.toHaveBeenCalled();
  });
});
