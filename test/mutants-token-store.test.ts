/**
 * Mutation audit of `tokenStoreConformance`: the memory token store with one law broken at a time,
 * each a bug a hand-written adapter could plausibly ship (a missing WHERE, an offset cursor, ON
 * CONFLICT DO NOTHING, a two-step revokeAll, a cache that refreshes records in place). The suite
 * must fail every one of them, and pass the store unmutated (test/mutants-harness.ts).
 */
import * as fc from 'fast-check';
import { memoryTokenStore, type MemoryTokenStore } from '../src/stores/memory.ts';
import {
  countedByRevokeAll,
  type ListQuery,
  type RevokeAllFilter,
  type StoreChange,
  type StoredToken,
  type TokenStore,
} from '../src/core/store.ts';
import { tokenStoreConformance } from '../src/testing/token-store-suite.ts';
import { auditMutants, type Mutant } from './mutants-harness.ts';

type Factory = () => TokenStore;

/** The memory store answers synchronously; the port types its answers `Awaitable`. */
function sync<T>(answer: T | Promise<T>): T {
  if (answer instanceof Promise) throw new Error('the memory store answered with a promise');
  return answer;
}

/** The memory store with the methods `over` returns replaced (the rest delegate to it). */
const mutant = (
  breaks: string,
  caughtBy: string,
  over: (inner: MemoryTokenStore) => Partial<TokenStore>,
): Mutant<Factory> => ({
  breaks,
  caughtBy,
  factory: () => {
    const inner = memoryTokenStore();
    return { ...inner, ...over(inner) };
  },
});

/** Reads that show `overlay`'s fields over the stored record: what a store writing them would answer. */
function overlaid(inner: MemoryTokenStore, overlay: Map<string, Partial<StoredToken>>): Partial<TokenStore> {
  const show = (t: StoredToken | null): StoredToken | null =>
    t && overlay.has(t.id) ? { ...t, ...overlay.get(t.id) } : t;
  return {
    get: (id) => show(sync(inner.get(id))),
    findByHash: (hash) => show(sync(inner.findByHash(hash))),
    findByAnyHash: (hashes) => show(sync(inner.findByAnyHash!(hashes))),
    list(query) {
      const page = sync(inner.list(query));
      return { ...page, tokens: page.tokens.map((t) => show(t)!) };
    },
  };
}

/** The `list` query that selects what `revokeAll(filter)` covers. */
const coveredQuery = (filter: RevokeAllFilter, now: number): ListQuery =>
  'ownerId' in filter
    ? { ownerId: filter.ownerId, kind: 'personal', now, limit: 500 }
    : { workspaceId: filter.workspaceId, kind: 'workspace', now, limit: 500 };

const pageOf = (store: TokenStore, query: ListQuery) => sync(store.list(query));

const mutants: Mutant<Factory>[] = [
  mutant(
    'answers a revoked record from get with revokedAt and revokedReason left out',
    'create then get and findByHash return an equal record, JSON values and',
    (inner) => ({
      get: (id) => {
        const t = sync(inner.get(id));
        return t && { ...t, revokedAt: null, revokedReason: null };
      },
    }),
  ),
  mutant(
    'hides revoked tokens from findByHash (WHERE revoked_at IS NULL)',
    'create then get and findByHash return an equal record, JSON values and',
    (inner) => ({
      findByHash: (hash) => {
        const t = sync(inner.findByHash(hash));
        return t?.revokedAt === null ? t : null;
      },
    }),
  ),
  mutant(
    'creates with ON CONFLICT DO NOTHING: a duplicate id or hash is silently dropped',
    'create with a duplicate id throws and keeps the first record',
    (inner) => ({
      create: (token) => {
        try {
          sync(inner.create(token));
        } catch {
          // swallowed: the first record stays, the caller is never told
        }
      },
    }),
  ),
  mutant(
    'drops the last record of every page that has a next page',
    'pages through 1,200 tokens of one owner with limit 100, 7 and 500: each',
    (inner) => ({
      list: (query) => {
        const page = pageOf(inner, query);
        return page.nextCursor === null ? page : { ...page, tokens: page.tokens.slice(0, -1) };
      },
    }),
  ),
  mutant(
    "hands out the page's second-to-last record as the cursor (repeats one per page)",
    'pages through 1,200 tokens of one owner with limit 100, 7 and 500: each',
    (inner) => ({
      list: (query) => {
        const page = pageOf(inner, query);
        if (page.nextCursor === null || page.tokens.length < 2) return page;
        const before = page.tokens.at(-2)!;
        return { ...page, nextCursor: btoa(JSON.stringify([before.createdAt, before.id])) };
      },
    }),
  ),
  mutant(
    'pages by offset, so a record inserted before the cursor shifts the next page',
    'records inserted during paging: later ones appear once on a later page,',
    (inner) => ({
      list: (query) => {
        const offset = query.cursor ? Number(query.cursor) : 0;
        const all: StoredToken[] = [];
        for (let cursor: string | null = null; ;) {
          const page = pageOf(inner, { ...query, limit: 500, cursor });
          all.push(...page.tokens);
          if ((cursor = page.nextCursor) === null) break;
        }
        const tokens = all.slice(offset, offset + query.limit);
        return { tokens, nextCursor: offset + query.limit < all.length ? String(offset + query.limit) : null };
      },
    }),
  ),
  mutant(
    'ignores the status filter',
    'judges status at query.now: active, expired (now ≥ expiresAt), revoked,',
    (inner) => ({ list: (query) => inner.list({ ...query, status: 'all' }) }),
  ),
  mutant(
    'ignores the kind filter',
    'orders by (createdAt, id) with ids in code-unit order, and filters by',
    (inner) => ({ list: ({ kind: _kind, ...query }) => inner.list(query) }),
  ),
  mutant(
    'ignores ownerId when workspaceId is given too',
    'orders by (createdAt, id) with ids in code-unit order, and filters by',
    (inner) => ({
      list: (query) => inner.list(query.workspaceId === undefined ? query : { ...query, ownerId: undefined }),
    }),
  ),
  mutant(
    'judges list status at its own clock, not at query.now',
    'judges status at query.now: active, expired (now ≥ expiresAt), revoked,',
    (inner) => ({
      list: (query) => inner.list({ ...query, now: Date.now() }),
    }),
  ),
  mutant(
    'hands out a cursor whenever a page is full, even when no match follows',
    'the page holding the last match has nextCursor null, even when other',
    (inner) => ({
      list: (query) => {
        const page = pageOf(inner, query);
        const last = page.tokens.at(-1);
        if (page.nextCursor !== null || !last || page.tokens.length < query.limit) return page;
        return { ...page, nextCursor: btoa(JSON.stringify([last.createdAt, last.id])) };
      },
    }),
  ),
  mutant(
    'resets metadata on an update that does not patch it',
    'records the store returns are copies or frozen: mutating them does not',
    (inner) => ({
      update: (id, patch, version) => inner.update(id, { ...patch, metadata: patch.metadata ?? {} }, version),
    }),
  ),
  mutant(
    'ignores expectedVersion on update (last writer wins)',
    'applies the patch and increments the version iff expectedVersion matches',
    (inner) => ({
      update: (id, patch) => inner.update(id, patch, sync(inner.get(id))?.version ?? -1),
    }),
  ),
  mutant(
    "overwrites an earlier revocation's time and reason on a second revoke",
    'is idempotent: a second revoke keeps the first time and reason and the',
    (inner) => {
      const overlay = new Map<string, Partial<StoredToken>>();
      const reads = overlaid(inner, overlay);
      return {
        ...reads,
        revoke: (id, at, reason) => {
          const answer = sync(inner.revoke(id, at, reason));
          if (answer && !answer.revokedNow) overlay.set(id, { revokedAt: at, revokedReason: reason });
          const shown = sync(reads.get!(id));
          return answer && shown && { ...shown, revokedNow: answer.revokedNow };
        },
      };
    },
  ),
  mutant(
    'revokes, on revokeAll({ ownerId }), the workspace tokens the owner created too',
    "{ ownerId } revokes exactly that owner's personal, not yet revoked",
    (inner) => ({
      revokeAll: (filter, at, reason) => {
        const result = sync(inner.revokeAll(filter, at, reason));
        if ('ownerId' in filter) {
          const q: ListQuery = { ownerId: filter.ownerId, kind: 'workspace', status: 'all', now: at, limit: 500 };
          for (const t of pageOf(inner, q).tokens) sync(inner.revoke(t.id, at, reason));
        }
        return result;
      },
    }),
  ),
  mutant(
    'counts, in revokeAll, the expired tokens it revokes',
    "{ ownerId } revokes exactly that owner's personal, not yet revoked",
    (inner) => ({
      revokeAll: (filter, at, reason) => {
        const expired = pageOf(inner, { ...coveredQuery(filter, at), status: 'expired' }).tokens.length;
        const { count } = sync(inner.revokeAll(filter, at, reason));
        return { count: count + expired };
      },
    }),
  ),
  mutant(
    'revokes all by listing and revoking one by one: no watermark, no revokeAll change',
    'a create after a revokeAll whose watermark is later than its createdAt',
    (inner) => ({
      revokeAll: (filter, at, reason) => {
        let count = 0;
        for (const t of pageOf(inner, { ...coveredQuery(filter, at), status: 'all' }).tokens) {
          if (t.revokedAt !== null) continue;
          if (sync(inner.revoke(t.id, at, reason))?.revokedNow && countedByRevokeAll(t, at)) count++;
        }
        return { count };
      },
    }),
  ),
  mutant(
    "answers revokeAll's count one too high",
    "{ ownerId } revokes exactly that owner's personal, not yet revoked",
    (inner) => ({
      revokeAll: (filter, at, reason) => ({ count: sync(inner.revokeAll(filter, at, reason)).count + 1 }),
    }),
  ),
  mutant(
    'sets lastUsedAt on every touch, lowering it too',
    'touch raises lastUsedAt only, never lowers it, never changes the version',
    (inner) => {
      const overlay = new Map<string, Partial<StoredToken>>();
      return {
        ...overlaid(inner, overlay),
        touch: (id, at) => {
          sync(inner.touch(id, at));
          if (sync(inner.get(id))) overlay.set(id, { ...overlay.get(id), lastUsedAt: at });
        },
      };
    },
  ),
  mutant(
    'rehashes without checking fromHash',
    'rehash replaces the hash iff it is still fromHash, keeping the version',
    (inner) => ({
      rehash: (id, _from, to, pepper) => inner.rehash(id, sync(inner.get(id))?.hash ?? '', to, pepper),
    }),
  ),
  mutant(
    'counts, then revokes, in two steps (revokeAllIfCount not atomic)',
    'a create racing a revokeAllIfCount, in every order (fc.scheduler): 409',
    (inner) => ({
      revokeAllIfCount: async (filter, at, reason, expectCount) => {
        const count = pageOf(inner, { ...coveredQuery(filter, at), status: 'active' }).tokens.length;
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (count !== expectCount) return { ok: false, reason: 'count_changed', count };
        sync(inner.revokeAll(filter, at, reason));
        return { ok: true, count };
      },
    }),
  ),
  mutant(
    'does not deliver revokeAll changes to subscribers',
    'delivers update, revoke, revokeAll and announceOwner as changes with',
    (inner) => ({
      subscribe: (listener) => inner.subscribe!((c: StoreChange) => void (c.type !== 'revokeAll' && listener(c))),
    }),
  ),
  mutant(
    'keeps delivering to a listener after its unsubscribe',
    'delivers nothing to a listener after its unsubscribe',
    (inner) => ({
      subscribe: (listener) => {
        sync(inner.subscribe!(listener));
        return () => {};
      },
    }),
  ),
  mutant(
    'looks only at the first hash in findByAnyHash',
    'findByAnyHash answers the record of any listed hash, in any position,',
    (inner) => ({
      findByAnyHash: (hashes) => (hashes.length === 0 ? null : inner.findByHash(hashes[0]!)),
    }),
  ),
  mutant(
    'hides revoked tokens from findByAnyHash (WHERE revoked_at IS NULL)',
    'findByAnyHash answers the record of any listed hash, in any position,',
    (inner) => ({
      findByAnyHash: (hashes) => {
        const t = sync(inner.findByAnyHash!(hashes));
        return t?.revokedAt === null ? t : null;
      },
    }),
  ),
  mutant(
    'answers get and findByHash from a cache whose objects it refreshes in place',
    'a record the store answered is a snapshot: later writes and reads of it',
    (inner) => {
      const cache = new Map<string, Record<string, unknown>>();
      const live = (t: StoredToken | null): StoredToken | null => {
        if (!t) return null;
        const held = cache.get(t.id) ?? {};
        cache.set(t.id, held);
        for (const key of Object.keys(held)) delete held[key];
        return Object.assign(held, t) as StoredToken;
      };
      return {
        get: (id) => live(sync(inner.get(id))),
        findByHash: (hash) => live(sync(inner.findByHash(hash))),
      };
    },
  ),
];

auditMutants(
  'TokenStore',
  (runner, factory: Factory) => tokenStoreConformance('mutant', runner, factory, { fc, runs: 5 }),
  () => memoryTokenStore(),
  mutants,
  35,
);
