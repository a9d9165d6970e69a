/**
 * A memory token store whose every read and write answers when fast-check's scheduler says: each
 * call runs at once, and its answer reaches keycard as one scheduled task, so keycard sees the
 * store's answers in every order the scheduler picks. `alsoScheduled` names further methods
 * answered the same way (e.g. `revokeAllIfCount`); the rest answer at once.
 */
import type { fc } from '@fast-check/vitest';
import type { MemoryTokenStore, TokenStore } from '../src/index.ts';

const SCHEDULED = ['create', 'findByHash', 'findByAnyHash', 'get', 'list', 'update', 'revoke', 'revokeAll', 'touch'];
const AT_ONCE = ['rehash', 'announceOwner', 'subscribe', 'close', 'revokeAllIfCount'];

export function scheduledStore(
  s: fc.Scheduler,
  inner: MemoryTokenStore,
  alsoScheduled: readonly string[] = [],
): TokenStore {
  const out: Record<string, unknown> = { shared: false };
  const all = inner as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of AT_ONCE) out[name] = all[name]!.bind(inner);
  for (const name of [...SCHEDULED, ...alsoScheduled]) {
    const f = all[name]!.bind(inner);
    out[name] = s.scheduleFunction(async (...a: unknown[]) => f(...a));
  }
  return out as unknown as TokenStore;
}
