import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditStoreConformance } from '../testing/audit-store-suite.ts';
import { memoryAuditStore } from './audit-memory.ts';
import { KeycardError } from './errors.ts';

auditStoreConformance(
  'memory',
  { describe, it, expect },
  ({ requests, clock }) => memoryAuditStore({ requests, clock: { now: clock.now, monotonic: clock.now } }),
  { fc, runs: 100 },
);

describe('memoryAuditStore options', () => {
  it('refuses unknown and bad options, naming the field', () => {
    expect(() => memoryAuditStore({ maxEvents: 0 })).toThrow(/maxEvents/);
    expect(() => memoryAuditStore({ bogus: true } as never)).toThrow(KeycardError);
    expect(() => memoryAuditStore({ requests: 'some' as never })).toThrow(/requests/);
  });

  it('keeps at most maxEvents, the oldest dropped first', async () => {
    const store = memoryAuditStore({ maxEvents: 10 });
    const at = Date.UTC(2030, 0, 1);
    await store.append(
      Array.from({ length: 25 }, (_, i) => ({
        type: 'token.issued' as const,
        time: new Date(at + i).toISOString(),
        tokenId: `t${i}`,
        label: null,
        ownerId: null,
        workspaceId: null,
        actor: { kind: 'system' as const, id: null },
      })),
    );
    expect(store.size).toBeLessThanOrEqual(10);
    const { events } = await store.query({ limit: 500 });
    expect(events[0]!.tokenId).toBe('t24');
  });
});
