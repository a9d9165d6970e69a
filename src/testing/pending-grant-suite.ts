import type { PendingGrant, PendingGrantStore } from '../device/grant-store.ts';
import type { SuiteRunner } from './limiter-suite.ts';
import { checkArguments } from '../core/arguments-check.ts';
import { checkSuite } from './arguments.ts';

/** Options of {@link pendingGrantStoreConformance}. */
export interface PendingGrantConformanceOptions {
  /** Concurrent callers in the race tests (`take`, `update`). @default 16 */
  concurrency?: number;
}

const hex = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');
const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const userCode = () => Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => ALPHABET[b % 20]).join('');

/** A fresh pending grant with unique codes; `over` replaces fields. */
export function pendingGrantFixture(over: Partial<PendingGrant> = {}): PendingGrant {
  const ok = typeof over === 'object' && over !== null;
  checkArguments('pendingGrantFixture', ['over', ok, 'an object of PendingGrant fields', over]);
  return {
    deviceCodeHash: hex(),
    id: `dg_${hex().slice(0, 16)}`,
    userCode: userCode(),
    clientName: 'acme-cli',
    host: 'laptop.local',
    scopes: ['read', 'comments'],
    restrictions: { company: ['c1'], project: ['p1', 'p2'] },
    tokenLifetimeMs: 90 * 86_400_000,
    createdAt: 1_767_225_600_000,
    expiresAt: 1_767_225_600_000 + 600_000,
    interval: 5,
    lastPolledAt: null,
    status: 'pending',
    decidedBy: null,
    approverScopes: null,
    grantedScopes: null,
    tokenExpiresAt: null,
    version: 1,
    ...over,
  };
}

/**
 * The conformance suite every {@link PendingGrantStore} must pass: round trips of every field
 * (the version `create` is given included), refused duplicates (device-code hash and user code),
 * compare-and-set updates that change only what they name, `take` handing a grant to exactly one of many concurrent callers, and `prune`
 * (at its bound, not a millisecond past it, freeing the user codes it deletes). It imports no
 * test runner.
 *
 * The factory is called once per test and may return the same store each time (the suite uses
 * random codes, so a shared database is fine); a store with `close` is not closed by the suite.
 *
 * @example Running it under vitest
 * ```ts
 * import { describe, it, expect } from 'vitest';
 * import { memoryPendingGrantStore } from 'keycard';
 * import { pendingGrantStoreConformance } from 'keycard/testing';
 * pendingGrantStoreConformance('memory', { describe, it, expect }, () => memoryPendingGrantStore());
 * ```
 */
export function pendingGrantStoreConformance(
  name: string,
  t: SuiteRunner,
  factory: () => PendingGrantStore | Promise<PendingGrantStore>,
  options: PendingGrantConformanceOptions = {},
): void {
  checkSuite('pendingGrantStoreConformance', name, t, factory);
  const n = options.concurrency ?? 16;
  const { describe, it, expect } = t;
  describe(`PendingGrantStore conformance: ${name}`, () => {
    it('create then get and getByUserCode answer every field as stored', async () => {
      const store = await factory();
      const g = pendingGrantFixture();
      expect(await store.create(g)).toBe(true);
      expect(await store.get(g.deviceCodeHash)).toEqual(g);
      expect(await store.getByUserCode(g.userCode)).toEqual(g);
      const bare = pendingGrantFixture({ restrictions: null, tokenLifetimeMs: null, scopes: [] });
      expect(await store.create(bare)).toBe(true);
      expect(await store.get(bare.deviceCodeHash)).toEqual(bare);
    });

    it('unknown codes answer null', async () => {
      const store = await factory();
      expect(await store.get(hex())).toBe(null);
      expect(await store.getByUserCode(userCode())).toBe(null);
      expect(await store.update(hex(), 1, { interval: 10 })).toBe(null);
      expect(await store.take(hex())).toBe(null);
    });

    it('create refuses a taken device-code hash or user code, storing nothing', async () => {
      const store = await factory();
      const g = pendingGrantFixture();
      expect(await store.create(g)).toBe(true);
      const sameHash = pendingGrantFixture({ deviceCodeHash: g.deviceCodeHash });
      expect(await store.create(sameHash)).toBe(false);
      expect(await store.getByUserCode(sameHash.userCode)).toBe(null);
      const sameCode = pendingGrantFixture({ userCode: g.userCode });
      expect(await store.create(sameCode)).toBe(false);
      expect(await store.get(sameCode.deviceCodeHash)).toBe(null);
      expect(await store.get(g.deviceCodeHash)).toEqual(g);
    });

    it('update applies the patch iff the version matches, and bumps the version', async () => {
      const store = await factory();
      const g = pendingGrantFixture();
      await store.create(g);
      const approved = await store.update(g.deviceCodeHash, 1, {
        status: 'approved',
        decidedBy: 'u1',
        decidedAt: g.createdAt + 4000, // the approval instant: the token is issued as of it
        approverScopes: ['read', 'comments', 'tickets:write'],
        grantedScopes: ['read'],
        tokenExpiresAt: g.createdAt + 86_400_000,
        lastPolledAt: g.createdAt + 5000,
      });
      const expected = {
        ...g,
        status: 'approved',
        decidedBy: 'u1',
        decidedAt: g.createdAt + 4000,
        approverScopes: ['read', 'comments', 'tickets:write'],
        grantedScopes: ['read'],
        tokenExpiresAt: g.createdAt + 86_400_000,
        lastPolledAt: g.createdAt + 5000,
        version: 2,
      };
      expect(approved).toEqual(expected);
      expect(await store.get(g.deviceCodeHash)).toEqual(expected);
      expect(await store.update(g.deviceCodeHash, 1, { status: 'denied' })).toBe(null);
      expect((await store.get(g.deviceCodeHash))?.status).toBe('approved');
      // A later update changes what it names and nothing else: the approval above stays.
      const slowed = { ...expected, interval: 10, version: 3 };
      expect(await store.update(g.deviceCodeHash, 2, { interval: 10 })).toEqual(slowed);
      expect(await store.get(g.deviceCodeHash)).toEqual(slowed);
      expect(await store.getByUserCode(g.userCode)).toEqual(slowed);
    });

    createKeepsVersion(t, factory);

    it('of concurrent updates at one version, exactly one wins', async () => {
      const store = await factory();
      const g = pendingGrantFixture();
      await store.create(g);
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => store.update(g.deviceCodeHash, 1, { lastPolledAt: g.createdAt + i })),
      );
      expect(results.filter((r) => r !== null).length).toBe(1);
      expect((await store.get(g.deviceCodeHash))?.version).toBe(2);
    });

    it('take deletes and answers the grant, to exactly one of concurrent callers', async () => {
      const store = await factory();
      const g = pendingGrantFixture();
      await store.create(g);
      const results = await Promise.all(Array.from({ length: n }, () => store.take(g.deviceCodeHash)));
      const winners = results.filter((r) => r !== null);
      expect(winners.length).toBe(1);
      expect(winners[0]).toEqual(g);
      expect(await store.get(g.deviceCodeHash)).toBe(null);
      expect(await store.getByUserCode(g.userCode)).toBe(null);
      // The user code is free again.
      expect(await store.create(pendingGrantFixture({ userCode: g.userCode }))).toBe(true);
    });

    it('prune deletes the grants expired at the given time, and only those, freeing their user codes', async () => {
      const store = await factory();
      // Far in the past, so other tests' grants sharing the store are not touched.
      const old = pendingGrantFixture({ createdAt: 1000, expiresAt: 2000 });
      const live = pendingGrantFixture({ createdAt: 1000, expiresAt: 4000 });
      const edge = pendingGrantFixture({ createdAt: 1000, expiresAt: 2001 }); // expires a millisecond after
      await store.create(old);
      await store.create(live);
      await store.create(edge);
      expect(await store.prune(2000)).toBeLessThanOrEqual(1);
      expect(await store.get(old.deviceCodeHash)).toBe(null);
      expect(await store.getByUserCode(old.userCode)).toBe(null);
      expect(await store.get(live.deviceCodeHash)).toEqual(live);
      expect(await store.get(edge.deviceCodeHash)).toEqual(edge);
      // The pruned grant's user code is free again, as after a take.
      const reuse = pendingGrantFixture({ userCode: old.userCode });
      expect(await store.create(reuse)).toBe(true);
      for (const g of [live, edge, reuse]) await store.take(g.deviceCodeHash);
    });
  });
}

/** A put-back (a token not issued yet) is stored one version past the take: an older write loses. */
function createKeepsVersion(t: SuiteRunner, factory: () => PendingGrantStore | Promise<PendingGrantStore>): void {
  const { it, expect } = t;
  it('create keeps the version it is given, so a grant put back after a take goes on counting', async () => {
    const store = await factory();
    const g = pendingGrantFixture({ status: 'approved', decidedBy: 'u1', grantedScopes: ['read'], version: 3 });
    expect(await store.create(g)).toBe(true);
    expect(await store.get(g.deviceCodeHash)).toEqual(g);
    for (const stale of [1, 2]) expect(await store.update(g.deviceCodeHash, stale, { status: 'denied' })).toBe(null);
    expect(await store.update(g.deviceCodeHash, 3, { interval: 10 })).toEqual({ ...g, interval: 10, version: 4 });
    expect(await store.take(g.deviceCodeHash)).toEqual({ ...g, interval: 10, version: 4 });
  });
}
