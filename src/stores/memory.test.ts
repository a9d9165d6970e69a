import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeycardError } from '../core/errors.ts';
import type { StoreChange } from '../core/store.ts';
import { storedTokenFixture } from '../testing/fixtures.ts';
import { tokenStoreConformance } from '../testing/token-store-suite.ts';
import { memoryTokenStore } from './memory.ts';

tokenStoreConformance('memory', { describe, it, expect }, () => memoryTokenStore(), { fc });
tokenStoreConformance('memory, without fast-check (seeded PRNG)', { describe, it, expect }, () => memoryTokenStore());

describe('memoryTokenStore specifics', () => {
  it('implements revokeAllIfCount, so "Revoke all" with a confirmed count is exact', () => {
    expect(typeof memoryTokenStore().revokeAllIfCount).toBe('function');
  });

  it('answers synchronously, so the hot path needs no await', () => {
    const store = memoryTokenStore();
    const token = storedTokenFixture();
    const answers = [store.create(token), store.findByHash(token.hash), store.get(token.id)];
    expect(answers.some((a) => a instanceof Promise)).toBe(false);
    expect(answers).toEqual([undefined, token, token]);
    expect(store.size).toBe(1);
    expect(store.shared).toBe(false);
  });

  it('delivers a change to subscribers before the write returns', async () => {
    const store = memoryTokenStore();
    const token = storedTokenFixture();
    await store.create(token);
    const seen: StoreChange[] = [];
    await store.subscribe!((change) => seen.push(change));
    const revoked = store.revoke(token.id, 1, null);
    expect(seen).toEqual([
      { type: 'token', seq: 1, id: token.id, hash: token.hash, version: token.version + 1, revoked: true },
    ]);
    expect(await revoked).toEqual({
      ...token,
      revokedAt: 1,
      revokedReason: null,
      version: token.version + 1,
      revokedNow: true,
    });
  });

  it('a subscriber that throws neither fails the write nor starves the other subscribers', async () => {
    const store = memoryTokenStore();
    const seen: string[] = [];
    await store.subscribe!(() => {
      throw new Error('subscriber bug');
    });
    await store.subscribe!((change) => seen.push(change.type));
    await store.announceOwner('usr_1');
    expect(seen).toEqual(['owner']);
  });

  it('close() drops every subscriber', async () => {
    const store = memoryTokenStore();
    const seen: StoreChange[] = [];
    await store.subscribe!((change) => seen.push(change));
    await store.close!();
    await store.announceOwner('usr_1');
    expect(seen).toEqual([]);
  });

  it('rejects a cursor it did not issue with invalid_argument', async () => {
    const store = memoryTokenStore();
    await store.create(storedTokenFixture());
    for (const cursor of ['not base64 json', btoa('{"a":1}'), btoa('[1]')]) {
      let error: unknown;
      try {
        await store.list({ now: 0, limit: 10, cursor });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KeycardError);
      expect((error as KeycardError).code).toBe('invalid_argument');
    }
  });
});
