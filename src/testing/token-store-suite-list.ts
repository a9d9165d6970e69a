/** The `TokenStore` laws of `list`: order, filters, status and keyset paging. */
import type { StoredToken, TokenStore } from '../core/store.ts';
import { randomHex, storedTokenFixture } from './fixtures.ts';
import {
  seededRandom,
  shuffle,
  createAll,
  compareTokens,
  sortTokens,
  newOwner,
  newWorkspace,
  T0,
  NOW,
  type SuiteContext,
} from './token-store-suite-helpers.ts';

/** Registers this section of the `TokenStore` conformance suite (runnable alone with `suiteContext`). */
export function listSection(ctx: SuiteContext): void {
  ctx.t.describe('list', () => {
    orderAndStatusCases(ctx);
    pagingCases(ctx);
  });
}

function orderAndStatusCases(ctx: SuiteContext): void {
  const { t, expect, withStore, listAll, ids, listIds } = ctx;
  t.it(
    'orders by (createdAt, id) with ids in code-unit order, and filters by owner, workspace and kind',
    withStore(async (store) => {
      const [O, P, W, W2] = [newOwner(), newOwner(), newWorkspace(), newWorkspace()];
      const ns = `tok_${randomHex(6)}_`;
      // Ties on createdAt with ids whose code-unit order ('B' < 'C' < 'a') differs from a
      // case-insensitive collation's (a < B < C): a SQL store needs COLLATE "C" (or bytea) here.
      const o1 = storedTokenFixture({ id: `${ns}x`, ownerId: O, createdAt: T0 + 30 });
      const o2 = storedTokenFixture({ id: `${ns}a`, ownerId: O, workspaceId: W, createdAt: T0 + 10 });
      const o3 = storedTokenFixture({ id: `${ns}B`, ownerId: O, createdAt: T0 + 10 });
      const o4 = storedTokenFixture({
        id: `${ns}Z`,
        ownerId: O,
        kind: 'workspace',
        workspaceId: W,
        createdAt: T0 + 20,
      });
      const o5 = storedTokenFixture({
        id: `${ns}y`,
        ownerId: O,
        kind: 'workspace',
        workspaceId: W2,
        createdAt: T0 + 5,
      });
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
      expect((await listAll(store, { ownerId: O, now: NOW, limit: 500 })).flat()).toEqual(
        sortTokens([o1, o2, o3, o4, o5]),
      );
    }),
  );

  t.it(
    'judges status at query.now: active, expired (now ≥ expiresAt), revoked, all',
    withStore(async (store) => {
      const owner = newOwner();
      let n = 0;
      const make = (fields: Partial<StoredToken>) =>
        storedTokenFixture({ ownerId: owner, createdAt: T0 + n++, ...fields });
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
      expect(await listIds(store, { ownerId: owner, status: 'revoked' })).toEqual(
        ids([revoked, revokedExpired, revokedLater]),
      );
      expect(await listIds(store, { ownerId: owner, status: 'all' })).toEqual(ids(all));
      expect(await listIds(store, { ownerId: owner })).toEqual(ids(all));
      // The same records judged 100 ms earlier: nothing has expired yet.
      const earlier = NOW - 100;
      expect(await listIds(store, { ownerId: owner, status: 'active', now: earlier })).toEqual(
        ids([forever, justBefore, exactly, justAfter]),
      );
      expect(await listIds(store, { ownerId: owner, status: 'expired', now: earlier })).toEqual([]);
    }),
  );
}

function pagingCases(ctx: SuiteContext): void {
  const { t, expect, firstSeed, withStore, listAll, ids } = ctx;
  t.it(
    'pages through 1,200 tokens of one owner with limit 100, 7 and 500: each exactly once, in order',
    withStore(async (store) => {
      const random = seededRandom(firstSeed);
      const [owner, other] = [newOwner(), newOwner()];
      const count = 1_200;
      // Four records per millisecond, so pages split ties and only the id orders them.
      const mine = Array.from({ length: count }, (_, i) =>
        storedTokenFixture({ ownerId: owner, createdAt: T0 + Math.floor(i / 4) }),
      );
      // Another owner's records interleaved with (and tied to) these, but none after the last.
      const noise = Array.from({ length: 100 }, (_, i) =>
        storedTokenFixture({ ownerId: other, createdAt: T0 + i * 3 }),
      );
      await createAll(store, shuffle([...mine, ...noise], random));
      const expected = ids(sortTokens(mine));

      for (const limit of [100, 7, 500]) {
        const pages = await listAll(store, { ownerId: owner, now: NOW, limit }, Math.ceil(count / limit) + 2);
        const got = ids(pages.flat());
        expect({ limit, count: got.length, distinct: new Set(got).size }).toEqual({ limit, count, distinct: count });
        expect(got).toEqual(expected);
        expect({ limit, shortPagesBeforeTheLast: pages.slice(0, -1).filter((p) => p.length !== limit).length }).toEqual(
          { limit, shortPagesBeforeTheLast: 0 },
        );
      }
    }),
  );

  t.it(
    'the page holding the last match has nextCursor null, even when other records follow',
    withStore(async (store) => {
      const [owner, other] = [newOwner(), newOwner()];
      const mine = Array.from({ length: 10 }, (_, i) => storedTokenFixture({ ownerId: owner, createdAt: T0 + i }));
      const later = Array.from({ length: 5 }, (_, i) =>
        storedTokenFixture({ ownerId: other, createdAt: T0 + 100 + i }),
      );
      await createAll(store, [...mine, ...later]);

      const whole = await store.list({ ownerId: owner, now: NOW, limit: 10 });
      expect(whole.tokens.length).toBe(10);
      expect(whole.nextCursor).toBeNull();
      const halves = await listAll(store, { ownerId: owner, now: NOW, limit: 5 });
      expect(halves.map((p) => p.length)).toEqual([5, 5]);
      const none = await store.list({ ownerId: newOwner(), now: NOW, limit: 5 });
      expect({ tokens: none.tokens.length, nextCursor: none.nextCursor }).toEqual({ tokens: 0, nextCursor: null });
    }),
  );

  t.it(
    'records inserted during paging: later ones appear once on a later page, none is ever repeated',
    withStore(async (store) => {
      const random = seededRandom(firstSeed + 1);
      const owner = newOwner();
      const originals = Array.from({ length: 40 }, (_, i) =>
        storedTokenFixture({ ownerId: owner, createdAt: T0 + Math.floor(i / 2) * 10 }),
      );
      await createAll(store, originals);
      const mustAppear: StoredToken[] = [];
      const seen: StoredToken[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        if (++pages > 100) throw new Error('list still had a nextCursor after 100 pages');
        const page: Awaited<ReturnType<TokenStore['list']>> = await store.list({
          ownerId: owner,
          now: NOW,
          limit: 6,
          cursor,
        });
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
      const outOfOrder = seen
        .slice(1)
        .filter((s, i) => compareTokens(seen[i]!, s) >= 0)
        .map((s) => s.id);
      expect(outOfOrder).toEqual([]);
      const missing = [...originals, ...mustAppear].filter((m) => !got.includes(m.id)).map((m) => m.id);
      expect(missing).toEqual([]);
      // The record inserted after everything during the first page was listed on a later page.
      const afterAll = mustAppear[0]!;
      expect(got.indexOf(afterAll.id)).toBeGreaterThan(5);
    }),
  );
}
