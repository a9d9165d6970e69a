/** The instance's list, pepper rotation and error surface (split from keycard.test.ts). */
import { describe, expect, it, vi } from 'vitest';
import { createKeycard, defineScopes, KeycardError, memoryTokenStore } from './index.ts';
import { fakeClock } from './testing/clock.ts';
import { toadoScopes } from '../test/helpers.ts';

const base = () => ({ prefix: 'acme', scopes: toadoScopes(), onWarning: () => {} });

describe('peppers', () => {
  it('v1 tokens verify after v2 becomes current (and are re-hashed), and fail once v1 is retired', async () => {
    const store = memoryTokenStore();
    const v1 = { version: 1, secret: 'one'.repeat(11) };
    const v2 = { version: 2, secret: 'two'.repeat(11) };
    const first = createKeycard({ ...base(), store, peppers: [v1] });
    const old = await first.issue({ ownerId: 'u', label: 'old' });
    const stillOld = await first.issue({ ownerId: 'u', label: 'never used' });
    expect((await store.get(old.record.id))!.pepperVersion).toBe(1);
    const rotated = createKeycard({ ...base(), store, peppers: [v2, v1] });
    expect((await rotated.verify(old.token)).ok).toBe(true);
    await rotated.close();
    expect((await store.get(old.record.id))!.pepperVersion).toBe(2);
    const retired = createKeycard({ ...base(), store, peppers: [v2] });
    expect((await retired.verify(old.token)).ok).toBe(true);
    expect(await retired.verify(stillOld.token)).toEqual({ ok: false, code: 'invalid_token' });
  });
});

describe('list', () => {
  it('pages through 1,200 tokens with no duplicate and no gap, never showing hashes', async () => {
    const clock = fakeClock();
    const kc = createKeycard({ ...base(), clock });
    const ids = new Set<string>();
    for (let i = 0; i < 1200; i++) {
      ids.add((await kc.issue({ ownerId: 'many', label: `t${i}` })).record.id);
      if (i % 3 === 0) clock.advance(1);
    }
    await kc.issue({ ownerId: 'someone-else', label: 'x' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof kc.list>> = await kc.list({ ownerId: 'many', limit: 500, cursor });
      for (const r of page.records) {
        expect(r).not.toHaveProperty('hash');
        seen.push(r.id);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(1200);
    expect(new Set(seen)).toEqual(ids);
    await expect(kc.list({ limit: 501 })).rejects.toThrow('limit');
  });

  it('filters by status', async () => {
    const clock = fakeClock();
    const kc = createKeycard({ ...base(), clock });
    const a = await kc.issue({ ownerId: 's', label: 'a' });
    await kc.issue({ ownerId: 's', label: 'b', expiresIn: 5 });
    await kc.issue({ ownerId: 's', label: 'c' });
    await kc.revoke(a.record.id);
    clock.advance(5);
    const labels = async (status: 'active' | 'revoked' | 'expired') =>
      (await kc.list({ ownerId: 's', status })).records.map((r) => r.label);
    expect(await labels('active')).toEqual(['c']);
    expect(await labels('revoked')).toEqual(['a']);
    expect(await labels('expired')).toEqual(['b']);
  });
});

describe('errors', () => {
  it('are KeycardErrors with codes', async () => {
    const kc = createKeycard(base());
    const e = await kc.update('tok_nope', { label: 'x' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KeycardError);
    expect((e as KeycardError).code).toBe('not_found');
  });

  it('warns when the token store is shared but the limiter is in memory', () => {
    const onWarning = vi.fn();
    createKeycard({
      prefix: 'acme',
      scopes: defineScopes({ read: {} }),
      store: { ...memoryTokenStore(), shared: true },
      onWarning,
    });
    expect(onWarning.mock.calls[0]![0]).toMatch(/multiply every limit/);
  });
});
