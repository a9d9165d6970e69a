/**
 * Issue 11, item 12: adopting a pepper on a deployment whose tokens are unpeppered. The
 * unpeppered generation is listed as `{ version: 0 }` (no secret) after the new pepper: old tokens
 * keep verifying and are re-hashed under the pepper on their next verification, like any retiring
 * pepper; once every token moved, `{ version: 0 }` is removed.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, KeycardError, memoryTokenStore } from '../src/index.ts';
import { createHasher } from '../src/store-kit.ts';
import { sha256Hex } from '#hash';
import { toadoScopes } from './helpers.ts';

const PEPPER = { version: 1, secret: 'a-new-pepper-of-at-least-32-bytes!!' };

describe('adopting a pepper on unpeppered tokens', () => {
  it('{ version: 0 } retires the unpeppered generation: old tokens verify, are re-hashed, then verify without it', async () => {
    const store = memoryTokenStore();
    const before = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store });
    const { token, record } = await before.issue({ ownerId: 'u1', label: 'ci' });
    await before.close();
    expect((await store.get(record.id))!).toMatchObject({ pepperVersion: 0, hash: sha256Hex(token) });

    const adopting = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, peppers: [PEPPER, { version: 0 }] });
    expect((await adopting.verify(token)).ok).toBe(true);
    const fresh = await adopting.issue({ ownerId: 'u1', label: 'new' });
    await adopting.close(); // flushes the background re-hash
    const moved = (await store.get(record.id))!;
    expect(moved.pepperVersion).toBe(1);
    expect(moved.hash).toBe(createHasher([PEPPER]).hash(token));
    expect((await store.get(fresh.record.id))!.pepperVersion).toBe(1);

    const after = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, peppers: [PEPPER] });
    expect((await after.verify(token)).ok).toBe(true);
    expect((await after.verify(fresh.token)).ok).toBe(true);
    await after.close();
  });

  it('a version 0 with a secret, or listed twice, is refused', () => {
    expect(() => createHasher([PEPPER, { version: 0, secret: 'x'.repeat(40) } as never])).toThrow(KeycardError);
    expect(() => createHasher([PEPPER, { version: 0 }, { version: 0 }])).toThrow(/listed twice/);
    expect(createHasher([PEPPER, { version: 0 }]).retiringVersions).toEqual([0]);
  });
});
