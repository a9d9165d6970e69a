/**
 * `createKeycard` refuses a `store` or `limiter` that lacks a method its port requires, at start,
 * naming the field and every missing method. Before, `createKeycard({ store: {} })` was accepted
 * and the first `issue()` answered `unavailable` ("Token store create failed"); a limiter without
 * `consume` turned every request into a 503.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryLimiter, memoryTokenStore } from '../src/index.ts';
import { expectConfigError } from './config-errors.ts';

const scopes = defineScopes({ read: {} });
const base = { prefix: 'acme', scopes, onWarning: () => {} };
const STORE_METHODS = [
  'create',
  'findByHash',
  'get',
  'list',
  'update',
  'revoke',
  'revokeAll',
  'touch',
  'rehash',
  'announceOwner',
];

const refused = (options: Record<string, unknown>, message: string, invalid = Object.keys(options)) =>
  expectConfigError(() => createKeycard({ ...base, ...options } as never), {
    where: 'createKeycard',
    invalid,
    unknown: [],
    message,
  });

describe("createKeycard refuses a store or limiter without its port's methods", () => {
  it('an empty store: every required method named', async () => {
    await refused({ store: {} }, `createKeycard: store: lacks the TokenStore methods ${STORE_METHODS.join(', ')}`);
  });

  it.each(STORE_METHODS)('a store without %s: that one named', async (method) => {
    const store = { ...memoryTokenStore() } as Record<string, unknown>;
    for (const m of STORE_METHODS) store[m] = (store[m] as () => unknown).bind(store);
    store[method] = method === 'get' ? 'not a function' : undefined;
    await refused({ store }, `createKeycard: store: lacks the TokenStore method ${method}`);
  });

  it('an empty limiter: consume named', async () => {
    await refused({ limiter: {} }, 'createKeycard: limiter: lacks the LimiterStore method consume');
  });

  it('both, with another bad option: each named in the one error', async () => {
    const message = await refused(
      { store: { ...memoryTokenStore(), rehash: 1, touch: null }, limiter: { size: () => 0 }, cacheSize: -1 },
      'createKeycard: store: lacks the TokenStore methods touch, rehash; ' +
        'limiter: lacks the LimiterStore method consume; ' +
        'cacheSize: Too small: expected number to be >=0',
    );
    expect(message).not.toContain('undefined');
  });

  it('a store whose methods live on its prototype (a class instance) is accepted', async () => {
    const inner = memoryTokenStore();
    class Store {
      readonly shared = false;
    }
    for (const m of STORE_METHODS)
      Object.defineProperty(Store.prototype, m, {
        value: (...a: unknown[]) => (inner as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!(...a),
      });
    class Limiter {
      private readonly inner = memoryLimiter();
      consume(key: string, limit: number, window: number) {
        return this.inner.consume(key, limit, window);
      }
    }
    const keycard = createKeycard({ ...base, store: new Store() as never, limiter: new Limiter() });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
    expect((await keycard.verify(token)).ok).toBe(true);
    await keycard.close();
  });
});
