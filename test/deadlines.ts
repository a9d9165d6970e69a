/**
 * `AbortSignal.timeout` held by the test: each deadline the code under test sets is recorded (the
 * ms it asked for) and passes only when the test fires it, never by a loaded machine's wall clock.
 * Call in `beforeEach`; `vi.restoreAllMocks()` in `afterEach` gives the real one back.
 */
import { vi } from 'vitest';

/** A deadline the code set: the ms it asked for, and the test's hand on it. */
export interface HeldDeadline {
  readonly ms: number;
  readonly fire: () => void;
}

/** Replaces `AbortSignal.timeout`; returns the deadlines set from now on, in order. */
export function holdDeadlines(): HeldDeadline[] {
  const deadlines: HeldDeadline[] = [];
  vi.spyOn(AbortSignal, 'timeout').mockImplementation((ms) => {
    const controller = new AbortController();
    const reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    deadlines.push({ ms, fire: () => controller.abort(reason) });
    return controller.signal;
  });
  return deadlines;
}
