/**
 * The conformance suite of the `TokenStore` port (SPEC §6): every law the core relies on, written
 * once, run against the memory store here and against any adapter a user writes. It imports no
 * test runner and no property-testing library at runtime: the caller passes both.
 */
import type * as FastCheck from 'fast-check';
import type {
  Awaitable,
  ListQuery,
  RevokeAllFilter,
  StoreChange,
  StoredToken,
  TokenPatch,
  TokenStore,
  UpdateResult,
} from '../core/store.ts';
import { WATERMARK_REASON } from '../core/store.ts';
import { FIXTURE_EPOCH, randomHex, storedTokenFixture } from './fixtures.ts';

/**
 * The few test-runner functions the suite calls, typed structurally so vitest, jest, bun and
 * node:test (with any `expect` library, e.g. the `expect` package) all fit without an adapter.
 *
 * The matchers used are exactly `toBe`, `toEqual` (deep, recursive equality), `toBeNull` and
 * `toBeGreaterThan`. Failures to throw are detected by the suite itself (it calls the store and
 * checks that the call threw or rejected), so no `toThrow`/`rejects` support is needed.
 */
export interface TokenStoreSuiteRunner {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>): void;
  expect(actual: unknown): {
    toBe(expected: unknown): void;
    toEqual(expected: unknown): void;
    toBeNull(): void;
    toBeGreaterThan(expected: number): void;
  };
}

/** Options of {@link tokenStoreConformance}. */
export interface TokenStoreConformanceOptions {
  /**
   * The `fast-check` module (an optional peer dependency: pass `import * as fc from 'fast-check'`).
   * With it, the race cases reorder store calls with `fc.scheduler()` and the `touch` law is a
   * shrinking property; without it, the same cases run on a small seeded PRNG.
   * @default undefined
   */
  fc?: typeof FastCheck;
  /**
   * Called after every test with the store the factory made (close connections, drop the test's
   * rows). When given, it replaces the default, which is `store.close?.()`.
   * @default (store) => store.close?.()
   */
  cleanup?: (store: TokenStore) => void | Promise<void>;
  /**
   * Runs of each race and property case. Each run creates a handful of records; lower it for a
   * slow remote store, raise it to hunt a rare interleaving.
   * @default 50
   */
  runs?: number;
  /**
   * First seed of the PRNG (used for insertion orders, and for races when `fc` is absent). A failure
   * names the seed that broke, so it can be replayed. `fc` draws its own seeds and reports them.
   * @default 1
   */
  seed?: number;
}

/** What a race needs from a scheduler: `fc.scheduler()`'s value fits, and so does the PRNG one below. */
interface RaceScheduler {
  schedule<T>(task: Promise<T>, label?: string): Promise<T>;
  waitAll(): Promise<void>;
}

const DAY = 86_400_000;
/** A reference instant well away from the wall clock, so a store that judges status by its own clock fails. */
const T0 = FIXTURE_EPOCH;
const NOW = T0 + 1_000_000;

/**
 * Registers the `TokenStore` conformance suite: create/get/findByHash round trips and uniqueness,
 * `list` order, filters, status and keyset paging (1,200 records, records inserted mid-paging),
 * versioned `update`, idempotent `revoke`, `revokeAll` by owner and by workspace, monotone `touch`,
 * guarded `rehash`, `subscribe` deliveries, and races (50 updates on one version, updates and
 * touches racing a revoke, 100 concurrent creates).
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
  const { fc } = options;
  const runs = options.runs ?? 50;
  const firstSeed = options.seed ?? 1;
  const { expect } = t;

  /** Wraps a test body: a fresh store per test, disposed of even when the body fails. */
  const withStore = (body: (store: TokenStore) => Promise<void>) => async () => {
    const store = await factory();
    try {
      await body(store);
    } finally {
      if (options.cleanup) await options.cleanup(store);
      else await store.close?.();
    }
  };

  /** Lists every page of `query`, checking the page shape; throws if `nextCursor` never ends. */
  const listAll = async (store: TokenStore, query: Omit<ListQuery, 'cursor'>, maxPages = 1_000) => {
    const pages: StoredToken[][] = [];
    let cursor: string | null = null;
    do {
      if (pages.length >= maxPages) throw new Error(`list(limit ${query.limit}) still had a nextCursor after ${maxPages} pages`);
      const page: Awaited<ReturnType<TokenStore['list']>> = await store.list({ ...query, cursor });
      if (page.nextCursor !== null && typeof page.nextCursor !== 'string') throw new Error(`list: nextCursor must be a string or null, got ${typeof page.nextCursor}`);
      if (page.tokens.length > query.limit) throw new Error(`list: a page of ${page.tokens.length} records for limit ${query.limit}`);
      pages.push([...page.tokens]);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return pages;
  };
  const ids = (tokens: readonly StoredToken[]) => tokens.map((x) => x.id);
  const listIds = async (store: TokenStore, query: Omit<ListQuery, 'cursor' | 'now' | 'limit'> & { now?: number }) =>
    ids((await listAll(store, { now: NOW, limit: 500, ...query })).flat());

  t.describe(`TokenStore conformance: ${name}`, () => {
    t.describe('create, get, findByHash', () => {
      t.it('create then get and findByHash return an equal record, JSON values and nulls included', withStore(async (store) => {
        const owner = newOwner();
        const rich = storedTokenFixture({
          label: 'CI deploy — ünïcødé ✓ "quoted" \\ back',
          ownerId: owner,
          kind: 'workspace',
          workspaceId: newWorkspace(),
          scopes: ['deploy:write', 'repo:read'],
          restrictions: { project: ['p_1', 'p_2'], env: ['prod'] },
          rateLimit: { read: { limit: 100, window: 60, name: 'reads' }, write: { limit: 10, window: 60 } },
          createdAt: T0 + 123,
          createdBy: 'usr_admin',
          expiresAt: T0 + 90 * DAY + 7,
          lastUsedAt: T0 + 500,
          rotatedFromId: 'tok_previous',
          familyId: 'tok_first',
          metadata: { team: 'infra', n: 42, ratio: 0.5, neg: -3, on: true, off: false, none: null, tags: ['a', 'b'], nested: { deep: [1, { x: 'y' }], empty: {} } },
          pepperVersion: 3,
          version: 7,
        });
        const plain = storedTokenFixture({ ownerId: owner, rateLimit: { limit: 5, window: 1 } });
        const revoked = storedTokenFixture({ ownerId: owner, revokedAt: T0 + 9, revokedReason: null, expiresAt: T0 + 1 });
        for (const token of [rich, plain, revoked]) {
          await store.create(token);
          expect(await store.get(token.id)).toEqual(token);
          expect(await store.findByHash(token.hash)).toEqual(token);
        }
      }));

      t.it('get and findByHash of an unknown id or hash answer null', withStore(async (store) => {
        await store.create(storedTokenFixture());
        expect(await store.get(`tok_unknown${randomHex(8)}`)).toBeNull();
        expect(await store.findByHash(randomHex(32))).toBeNull();
      }));

      t.it('create with a duplicate id throws and keeps the first record', withStore(async (store) => {
        const first = storedTokenFixture({ label: 'first' });
        await store.create(first);
        const clash = storedTokenFixture({ id: first.id, label: 'second' });
        expect(await fails(() => store.create(clash))).toBe(true);
        expect(await store.get(first.id)).toEqual(first);
        expect(await store.findByHash(first.hash)).toEqual(first);
        expect(await store.findByHash(clash.hash)).toBeNull();
      }));

      t.it('create with a duplicate hash throws and keeps the first record', withStore(async (store) => {
        const first = storedTokenFixture({ label: 'first' });
        await store.create(first);
        const clash = storedTokenFixture({ hash: first.hash, label: 'second' });
        expect(await fails(() => store.create(clash))).toBe(true);
        expect(await store.findByHash(first.hash)).toEqual(first);
        expect(await store.get(clash.id)).toBeNull();
      }));

      t.it('mutating the object given to create afterwards does not change the stored record', withStore(async (store) => {
        const input = storedTokenFixture({
          restrictions: { project: ['p_1'] },
          rateLimit: { read: { limit: 1, window: 1 }, write: { limit: 1, window: 1 } },
          metadata: { nested: { list: [1, 2] } },
        });
        const snapshot = structuredClone(input);
        await store.create(input);
        scribble(input);
        expect(await store.get(snapshot.id)).toEqual(snapshot);
        expect(await store.findByHash(snapshot.hash)).toEqual(snapshot);
      }));

      t.it('records the store returns are copies or frozen: mutating them does not change the store', withStore(async (store) => {
        const owner = newOwner();
        const input = storedTokenFixture({ ownerId: owner, restrictions: { project: ['p_1'] }, metadata: { nested: { list: [1] } } });
        await store.create(input);
        const created = structuredClone(input);
        scribble(await store.get(created.id));
        scribble(await store.findByHash(created.hash));
        for (const token of (await store.list({ ownerId: owner, now: NOW, limit: 10 })).tokens) scribble(token);
        expect(await store.get(created.id)).toEqual(created);
        expect(await store.findByHash(created.hash)).toEqual(created);

        const updated = await store.update(created.id, { label: 'renamed' }, created.version);
        if (updated.ok) scribble(updated.token);
        const afterUpdate = { ...created, label: 'renamed', version: created.version + 1 };
        expect(await store.get(created.id)).toEqual(afterUpdate);

        scribble(await store.revoke(created.id, T0 + 5, 'done'));
        const afterRevoke = { ...afterUpdate, revokedAt: T0 + 5, revokedReason: 'done', version: afterUpdate.version + 1 };
        expect(await store.get(created.id)).toEqual(afterRevoke);
        expect(await store.findByHash(created.hash)).toEqual(afterRevoke);
      }));
    });

    t.describe('list', () => {
      t.it('orders by (createdAt, id) with ids in code-unit order, and filters by owner, workspace and kind', withStore(async (store) => {
        const [O, P, W, W2] = [newOwner(), newOwner(), newWorkspace(), newWorkspace()];
        const ns = `tok_${randomHex(6)}_`;
        // Ties on createdAt with ids whose code-unit order ('B' < 'C' < 'a') differs from a
        // case-insensitive collation's (a < B < C): a SQL store needs COLLATE "C" (or bytea) here.
        const o1 = storedTokenFixture({ id: `${ns}x`, ownerId: O, createdAt: T0 + 30 });
        const o2 = storedTokenFixture({ id: `${ns}a`, ownerId: O, workspaceId: W, createdAt: T0 + 10 });
        const o3 = storedTokenFixture({ id: `${ns}B`, ownerId: O, createdAt: T0 + 10 });
        const o4 = storedTokenFixture({ id: `${ns}Z`, ownerId: O, kind: 'workspace', workspaceId: W, createdAt: T0 + 20 });
        const o5 = storedTokenFixture({ id: `${ns}y`, ownerId: O, kind: 'workspace', workspaceId: W2, createdAt: T0 + 5 });
        const p1 = storedTokenFixture({ id: `${ns}C`, ownerId: P, workspaceId: W, createdAt: T0 + 10 });
        const p2 = storedTokenFixture({ id: `${ns}b`, ownerId: P, kind: 'workspace', workspaceId: W, createdAt: T0 + 1 });
        const all = [o1, o2, o3, o4, o5, p1, p2];
        for (const token of all) await store.create(token);
        const expected = (...tokens: StoredToken[]) => ids(sortTokens(tokens));

        expect(await listIds(store, { ownerId: O })).toEqual(expected(o1, o2, o3, o4, o5));
        expect(await listIds(store, { ownerId: O, kind: 'personal' })).toEqual(expected(o1, o2, o3));
        expect(await listIds(store, { ownerId: O, kind: 'workspace' })).toEqual(expected(o4, o5));
        expect(await listIds(store, { ownerId: O, workspaceId: W })).toEqual(expected(o2, o4));
        expect(await listIds(store, { workspaceId: W })).toEqual(expected(o2, o4, p1, p2));
        expect(await listIds(store, { workspaceId: W, kind: 'workspace' })).toEqual(expected(o4, p2));
        expect(await listIds(store, { ownerId: P })).toEqual(expected(p1, p2));
        // The records themselves, not just their ids, come back intact.
        expect((await listAll(store, { ownerId: O, now: NOW, limit: 500 })).flat()).toEqual(sortTokens([o1, o2, o3, o4, o5]));
      }));

      t.it("judges status at query.now: active, expired (now ≥ expiresAt), revoked, all", withStore(async (store) => {
        const owner = newOwner();
        let n = 0;
        const make = (fields: Partial<StoredToken>) => storedTokenFixture({ ownerId: owner, createdAt: T0 + n++, ...fields });
        const forever = make({});
        const justBefore = make({ expiresAt: NOW + 1 });
        const exactly = make({ expiresAt: NOW });
        const justAfter = make({ expiresAt: NOW - 1 });
        const revoked = make({ revokedAt: T0 - 5, revokedReason: 'r' });
        const revokedExpired = make({ revokedAt: T0 - 5, revokedReason: null, expiresAt: NOW - 10 });
        const revokedLater = make({ revokedAt: T0 - 5, revokedReason: 'r', expiresAt: NOW + 10 });
        const all = [forever, justBefore, exactly, justAfter, revoked, revokedExpired, revokedLater];
        for (const token of all) await store.create(token);

        expect(await listIds(store, { ownerId: owner, status: 'active' })).toEqual(ids([forever, justBefore]));
        expect(await listIds(store, { ownerId: owner, status: 'expired' })).toEqual(ids([exactly, justAfter]));
        expect(await listIds(store, { ownerId: owner, status: 'revoked' })).toEqual(ids([revoked, revokedExpired, revokedLater]));
        expect(await listIds(store, { ownerId: owner, status: 'all' })).toEqual(ids(all));
        expect(await listIds(store, { ownerId: owner })).toEqual(ids(all));
        // The same records judged 100 ms earlier: nothing has expired yet.
        const earlier = NOW - 100;
        expect(await listIds(store, { ownerId: owner, status: 'active', now: earlier })).toEqual(ids([forever, justBefore, exactly, justAfter]));
        expect(await listIds(store, { ownerId: owner, status: 'expired', now: earlier })).toEqual([]);
      }));

      t.it('pages through 1,200 tokens of one owner with limit 100, 7 and 500: each exactly once, in order', withStore(async (store) => {
        const random = seededRandom(firstSeed);
        const [owner, other] = [newOwner(), newOwner()];
        const count = 1_200;
        // Four records per millisecond, so pages split ties and only the id orders them.
        const mine = Array.from({ length: count }, (_, i) => storedTokenFixture({ ownerId: owner, createdAt: T0 + Math.floor(i / 4) }));
        // Another owner's records interleaved with (and tied to) these, but none after the last.
        const noise = Array.from({ length: 100 }, (_, i) => storedTokenFixture({ ownerId: other, createdAt: T0 + i * 3 }));
        await createAll(store, shuffle([...mine, ...noise], random));
        const expected = ids(sortTokens(mine));

        for (const limit of [100, 7, 500]) {
          const pages = await listAll(store, { ownerId: owner, now: NOW, limit }, Math.ceil(count / limit) + 2);
          const got = ids(pages.flat());
          expect({ limit, count: got.length, distinct: new Set(got).size }).toEqual({ limit, count, distinct: count });
          expect(got).toEqual(expected);
          expect({ limit, shortPagesBeforeTheLast: pages.slice(0, -1).filter((p) => p.length !== limit).length }).toEqual({ limit, shortPagesBeforeTheLast: 0 });
        }
      }));

      t.it('the page holding the last match has nextCursor null, even when other records follow', withStore(async (store) => {
        const [owner, other] = [newOwner(), newOwner()];
        const mine = Array.from({ length: 10 }, (_, i) => storedTokenFixture({ ownerId: owner, createdAt: T0 + i }));
        const later = Array.from({ length: 5 }, (_, i) => storedTokenFixture({ ownerId: other, createdAt: T0 + 100 + i }));
        await createAll(store, [...mine, ...later]);

        const whole = await store.list({ ownerId: owner, now: NOW, limit: 10 });
        expect(whole.tokens.length).toBe(10);
        expect(whole.nextCursor).toBeNull();
        const halves = await listAll(store, { ownerId: owner, now: NOW, limit: 5 });
        expect(halves.map((p) => p.length)).toEqual([5, 5]);
        const none = await store.list({ ownerId: newOwner(), now: NOW, limit: 5 });
        expect({ tokens: none.tokens.length, nextCursor: none.nextCursor }).toEqual({ tokens: 0, nextCursor: null });
      }));

      t.it('records inserted during paging: later ones appear once on a later page, none is ever repeated', withStore(async (store) => {
        const random = seededRandom(firstSeed + 1);
        const owner = newOwner();
        const originals = Array.from({ length: 40 }, (_, i) => storedTokenFixture({ ownerId: owner, createdAt: T0 + Math.floor(i / 2) * 10 }));
        await createAll(store, originals);
        const mustAppear: StoredToken[] = [];
        const seen: StoredToken[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          if (++pages > 100) throw new Error('list still had a nextCursor after 100 pages');
          const page: Awaited<ReturnType<TokenStore['list']>> = await store.list({ ownerId: owner, now: NOW, limit: 6, cursor });
          seen.push(...page.tokens);
          cursor = page.nextCursor;
          const last = seen.at(-1);
          if (cursor === null || !last) continue;
          // Between pages, insert records before, at and after the cursor, one always after all.
          const inserts = [
            storedTokenFixture({ ownerId: owner, createdAt: T0 + 1_000 + pages }),
            storedTokenFixture({ ownerId: owner, createdAt: T0 - 10 + Math.floor(random() * 230) }),
            storedTokenFixture({ ownerId: owner, createdAt: last.createdAt }),
          ];
          for (const token of inserts) {
            await store.create(token);
            if (compareTokens(token, last) > 0) mustAppear.push(token);
          }
        } while (cursor !== null);

        const got = ids(seen);
        expect({ count: got.length, distinct: new Set(got).size }).toEqual({ count: got.length, distinct: got.length });
        const outOfOrder = seen.slice(1).filter((s, i) => compareTokens(seen[i]!, s) >= 0).map((s) => s.id);
        expect(outOfOrder).toEqual([]);
        const missing = [...originals, ...mustAppear].filter((m) => !got.includes(m.id)).map((m) => m.id);
        expect(missing).toEqual([]);
        // The record inserted after everything during the first page was listed on a later page.
        const afterAll = mustAppear[0]!;
        expect(got.indexOf(afterAll.id)).toBeGreaterThan(5);
      }));
    });

    t.describe('update', () => {
      t.it('applies the patch and increments the version iff expectedVersion matches', withStore(async (store) => {
        const token = storedTokenFixture({
          scopes: ['a:read', 'a:write'],
          restrictions: { project: ['a', 'b'] },
          rateLimit: { limit: 5, window: 1 },
          expiresAt: T0 + 10 * DAY,
          metadata: { a: 1 },
          lastUsedAt: T0 + 3,
          version: 4,
        });
        await store.create(token);
        const patch: TokenPatch = {
          label: 'renamed',
          metadata: { b: [1, 2, { c: null }] },
          rateLimit: { read: { limit: 50, window: 60 }, write: { limit: 5, window: 60, name: 'w' } },
          expiresAt: T0 + 5 * DAY,
          scopes: ['a:read'],
          restrictions: { project: ['a'] },
        };
        const v5 = { ...token, ...structuredClone(patch), version: 5 };
        expect(await store.update(token.id, patch, 4)).toEqual({ ok: true, token: v5 });
        expect(await store.get(token.id)).toEqual(v5);
        expect(await store.findByHash(token.hash)).toEqual(v5);

        const v6 = { ...v5, rateLimit: null, restrictions: null, expiresAt: null, version: 6 };
        expect(await store.update(token.id, { rateLimit: null, restrictions: null, expiresAt: null }, 5)).toEqual({ ok: true, token: v6 });

        for (const stale of [4, 5, 7, 0]) {
          expect(await store.update(token.id, { label: `stale ${stale}` }, stale)).toEqual({ ok: false, reason: 'conflict' });
        }
        expect(await store.get(token.id)).toEqual(v6);
      }));

      t.it('a patch field that is undefined leaves that field unchanged', withStore(async (store) => {
        const token = storedTokenFixture({ label: 'kept', rateLimit: { limit: 5, window: 1 }, metadata: { k: 'v' } });
        await store.create(token);
        const patch: TokenPatch = { label: undefined, rateLimit: undefined, metadata: undefined, scopes: undefined, expiresAt: undefined, restrictions: undefined };
        const next = { ...token, version: token.version + 1 };
        expect(await store.update(token.id, patch, token.version)).toEqual({ ok: true, token: next });
        const stored = await store.get(token.id);
        expect(stored).toEqual(next);
        // toEqual treats an undefined property as absent; these are the fields the core reads.
        expect([stored?.label, stored?.rateLimit, stored?.metadata]).toEqual([token.label, token.rateLimit, token.metadata]);
      }));

      t.it('answers not_found for an unknown id', withStore(async (store) => {
        expect(await store.update(`tok_unknown${randomHex(8)}`, { label: 'x' }, 1)).toEqual({ ok: false, reason: 'not_found' });
      }));

      t.it('never clears revokedAt: updating a revoked token leaves it revoked', withStore(async (store) => {
        const token = storedTokenFixture();
        await store.create(token);
        const revoked = await store.revoke(token.id, T0 + 50, 'leaked');
        const result = await store.update(token.id, { label: 'after revoke', metadata: { x: 1 } }, token.version + 1);
        const expected = { ...token, label: 'after revoke', metadata: { x: 1 }, revokedAt: T0 + 50, revokedReason: 'leaked', version: token.version + 2 };
        expect(revoked?.version).toBe(token.version + 1);
        expect(result).toEqual({ ok: true, token: expected });
        expect(await store.get(token.id)).toEqual(expected);
      }));
    });

    t.describe('revoke', () => {
      t.it('sets revokedAt and revokedReason and increments the version', withStore(async (store) => {
        const a = storedTokenFixture({ version: 3 });
        const b = storedTokenFixture();
        await createAll(store, [a, b]);
        const revokedA = { ...a, revokedAt: T0 + 77, revokedReason: 'leaked in CI log', version: 4 };
        expect(await store.revoke(a.id, T0 + 77, 'leaked in CI log')).toEqual(revokedA);
        expect(await store.get(a.id)).toEqual(revokedA);
        expect(await store.findByHash(a.hash)).toEqual(revokedA);
        const revokedB = { ...b, revokedAt: T0 + 78, revokedReason: null, version: b.version + 1 };
        expect(await store.revoke(b.id, T0 + 78, null)).toEqual(revokedB);
        expect(await store.get(b.id)).toEqual(revokedB);
      }));

      t.it('is idempotent: a second revoke keeps the first time and reason and the version', withStore(async (store) => {
        const token = storedTokenFixture();
        await store.create(token);
        const first = await store.revoke(token.id, T0 + 10, 'first');
        const expected = { ...token, revokedAt: T0 + 10, revokedReason: 'first', version: token.version + 1 };
        expect(first).toEqual(expected);
        expect(await store.revoke(token.id, T0 + 20, 'second')).toEqual(expected);
        expect(await store.revoke(token.id, T0 + 5, null)).toEqual(expected);
        expect(await store.get(token.id)).toEqual(expected);
      }));

      t.it('answers null for an unknown id', withStore(async (store) => {
        expect(await store.revoke(`tok_unknown${randomHex(8)}`, T0, 'x')).toBeNull();
      }));
    });

    t.describe('revokeAll', () => {
      t.it("{ ownerId } revokes exactly that owner's personal, not yet revoked tokens", withStore(async (store) => {
        const [O, P, W] = [newOwner(), newOwner(), newWorkspace()];
        const targets = [
          storedTokenFixture({ ownerId: O }),
          storedTokenFixture({ ownerId: O, workspaceId: W, version: 9 }),
          storedTokenFixture({ ownerId: O, expiresAt: T0 - 1 }), // expired but not revoked: revoked too
        ];
        const alreadyRevoked = storedTokenFixture({ ownerId: O, revokedAt: T0 - 100, revokedReason: 'earlier', version: 2 });
        const spared = [
          storedTokenFixture({ ownerId: O, kind: 'workspace', workspaceId: W }), // a workspace token O created
          storedTokenFixture({ ownerId: P }),
          storedTokenFixture({ ownerId: P, workspaceId: W }),
        ];
        await createAll(store, [...targets, alreadyRevoked, ...spared]);
        const at = T0 + 1_000;
        expect(await store.revokeAll({ ownerId: O }, at, 'offboarded')).toEqual({ count: 3 });
        for (const token of targets) expect(await store.get(token.id)).toEqual({ ...token, revokedAt: at, revokedReason: 'offboarded', version: token.version + 1 });
        expect(await store.get(alreadyRevoked.id)).toEqual(alreadyRevoked);
        for (const token of spared) expect(await store.get(token.id)).toEqual(token);
        expect(await store.revokeAll({ ownerId: O }, at + 1, 'again')).toEqual({ count: 0 });
        expect(await store.get(targets[0]!.id)).toEqual({ ...targets[0]!, revokedAt: at, revokedReason: 'offboarded', version: targets[0]!.version + 1 });
      }));

      t.it("{ workspaceId } revokes exactly that workspace's workspace tokens", withStore(async (store) => {
        const [O, P, W, W2] = [newOwner(), newOwner(), newWorkspace(), newWorkspace()];
        const targets = [
          storedTokenFixture({ ownerId: O, kind: 'workspace', workspaceId: W }),
          storedTokenFixture({ ownerId: P, kind: 'workspace', workspaceId: W, expiresAt: T0 - 1 }),
        ];
        const alreadyRevoked = storedTokenFixture({ ownerId: P, kind: 'workspace', workspaceId: W, revokedAt: T0 - 100, revokedReason: null });
        const spared = [
          storedTokenFixture({ ownerId: O, workspaceId: W }), // a personal token used in W
          storedTokenFixture({ ownerId: O, kind: 'workspace', workspaceId: W2 }),
          storedTokenFixture({ ownerId: O }),
        ];
        await createAll(store, [...targets, alreadyRevoked, ...spared]);
        const at = T0 + 2_000;
        expect(await store.revokeAll({ workspaceId: W }, at, null)).toEqual({ count: 2 });
        for (const token of targets) expect(await store.get(token.id)).toEqual({ ...token, revokedAt: at, revokedReason: null, version: token.version + 1 });
        expect(await store.get(alreadyRevoked.id)).toEqual(alreadyRevoked);
        for (const token of spared) expect(await store.get(token.id)).toEqual(token);
        expect(await store.revokeAll({ workspaceId: newWorkspace() }, at, null)).toEqual({ count: 0 });
      }));
      t.it('a create after a revokeAll whose watermark is later than its createdAt is stored revoked (the issue/revokeAll race)', withStore(async (store) => {
        const [O, W] = [newOwner(), newWorkspace()];
        const at = T0 + 5_000;
        await store.revokeAll({ ownerId: O }, at, 'offboarded');
        await store.revokeAll({ workspaceId: W }, at, null);
        const before = [
          storedTokenFixture({ ownerId: O, createdAt: at - 1 }),
          storedTokenFixture({ ownerId: O, workspaceId: W, createdAt: T0 }),
          storedTokenFixture({ ownerId: newOwner(), kind: 'workspace', workspaceId: W, createdAt: at - 1 }),
        ];
        const spared = [
          storedTokenFixture({ ownerId: O, createdAt: at }), // at the watermark: issued after the revokeAll
          storedTokenFixture({ ownerId: O, kind: 'workspace', workspaceId: newWorkspace(), createdAt: T0 }), // a workspace token O created
          storedTokenFixture({ ownerId: newOwner(), workspaceId: W, createdAt: T0 }), // a personal token used in W
        ];
        await createAll(store, [...before, ...spared]);
        for (const token of before) {
          const stored = await store.get(token.id);
          expect(stored?.revokedAt).toBe(at);
          expect(stored?.revokedReason).toBe(WATERMARK_REASON);
          expect(await store.findByHash(token.hash)).toEqual(stored);
        }
        for (const token of spared) expect(await store.get(token.id)).toEqual(token);
        expect(await store.revokeAll({ ownerId: O }, at - 10, 'older')).toEqual({ count: 1 }); // the watermark never moves back
        const late = storedTokenFixture({ ownerId: O, createdAt: at - 5 });
        await store.create(late);
        expect((await store.get(late.id))?.revokedAt).toBe(at);
      }));
    });

    t.describe('touch and rehash', () => {
      t.it('touch raises lastUsedAt only, never lowers it, never changes the version', withStore(async (store) => {
        const token = storedTokenFixture({ version: 3 });
        await store.create(token);
        const steps: [number, number][] = [[T0 + 100, T0 + 100], [T0 + 50, T0 + 100], [T0 + 100, T0 + 100], [T0 + 200, T0 + 200]];
        for (const [at, want] of steps) {
          await store.touch(token.id, at);
          expect(await store.get(token.id)).toEqual({ ...token, lastUsedAt: want });
        }
        expect(await store.findByHash(token.hash)).toEqual({ ...token, lastUsedAt: T0 + 200 });
        const unknown = `tok_unknown${randomHex(8)}`;
        await fails(() => store.touch(unknown, T0)); // a no-op or an error, but never a new record
        expect(await store.get(unknown)).toBeNull();
      }));

      t.it('after any sequence of touches, lastUsedAt is the maximum seen', withStore(async (store) => {
        const check = async (initial: number | null, ats: readonly number[]) => {
          const token = storedTokenFixture({ lastUsedAt: initial });
          await store.create(token);
          for (const at of ats) await store.touch(token.id, at);
          const all = initial === null ? ats : [initial, ...ats];
          const want = all.length === 0 ? null : Math.max(...all);
          expect(await store.get(token.id)).toEqual({ ...token, lastUsedAt: want });
        };
        const time = { min: T0, max: T0 + 365 * DAY };
        if (fc) {
          await fc.assert(
            fc.asyncProperty(fc.option(fc.integer(time), { nil: null }), fc.array(fc.integer(time), { maxLength: 12 }), check),
            { numRuns: runs },
          );
        } else {
          await seeded(firstSeed, runs, async (random) => {
            const int = () => time.min + Math.floor(random() * (time.max - time.min));
            await check(random() < 0.5 ? null : int(), Array.from({ length: Math.floor(random() * 12) }, int));
          });
        }
      }));

      t.it('rehash replaces the hash iff it is still fromHash, keeping the version', withStore(async (store) => {
        const token = storedTokenFixture({ version: 2, pepperVersion: 1 });
        await store.create(token);
        const [next, wrong] = [randomHex(32), randomHex(32)];
        await store.rehash(token.id, wrong, next, 2);
        expect(await store.get(token.id)).toEqual(token);
        expect(await store.findByHash(next)).toBeNull();

        await store.rehash(token.id, token.hash, next, 2);
        const rehashed = { ...token, hash: next, pepperVersion: 2 };
        expect(await store.findByHash(next)).toEqual(rehashed);
        expect(await store.findByHash(token.hash)).toBeNull();
        expect(await store.get(token.id)).toEqual(rehashed);

        // A second process that read the old hash loses: its fromHash is stale.
        await store.rehash(token.id, token.hash, randomHex(32), 3);
        expect(await store.get(token.id)).toEqual(rehashed);
      }));

      t.it('rehash never gives two tokens one hash', withStore(async (store) => {
        const [a, b] = [storedTokenFixture(), storedTokenFixture()];
        await createAll(store, [a, b]);
        await fails(() => store.rehash(a.id, a.hash, b.hash, 2)); // refused: a no-op or an error
        expect(await store.findByHash(b.hash)).toEqual(b);
        expect(await store.get(a.id)).toEqual(a);
        expect(await store.findByHash(a.hash)).toEqual(a);
      }));
    });

    t.describe('subscribe (passes vacuously when the store has none)', () => {
      t.it('delivers update, revoke, revokeAll and announceOwner as changes with strictly increasing seq', withStore(async (store) => {
        if (!store.subscribe) return;
        const seen: StoreChange[] = [];
        const unsubscribe = await store.subscribe((change) => seen.push(change));
        try {
          const [O, W, principal] = [newOwner(), newWorkspace(), newOwner()];
          const token = storedTokenFixture({ ownerId: O, version: 3 });
          const personal = storedTokenFixture({ ownerId: O });
          await createAll(store, [token, personal]);
          const arrival = (match: (c: StoreChange) => boolean, what: string) => eventually(() => seen.find(match), what);

          const updated = await store.update(token.id, { label: 'new' }, 3);
          expect(updated.ok).toBe(true);
          const u = await arrival((c) => c.type === 'token' && c.id === token.id && c.version === 4, 'the update');
          expect(withoutSeq(u)).toEqual({ type: 'token', id: token.id, hash: token.hash, version: 4, revoked: false });

          await store.revoke(token.id, T0 + 1, 'r');
          const r = await arrival((c) => c.type === 'token' && c.id === token.id && c.version === 5, 'the revoke');
          expect(withoutSeq(r)).toEqual({ type: 'token', id: token.id, hash: token.hash, version: 5, revoked: true });

          const byOwner: RevokeAllFilter = { ownerId: O };
          await store.revokeAll(byOwner, T0 + 2, 'all');
          const ro = await arrival((c) => c.type === 'revokeAll' && 'ownerId' in c.filter && c.filter.ownerId === O, 'revokeAll({ ownerId })');
          expect(withoutSeq(ro)).toEqual({ type: 'revokeAll', filter: { ownerId: O }, revokedBefore: T0 + 2 });

          await store.revokeAll({ workspaceId: W }, T0 + 3, null);
          const rw = await arrival((c) => c.type === 'revokeAll' && 'workspaceId' in c.filter && c.filter.workspaceId === W, 'revokeAll({ workspaceId })');
          expect(withoutSeq(rw)).toEqual({ type: 'revokeAll', filter: { workspaceId: W }, revokedBefore: T0 + 3 });

          await store.announceOwner(principal);
          const o = await arrival((c) => c.type === 'owner' && c.principalId === principal, 'announceOwner');
          expect(withoutSeq(o)).toEqual({ type: 'owner', principalId: principal });

          const ours = [u, r, ro, rw, o].map((c) => c.seq);
          expect(ours.map((seq) => Number.isSafeInteger(seq))).toEqual([true, true, true, true, true]);
          expect({ seqs: ours, increasing: ours.slice(1).map((seq, i) => seq > ours[i]!) }).toEqual({ seqs: ours, increasing: [true, true, true, true] });
          // Every delivery, other processes' included, in strictly increasing order (heartbeats repeat the last seq).
          let last = -Infinity;
          for (const change of seen) {
            if (change.type === 'heartbeat' ? change.seq < last : change.seq <= last) {
              throw new Error(`seq went from ${last} to ${change.seq} (${change.type})`);
            }
            last = change.seq;
          }
        } finally {
          await unsubscribe();
        }
      }));

      t.it('delivers nothing to a listener after its unsubscribe', withStore(async (store) => {
        if (!store.subscribe) return;
        const gone: StoreChange[] = [];
        const stays: StoreChange[] = [];
        const unsubscribeGone = await store.subscribe((change) => gone.push(change));
        const unsubscribeStays = await store.subscribe((change) => stays.push(change));
        try {
          const [p0, p1, p2] = [newOwner(), newOwner(), newOwner()];
          const isOwner = (p: string) => (c: StoreChange) => c.type === 'owner' && c.principalId === p;
          await store.announceOwner(p0);
          await eventually(() => gone.find(isOwner(p0)), 'the first announcement (to the listener about to leave)');
          await eventually(() => stays.find(isOwner(p0)), 'the first announcement (to the listener that stays)');
          await unsubscribeGone();
          // Two changes after the unsubscribe, each awaited on the listener that stays: by the time
          // the second arrived there, the first would have reached a still-subscribed listener.
          await store.announceOwner(p1);
          await eventually(() => stays.find(isOwner(p1)), 'the second announcement');
          await store.announceOwner(p2);
          await eventually(() => stays.find(isOwner(p2)), 'the third announcement');
          expect(gone.filter((c) => isOwner(p1)(c) || isOwner(p2)(c))).toEqual([]);
        } finally {
          await unsubscribeStays();
        }
      }));
    });

    t.describe('concurrency', () => {
      t.it('50 concurrent updates with the same expectedVersion: exactly one wins', withStore(async (store) => {
        const token = storedTokenFixture({ version: 2 });
        await store.create(token);
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => call(() => store.update(token.id, { label: `writer ${i}` }, 2))));
        const winners = results.filter((r): r is Extract<UpdateResult, { ok: true }> => r.ok);
        expect(winners.length).toBe(1);
        expect(results.filter((r) => !r.ok && r.reason === 'conflict').length).toBe(49);
        const final = await store.get(token.id);
        expect(final).toEqual({ ...token, label: winners[0]!.token.label, version: 3 });
        expect(winners[0]!.token).toEqual(final);
      }));

      t.it('concurrent creates of one id, or of one hash: exactly one wins', withStore(async (store) => {
        const id = `tok_${randomHex(11)}`;
        const sameId = Array.from({ length: 10 }, () => storedTokenFixture({ id }));
        const byId = await Promise.allSettled(sameId.map((token) => call(() => store.create(token))));
        expect(byId.filter((r) => r.status === 'fulfilled').length).toBe(1);
        const winner = sameId[byId.findIndex((r) => r.status === 'fulfilled')]!;
        expect(await store.get(id)).toEqual(winner);
        for (const loser of sameId.filter((x) => x !== winner)) expect(await store.findByHash(loser.hash)).toBeNull();

        const hash = randomHex(32);
        const sameHash = Array.from({ length: 10 }, () => storedTokenFixture({ hash }));
        const byHash = await Promise.allSettled(sameHash.map((token) => call(() => store.create(token))));
        expect(byHash.filter((r) => r.status === 'fulfilled').length).toBe(1);
        const hashWinner = sameHash[byHash.findIndex((r) => r.status === 'fulfilled')]!;
        expect(await store.findByHash(hash)).toEqual(hashWinner);
        for (const loser of sameHash.filter((x) => x !== hashWinner)) expect(await store.get(loser.id)).toBeNull();
      }));

      t.it('100 concurrent creates are all readable by id, by hash and in the listing', withStore(async (store) => {
        const owner = newOwner();
        const tokens = Array.from({ length: 100 }, (_, i) => storedTokenFixture({ ownerId: owner, createdAt: T0 + (i % 10) }));
        await Promise.all(tokens.map((token) => call(() => store.create(token))));
        const [byId, byHash] = await Promise.all([
          Promise.all(tokens.map((token) => call(() => store.get(token.id)))),
          Promise.all(tokens.map((token) => call(() => store.findByHash(token.hash)))),
        ]);
        expect(byId).toEqual(tokens);
        expect(byHash).toEqual(tokens);
        expect(await listIds(store, { ownerId: owner })).toEqual(ids(sortTokens(tokens)));
      }));

      t.it('20 concurrent revokes: one revocation time and reason, one version step', withStore(async (store) => {
        const token = storedTokenFixture();
        await store.create(token);
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call(() => store.revoke(token.id, T0 + 1 + i, `r${i}`))));
        const final = await store.get(token.id);
        const winner = Number((final?.revokedReason ?? 'r-1').slice(1));
        expect(final).toEqual({ ...token, revokedAt: T0 + 1 + winner, revokedReason: `r${winner}`, version: token.version + 1 });
        for (const result of results) expect(result).toEqual(final);
      }));

      t.it('50 concurrent touches leave the maximum and the version', withStore(async (store) => {
        const token = storedTokenFixture();
        await store.create(token);
        const ats = shuffle(Array.from({ length: 50 }, (_, i) => T0 + i * 7), seededRandom(firstSeed + 2));
        await Promise.all(ats.map((at) => call(() => store.touch(token.id, at))));
        expect(await store.get(token.id)).toEqual({ ...token, lastUsedAt: T0 + 49 * 7 });
      }));

      t.it('revoke racing revokeAll: every token revoked once, and the count names the ones revokeAll won', withStore(async (store) => {
        for (const position of [0, 10, 20]) {
          const owner = newOwner();
          const tokens = Array.from({ length: 20 }, () => storedTokenFixture({ ownerId: owner }));
          await createAll(store, tokens);
          const [atAll, atOne] = [T0 + 100, T0 + 200];
          const singles = tokens.filter((_, i) => i % 2 === 0).map((token) => () => store.revoke(token.id, atOne, 'one'));
          const ops: (() => Awaitable<unknown>)[] = [...singles];
          let count = -1;
          ops.splice(position / 2, 0, async () => {
            count = (await store.revokeAll({ ownerId: owner }, atAll, 'all')).count;
          });
          await Promise.all(ops.map(call));
          const finals = await Promise.all(tokens.map((token) => call(() => store.get(token.id))));
          const outcome = (x: StoredToken | null) => (x?.revokedAt === atAll && x.revokedReason === 'all' ? 'all' : x?.revokedAt === atOne && x.revokedReason === 'one' ? 'one' : 'neither');
          expect({ position, neither: finals.filter((x) => outcome(x) === 'neither').length }).toEqual({ position, neither: 0 });
          expect({ position, versions: finals.map((x) => x?.version) }).toEqual({ position, versions: tokens.map((x) => x.version + 1) });
          expect({ position, count }).toEqual({ position, count: finals.filter((x) => outcome(x) === 'all').length });
          // Tokens no single revoke targeted can only have been revoked by revokeAll.
          expect(finals.filter((_, i) => i % 2 === 1).map(outcome)).toEqual(Array.from({ length: 10 }, () => 'all'));
        }
      }));

      t.it(`touches and updates racing a revoke, in every order${fc ? ' (fc.scheduler)' : ' (seeded PRNG)'}: always ends revoked, version ≥ the revoke's`, withStore(async (store) => {
        const raceOnce = async (s: RaceScheduler) => {
          const token = storedTokenFixture({ version: 1 });
          await store.create(token);
          const step = <T>(label: string, fn: () => Awaitable<T>): Promise<T> => s.schedule(Promise.resolve(label), label).then(() => fn());
          const revokeAt = T0 + 10_000;
          const touch1 = step('touch(+1)', () => store.touch(token.id, T0 + 1));
          const touch2 = step('touch(+2)', () => store.touch(token.id, T0 + 2));
          const update1 = step('update(v1, label u1)', () => store.update(token.id, { label: 'u1' }, 1));
          const update2 = step('update(v1, label u2)', () => store.update(token.id, { label: 'u2', metadata: { by: 'u2' } }, 1));
          // Read-modify-write: the interleaving that undoes a revocation in a store that writes whole records.
          const readThenUpdate = step('get', () => store.get(token.id)).then((read) =>
            step(`update(v${read?.version}, label rmw)`, () => store.update(token.id, { label: 'rmw' }, read?.version ?? -1)),
          );
          const revoke = step('revoke', () => store.revoke(token.id, revokeAt, 'race'));
          await drive(s, [touch1, touch2, update1, update2, readThenUpdate, revoke]);

          const [u1, u2, rmw, revoked] = await Promise.all([update1, update2, readThenUpdate, revoke]);
          const final = await store.get(token.id);
          expect(revoked === null ? null : [revoked.revokedAt, revoked.revokedReason]).toEqual([revokeAt, 'race']);
          expect(final === null ? null : [final.revokedAt, final.revokedReason, final.lastUsedAt]).toEqual([revokeAt, 'race', T0 + 2]);
          expect((final?.version ?? 0) + 1).toBeGreaterThan(revoked?.version ?? Infinity);
          const results = [u1, u2, rmw];
          expect(results.map((r) => (r.ok ? 'ok' : r.reason)).filter((r) => r === 'not_found')).toEqual([]);
          expect(u1.ok && u2.ok).toBe(false); // both wrote on version 1: one of them must have lost
          const won = results.flatMap((r) => (r.ok ? [r.token] : [])).sort((a, b) => a.version - b.version);
          expect(final?.version).toBe(token.version + 1 + won.length);
          expect(final?.label).toBe(won.at(-1)?.label ?? token.label);
          expect(await store.findByHash(token.hash)).toEqual(final);
        };

        if (fc) {
          await fc.assert(fc.asyncProperty(fc.scheduler(), raceOnce), { numRuns: runs });
        } else {
          await seeded(firstSeed, runs, (random) => raceOnce(seededScheduler(random)));
        }
      }));
    });
  });

  /** Polls `find` every 10 ms until it answers, for at most 2 s: delivery may be asynchronous, never a hang. */
  async function eventually<T>(find: () => T | undefined, what: string): Promise<T> {
    for (let i = 0; i <= 200; i++) {
      const found = find();
      if (found !== undefined) return found;
      await sleep(10);
    }
    throw new Error(`subscribe: ${what} was not delivered within 2 s`);
  }
}

/** Runs `body` for `count` consecutive seeds; a failure names its seed. */
async function seeded(first: number, count: number, body: (random: () => number) => Promise<void>): Promise<void> {
  for (let seed = first; seed < first + count; seed++) {
    try {
      await body(seededRandom(seed));
    } catch (error) {
      throw new Error(`failed with seed ${seed} (replay with options.seed = ${seed}, runs = 1): ${(error as Error).message}`, { cause: error });
    }
  }
}

/**
 * Releases scheduled store calls until every task has settled. A released call to a remote store
 * may schedule its next step only after a round trip, when `waitAll` has already returned, so
 * this loops (bounded at ~5 s) instead of trusting one `waitAll`.
 */
async function drive(s: RaceScheduler, tasks: readonly Promise<unknown>[]): Promise<void> {
  let done = false;
  const settled = Promise.allSettled(tasks).then((results) => {
    done = true;
    return results;
  });
  for (let i = 0; !done; i++) {
    if (i > 500) throw new Error('the race did not settle within ~5 s');
    await s.waitAll();
    if (!done) await sleep(i < 5 ? 0 : 10);
  }
  for (const result of await settled) if (result.status === 'rejected') throw result.reason;
}

/** A scheduler with `fc.scheduler()`'s contract, ordering releases with a seeded PRNG. */
function seededScheduler(random: () => number): RaceScheduler {
  const pending: (() => void)[] = [];
  return {
    schedule<T>(task: Promise<T>) {
      return new Promise<T>((resolve, reject) => {
        pending.push(() => void task.then(resolve, reject));
      });
    },
    async waitAll() {
      while (pending.length > 0) {
        pending.splice(Math.floor(random() * pending.length), 1)[0]!();
        await sleep(0);
      }
    },
  };
}

/** Mulberry32: a tiny seeded PRNG, so a failing order replays from its seed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Creates in batches of 100 concurrent calls: fast on a remote store without flooding its pool. */
async function createAll(store: TokenStore, tokens: readonly StoredToken[]): Promise<void> {
  for (let i = 0; i < tokens.length; i += 100) {
    await Promise.all(tokens.slice(i, i + 100).map((token) => call(() => store.create(token))));
  }
}

/** Calls `fn` so that a synchronous throw becomes a rejection, as with an async store. */
function call<T>(fn: () => Awaitable<T>): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

/** Whether `fn` threw or rejected. */
async function fails(fn: () => Awaitable<unknown>): Promise<boolean> {
  try {
    await fn();
    return false;
  } catch {
    return true;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The list order: createdAt, then id by UTF-16 code unit (what `<` on strings does). */
function compareTokens(a: StoredToken, b: StoredToken): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
function sortTokens(tokens: readonly StoredToken[]): StoredToken[] {
  return [...tokens].sort(compareTokens);
}

const newOwner = () => `usr_${randomHex(8)}`;
const newWorkspace = () => `ws_${randomHex(8)}`;

function withoutSeq(change: StoreChange): Omit<StoreChange, 'seq'> {
  const { seq: _seq, ...rest } = change;
  return rest;
}

/**
 * Tries to change every field of `value`, deeply: strings and numbers altered, arrays grown, a key
 * added. Frozen objects throw (modules are strict), which is as good as a copy.
 */
function scribble(value: unknown, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  const attempt = (change: () => void) => {
    try {
      change();
    } catch {
      // Frozen: the store protects itself that way.
    }
  };
  if (Array.isArray(value)) {
    for (const item of value) scribble(item, depth + 1);
    attempt(() => value.push('scribbled'));
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (typeof field === 'string') attempt(() => (record[key] = `${field}~scribbled`));
    else if (typeof field === 'number') attempt(() => (record[key] = field + 1));
    else scribble(field, depth + 1);
  }
  attempt(() => (record['scribbled'] = true));
}
