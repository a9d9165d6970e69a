/**
 * docs/stores.md, checked against the port and its conformance suite (a docs truth audit):
 * - "What the suite checks" names the number of cases the suite registers (it said "about
 *   thirty" when it registered forty-five);
 * - a `subscribe` case waits for a delivery with a bounded poll, up to 2 s, never a hang;
 * - `list`'s `limit` is 1..500 and keycard validates it before calling the store;
 * - without `findByAnyHash`, a lookup is `findByHash` once per pepper generation plus once more;
 * - `keycard.close()` closes the store only when keycard created it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TokenStore } from '../src/core/store.ts';
import { createKeycard, defineScopes, KeycardError, memoryTokenStore } from '../src/index.ts';
import { tokenStoreConformance } from '../src/testing/index.ts';

const page = readFileSync(new URL('../docs/stores.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
const scopes = defineScopes({ read: {} });

/** The suite's cases for `factory`, registered with a runner that only collects them. */
function casesOf(factory: () => TokenStore) {
  const cases: { name: string; fn: () => unknown }[] = [];
  const describe = (_: string, fn: () => void) => fn();
  const it = (name: string, fn: () => unknown) => void cases.push({ name, fn });
  const expect = (actual: unknown) => ({
    toBe: (v: unknown) => {
      if (!Object.is(actual, v)) throw new Error(`${String(actual)} !== ${String(v)}`);
    },
    toEqual: () => {},
    toBeNull: () => {},
    toBeGreaterThan: () => {},
  });
  tokenStoreConformance('doc', { describe, it, expect }, factory, { runs: 1 });
  return cases;
}

const NUMBERS: Record<string, number> = { thirty: 30, forty: 40, 'forty-five': 45, fifty: 50 };

describe('docs/stores.md "Run the conformance suite on your own adapter"', () => {
  it('"What the suite checks" gives the number of cases the suite registers', () => {
    const stated = /### What the suite checks (?:About )?([A-Za-z-]+) cases:/.exec(page)?.[1]?.toLowerCase();
    expect(stated && NUMBERS[stated]).toBe(casesOf(() => memoryTokenStore()).length);
  });

  it('a subscribe case waits for a delivery with a bounded poll: it fails after about 2 s, it does not hang', async () => {
    // A store whose subscribe accepts listeners and never delivers a change.
    const silent = () => Object.assign(memoryTokenStore(), { subscribe: () => () => {} }) as TokenStore;
    const delivery = casesOf(silent).find((c) => c.name.startsWith('delivers update, revoke'))!;
    const started = Date.now();
    const error = await Promise.resolve()
      .then(delivery.fn)
      .catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect((error as Error).message).toMatch(/was not delivered within 2 s/);
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(6_000);
    expect(page).toContain('a bounded poll (every 10 ms, up to 2 s)');
  }, 30_000);
});

describe('docs/stores.md "Method by method": what keycard does around the store', () => {
  it('list: limit 1..500, validated by keycard before the store is called', async () => {
    const limits: number[] = [];
    const inner = memoryTokenStore();
    const store = Object.assign(Object.create(inner) as TokenStore, {
      list: (q: Parameters<TokenStore['list']>[0]) => (limits.push(q.limit), inner.list(q)),
    });
    const keycard = createKeycard({ prefix: 'acme', scopes, store });
    for (const limit of [0, 501, 1.5]) {
      const error = await Promise.resolve(keycard.list({ ownerId: 'u1', limit })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeycardError);
      expect((error as KeycardError).code).toBe('invalid_argument');
    }
    await keycard.list({ ownerId: 'u1', limit: 1 });
    await keycard.list({ ownerId: 'u1', limit: 500 });
    expect(limits).toEqual([1, 500]);
    expect(page).toContain('`limit` is 1..500; keycard validates it before calling the store');
  });

  it('findByAnyHash: one read for every pepper generation; without it findByHash once per generation, plus once more', async () => {
    const peppers = [3, 2, 1].map((version) => ({ version, secret: `pepper-${version}-`.padEnd(40, 'x') }));
    const forged = (
      await createKeycard({ prefix: 'acme', scopes, peppers }).issue({ ownerId: 'u1', label: 'x', scopes: ['read'] })
    ).token;
    const reads = async (withAnyHash: boolean) => {
      const calls: string[] = [];
      const inner = memoryTokenStore();
      const store = Object.assign(Object.create(inner) as TokenStore, {
        findByHash: (h: string) => (calls.push('findByHash'), inner.findByHash(h)),
        findByAnyHash: withAnyHash
          ? (hs: readonly string[]) => (calls.push(`findByAnyHash(${hs.length})`), inner.findByAnyHash!(hs))
          : undefined,
      });
      const keycard = createKeycard({ prefix: 'acme', scopes, store, peppers, negativeCacheSize: 0 });
      expect((await keycard.verify(forged)).ok).toBe(false);
      return calls;
    };
    expect(await reads(true)).toEqual(['findByAnyHash(3)']);
    expect(await reads(false)).toEqual(['findByHash', 'findByHash', 'findByHash', 'findByHash']);
    expect(page).toContain(
      'Without it keycard calls `findByHash` once per generation, plus once more for the current hash.',
    );
  });

  it('keycard.close() closes the store only if keycard created it: a store you pass stays open', async () => {
    let closed = 0;
    const store = Object.assign(memoryTokenStore(), { close: () => void closed++ });
    await createKeycard({ prefix: 'acme', scopes, store }).close();
    expect(closed).toBe(0);
    expect(page).toContain('A store you passed in is yours to close.');
  });
});
