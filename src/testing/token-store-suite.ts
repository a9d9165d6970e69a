/**
 * The conformance suite of the `TokenStore` port (SPEC §6): every law the core relies on, written
 * once, run against the memory store here and against any adapter a user writes. It imports no
 * test runner and no property-testing library at runtime: the caller passes both.
 */
import type { TokenStore } from '../core/store.ts';
import { crudSection } from './token-store-suite-crud.ts';
import {
  suiteContext,
  type TokenStoreConformanceOptions,
  type TokenStoreSuiteRunner,
} from './token-store-suite-helpers.ts';
import { listSection } from './token-store-suite-list.ts';
import { liveCountSection } from './token-store-suite-live-count.ts';
import { racesSection } from './token-store-suite-races.ts';
import { revokeAllIfCountSection } from './token-store-suite-revoke-all-if.ts';
import { subscribeSection } from './token-store-suite-subscribe.ts';
import { writesSection } from './token-store-suite-writes.ts';
import { checkSuite } from './arguments.ts';

export type { TokenStoreConformanceOptions, TokenStoreSuiteRunner } from './token-store-suite-helpers.ts';
export {
  crudSection,
  listSection,
  liveCountSection,
  racesSection,
  revokeAllIfCountSection,
  subscribeSection,
  suiteContext,
  writesSection,
};

/**
 * Registers the `TokenStore` conformance suite: create/get/findByHash round trips and uniqueness,
 * `list` order, filters, status and keyset paging (1,200 records, records inserted mid-paging),
 * versioned `update`, idempotent `revoke`, `revokeAll` by owner and by workspace, monotone `touch`,
 * guarded `rehash`, `subscribe` deliveries, races (50 updates on one version, updates and
 * touches racing a revoke, 100 concurrent creates), the optional `revokeAllIfCount`: one
 * atomic count-and-revoke, raced against a create, a revoke and itself, and what both count: the
 * tokens live at the call's instant (an expired, unrevoked token is revoked but not counted).
 *
 * Every test calls `factory` for a fresh store and disposes of it afterwards (`options.cleanup`, or
 * `store.close()`). The suite never assumes the store is empty: ids, hashes, owners and workspaces
 * carry random suffixes and every `list` is filtered by one of them, so the factory may hand back
 * a connection to a shared, long-lived database. Methods may answer synchronously or with a
 * promise; the suite awaits both. The `subscribe` tests pass vacuously on a store without
 * `subscribe`, and wait for deliveries with a bounded poll (2 s), never a fixed sleep.
 *
 * @example Running it on your own adapter under vitest
 * ```ts
 * import { tokenStoreConformance } from 'keycard/testing';
 * import { describe, it, expect } from 'vitest';
 * import * as fc from 'fast-check';
 *
 * tokenStoreConformance('my store', { describe, it, expect }, () => myStore(), { fc });
 * ```
 */
export function tokenStoreConformance(
  name: string,
  t: TokenStoreSuiteRunner,
  factory: () => TokenStore | Promise<TokenStore>,
  options: TokenStoreConformanceOptions = {},
): void {
  checkSuite('tokenStoreConformance', name, t, factory);
  const ctx = suiteContext(t, factory, options);
  t.describe(`TokenStore conformance: ${name}`, () => {
    crudSection(ctx);
    listSection(ctx);
    writesSection(ctx);
    subscribeSection(ctx);
    racesSection(ctx);
    revokeAllIfCountSection(ctx);
    liveCountSection(ctx);
  });
}
