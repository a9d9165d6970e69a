/**
 * POST /tokens/:id/rotate reads the old token again after the rotation to say its new expiry. The
 * rotation is done by then: the old token ends (graceMs 0: at once) and the new secret exists only
 * in this answer. A store that fails that one read must not turn the answer into a 503: the caller
 * would have lost both tokens, the old one expired and the new one's secret never shown.
 */
import { describe, expect, it } from 'vitest';
import { memoryTokenStore, type TokenStore } from '../../src/index.ts';
import { setup } from './fixture.ts';

/** A memory store whose reads fail once `failReads` is set, which the rotation's claim (its update) sets. */
function readsFailAfterClaim() {
  const inner = memoryTokenStore();
  const state = { armed: false, failReads: false };
  const store: TokenStore = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key === 'get')
        return (id: string) => {
          if (state.failReads) return Promise.reject(new Error('ECONNRESET reading the token'));
          return target.get(id);
        };
      if (key === 'update')
        return async (...args: Parameters<TokenStore['update']>) => {
          const out = await target.update(...args);
          if (state.armed) state.failReads = true;
          return out;
        };
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, state };
}

describe('a rotation whose store fails the read after it', () => {
  it.each([0, 60_000])(
    'graceMs %i: 201 with the new secret and the old expiry; the failure is reported',
    async (graceMs) => {
      const { store, state } = readsFailAfterClaim();
      const world = setup({}, store);
      const old = await world.create({ label: 'ci', scopes: ['read'] });
      state.armed = true;
      const res = await world.call('POST', `/tokens/${old.record.id}/rotate`, { body: { graceMs } });
      state.failReads = false;
      expect(res.status).toBe(201);
      const body = (await res.json()) as {
        token: string;
        record: { id: string };
        previous: { id: string; expiresAt: string };
      };
      expect(body.token).toMatch(/^acme_sk_/);
      const after = await world.keycard.get(old.record.id);
      expect(body.previous).toEqual({ id: old.record.id, expiresAt: new Date(after!.expiresAt!).toISOString() });
      expect((await world.keycard.verify(body.token)).ok).toBe(true);
      expect(world.logs.join('\n')).toContain('Token store read failed');
    },
  );
});
