/**
 * A provider key list naming one `key_identifier` twice (a rotation overlap on the provider's side:
 * the outgoing and the incoming key published under the same id) is read as the provider means it:
 * a report signed by either key verifies. Keeping the last key of that id (a Map) answered a
 * report signed by the other 401 (the provider gives up; the leaked token stayed live). A
 * signature by neither key is still 401 and touches nothing. Only the provider's key endpoint is
 * played (test/leaks-fixture.ts); the keycard, store and audit are real.
 */
import { describe, expect, it } from 'vitest';
import { leakFixture, providerKey, sign } from './leaks-fixture.ts';

describe('leak intake: two provider keys under one key_identifier', () => {
  for (const order of ['outgoing first', 'outgoing last'] as const) {
    it(`a report signed by either key revokes the token (${order} in the list)`, async () => {
      const f = await leakFixture();
      const twin = await providerKey('k1'); // same id, another key pair
      if (order === 'outgoing first') f.published.push(twin);
      else f.published.unshift(twin);
      for (const signer of [f.key, twin]) {
        const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
        const res = await f.handler(await f.report(f.body([live.token]), { key: signer }));
        expect([signer === twin ? 'twin' : 'first', res.status]).toEqual([signer === twin ? 'twin' : 'first', 200]);
        expect((await f.keycard.get(live.record.id))?.revokedReason).toBe('leaked');
      }
      expect(f.fetches()).toBe(1);
      await f.keycard.close();
    });
  }

  it('a signature by a third key under the same id is still 401, with no store I/O', async () => {
    const f = await leakFixture();
    f.published.push(await providerKey('k1'));
    const stranger = await providerKey('k1');
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const calls = f.storeCalls();
    const body = f.body([live.token]);
    const req = await f.report(body, { headers: { 'github-public-key-signature': await sign(stranger, body) } });
    const res = await f.handler(req);
    expect(res.status).toBe(401);
    expect(f.storeCalls()).toBe(calls);
    expect((await f.keycard.get(live.record.id))?.revokedAt).toBeNull();
    await f.keycard.close();
  });
});
