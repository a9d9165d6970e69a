/**
 * A rotation whose claim (the versioned shortening of the old token) lost its answer settles it
 * by reading the token back (src/lifecycle/settle.ts). With a grace past the token's remaining
 * life the claim asks for the expiry the token already has, so a read-back looking at the version
 * and expiry alone took any other update of that version (a narrowing of its scopes) for the
 * claim: the rotation answered with a successor keeping the grant the update had just taken away.
 */
import { describe, expect, it } from 'vitest';
import type { TokenPatch, TokenStore } from '../src/core/store.ts';
import { createKeycard, defineScopes, memoryTokenStore } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';

const scopes = defineScopes({ read: {}, comments: { implies: ['read'] } }, { defaults: ['read'] });
const DAY = 86_400_000;

/**
 * A memory store whose first claim-shaped update (only `expiresAt`, at a version) loses its
 * answer: with `meanwhile`, that update of another call lands instead and the claim is never
 * written; without, the claim itself lands. Either way the call throws.
 */
function storeWithLostClaim(meanwhile: TokenPatch | null) {
  const inner = memoryTokenStore();
  let armed = true;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'update') return value;
      return async (id: string, patch: TokenPatch, version: number) => {
        if (!armed || Object.keys(patch).join() !== 'expiresAt') return target.update(id, patch, version);
        armed = false;
        await target.update(id, meanwhile ?? patch, version);
        throw new Error('connection reset by peer');
      };
    },
  }) as TokenStore;
}

describe('a rotation whose claim answer is lost, while another update lands', () => {
  for (const [name, meanwhile] of [
    ['a narrowing of its scopes', { scopes: ['read'] }],
    ['a new label', { label: 'renamed' }],
    ['new restrictions', { restrictions: { company: ['c1'] } }],
  ] as const) {
    it(`${name}: the rotation answers conflict, and no successor keeps the old grant`, async () => {
      const store = storeWithLostClaim(meanwhile as TokenPatch);
      const keycard = createKeycard({ prefix: 'acme', scopes, store, clock: fakeClock() });
      const t = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['comments'], expiresIn: 30 * DAY });
      // A grace past the token's life: the claim asks for the expiry the token already has.
      await expect(keycard.rotate(t.record.id, { graceMs: 31 * DAY })).rejects.toMatchObject({ code: 'conflict' });
      const live = (await keycard.list({ ownerId: 'u1', status: 'active' })).records;
      expect(live.map((r) => r.id)).toEqual([t.record.id]);
      expect((await keycard.get(t.record.id))!).toMatchObject(meanwhile);
      await keycard.close();
    });
  }

  it('the claim itself landed (its answer lost): the rotation succeeds, as before', async () => {
    const store = storeWithLostClaim(null);
    const keycard = createKeycard({ prefix: 'acme', scopes, store, clock: fakeClock() });
    const t = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['comments'], expiresIn: 30 * DAY });
    const r = await keycard.rotate(t.record.id, { graceMs: 31 * DAY });
    expect(r.record.scopes).toEqual(['comments']);
    expect(await keycard.verify(r.token)).toMatchObject({ ok: true });
    await keycard.close();
  });
});
