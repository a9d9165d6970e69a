import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createKeycard, memoryTokenStore, type TokenStore } from './index.ts';
import { toadoScopes } from '../test/helpers.ts';

const SCHEDULED = ['findByHash', 'get', 'update', 'revoke', 'touch'] as const;

/** A memory store whose data calls resolve in whatever order the fast-check scheduler picks. */
function scheduledStore(s: fc.Scheduler, inner = memoryTokenStore()): TokenStore {
  const wrapped = { ...inner, shared: false } as unknown as Record<string, unknown>;
  for (const name of Object.keys(inner) as (keyof TokenStore)[]) {
    const f = inner[name];
    if (typeof f === 'function') wrapped[name] = (f as (...a: unknown[]) => unknown).bind(inner);
  }
  for (const name of SCHEDULED) {
    const f = (inner[name] as (...a: unknown[]) => unknown).bind(inner);
    wrapped[name] = s.scheduleFunction(async (...args: unknown[]) => f(...args));
  }
  return wrapped as unknown as TokenStore;
}

const setup = async (s: fc.Scheduler) => {
  const plain = memoryTokenStore();
  const store = scheduledStore(s, plain);
  const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, onWarning: () => {}, onError: () => {} });
  // Issue through the unscheduled path so setup itself does not need the scheduler.
  const issuer = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store: plain, onWarning: () => {} });
  const issued = await issuer.issue({ ownerId: 'u', label: 'agent', scopes: ['comments'] });
  return { kc, issued };
};

describe('races (fc.scheduler)', () => {
  test.prop([fc.scheduler(), fc.integer({ min: 0, max: 3 })], { numRuns: 200 })(
    'after revoke() resolves, the next verify() fails even with the cache warm and verifies in flight',
    async (s, inFlight) => {
      const { kc, issued } = await setup(s);
      const warm = kc.verify(issued.token);
      await s.waitFor(warm);
      expect((await warm).ok).toBe(true);
      const concurrent = Array.from({ length: inFlight }, () => kc.verify(issued.token));
      const revoked = kc.revoke(issued.record.id);
      await s.waitFor(revoked);
      const after = kc.verify(issued.token);
      await s.waitAll();
      await Promise.all(concurrent);
      expect(await after).toEqual({ ok: false, code: 'token_revoked' });
      const later = kc.verify(issued.token);
      await s.waitAll();
      expect(await later).toEqual({ ok: false, code: 'token_revoked' });
    },
  );

  test.prop([fc.scheduler()], { numRuns: 200 })(
    'a verify() that started before the revoke cannot put the revoked record back',
    async (s) => {
      const { kc, issued } = await setup(s);
      const early = kc.verify(issued.token); // cold cache: it reads the store
      const revoked = kc.revoke(issued.record.id);
      await s.waitAll();
      await Promise.all([early, revoked]);
      const next = kc.verify(issued.token);
      await s.waitAll();
      expect(await next).toEqual({ ok: false, code: 'token_revoked' });
    },
  );

  test.prop([fc.scheduler(), fc.constantFrom('update', 'touch')], { numRuns: 200 })(
    'a touch or update racing a revoke always ends revoked',
    async (s, kind) => {
      const { kc, issued } = await setup(s);
      const racer =
        kind === 'update'
          ? kc.update(issued.record.id, { label: 'renamed', scopes: ['read'] }).catch(() => null)
          : kc.verify(issued.token); // verify() is what touches lastUsedAt
      const revoked = kc.revoke(issued.record.id);
      // close() waits for the background lastUsedAt write, so the touch has landed by then.
      const settled = Promise.all([racer, revoked]).then(() => kc.close());
      await s.waitFor(settled);
      const record = kc.get(issued.record.id);
      await s.waitFor(record);
      const final = await record;
      expect(final!.revokedAt).not.toBeNull();
      const v = kc.verify(issued.token);
      await s.waitFor(v);
      expect((await v).ok).toBe(false);
    },
  );
});
