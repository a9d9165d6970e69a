/** The `TokenStore` laws of create, get, findByHash and findByAnyHash: round trips, uniqueness, isolation. */
import { randomHex, storedTokenFixture } from './fixtures.ts';
import {
  fails,
  newOwner,
  newWorkspace,
  scribble,
  DAY,
  T0,
  NOW,
  type SuiteContext,
} from './token-store-suite-helpers.ts';

/** Registers this section of the `TokenStore` conformance suite (runnable alone with `suiteContext`). */
export function crudSection(ctx: SuiteContext): void {
  ctx.t.describe('create, get, findByHash', () => {
    roundTripCases(ctx);
    anyHashCases(ctx);
    uniquenessCases(ctx);
    isolationCases(ctx);
  });
}

/** A created record comes back equal through get and findByHash; unknown ids and hashes answer null. */
function roundTripCases(ctx: SuiteContext): void {
  const { t, expect, withStore } = ctx;
  t.it(
    'create then get and findByHash return an equal record, JSON values and nulls included',
    withStore(async (store) => {
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
        metadata: {
          team: 'infra',
          n: 42,
          ratio: 0.5,
          neg: -3,
          on: true,
          off: false,
          none: null,
          tags: ['a', 'b'],
          nested: { deep: [1, { x: 'y' }], empty: {} },
        },
        pepperVersion: 3,
        version: 7,
      });
      const plain = storedTokenFixture({ ownerId: owner, rateLimit: { limit: 5, window: 1 } });
      const revoked = storedTokenFixture({
        ownerId: owner,
        revokedAt: T0 + 9,
        revokedReason: null,
        expiresAt: T0 + 1,
      });
      for (const token of [rich, plain, revoked]) {
        await store.create(token);
        expect(await store.get(token.id)).toEqual(token);
        expect(await store.findByHash(token.hash)).toEqual(token);
      }
    }),
  );

  t.it(
    'get and findByHash of an unknown id or hash answer null',
    withStore(async (store) => {
      await store.create(storedTokenFixture());
      expect(await store.get(`tok_unknown${randomHex(8)}`)).toBeNull();
      expect(await store.findByHash(randomHex(32))).toBeNull();
    }),
  );
}

/**
 * The optional `findByAnyHash` (one secret hashed under each pepper generation, current first):
 * the record whose hash is any of them, revoked or not, whatever the hash's position; else null.
 */
function anyHashCases(ctx: SuiteContext): void {
  const { t, expect, withStore } = ctx;
  t.it(
    'findByAnyHash answers the record of any listed hash, in any position, revoked ones too; null for none (vacuous without it)',
    withStore(async (store) => {
      const findByAnyHash = store.findByAnyHash?.bind(store);
      if (!findByAnyHash) return;
      const live = storedTokenFixture();
      const revoked = storedTokenFixture({ revokedAt: T0 + 9, revokedReason: 'leaked' });
      await store.create(live);
      await store.create(revoked);
      const unknown = () => randomHex(32);
      for (const token of [live, revoked]) {
        expect(await findByAnyHash([token.hash, unknown()])).toEqual(token);
        expect(await findByAnyHash([unknown(), token.hash])).toEqual(token);
        expect(await findByAnyHash([unknown(), unknown(), token.hash])).toEqual(token);
      }
      expect(await findByAnyHash([unknown(), unknown()])).toBeNull();
    }),
  );
}

/** A duplicate id or hash is refused and the first record is kept. */
function uniquenessCases(ctx: SuiteContext): void {
  const { t, expect, withStore } = ctx;
  t.it(
    'create with a duplicate id throws and keeps the first record',
    withStore(async (store) => {
      const first = storedTokenFixture({ label: 'first' });
      await store.create(first);
      const clash = storedTokenFixture({ id: first.id, label: 'second' });
      expect(await fails(() => store.create(clash))).toBe(true);
      expect(await store.get(first.id)).toEqual(first);
      expect(await store.findByHash(first.hash)).toEqual(first);
      expect(await store.findByHash(clash.hash)).toBeNull();
    }),
  );

  t.it(
    'create with a duplicate hash throws and keeps the first record',
    withStore(async (store) => {
      const first = storedTokenFixture({ label: 'first' });
      await store.create(first);
      const clash = storedTokenFixture({ hash: first.hash, label: 'second' });
      expect(await fails(() => store.create(clash))).toBe(true);
      expect(await store.findByHash(first.hash)).toEqual(first);
      expect(await store.get(clash.id)).toBeNull();
    }),
  );
}

/** The store keeps its own copy: neither the object given to create nor a returned record aliases it. */
function isolationCases(ctx: SuiteContext): void {
  const { t, expect, withStore } = ctx;
  t.it(
    'mutating the object given to create afterwards does not change the stored record',
    withStore(async (store) => {
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
    }),
  );

  t.it(
    'records the store returns are copies or frozen: mutating them does not change the store',
    withStore(async (store) => {
      const owner = newOwner();
      const input = storedTokenFixture({
        ownerId: owner,
        restrictions: { project: ['p_1'] },
        metadata: { nested: { list: [1] } },
      });
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
      const afterRevoke = {
        ...afterUpdate,
        revokedAt: T0 + 5,
        revokedReason: 'done',
        version: afterUpdate.version + 1,
      };
      expect(await store.get(created.id)).toEqual(afterRevoke);
      expect(await store.findByHash(created.hash)).toEqual(afterRevoke);
    }),
  );

  t.it(
    'a record the store answered is a snapshot: later writes and reads of it leave it as it was',
    withStore(async (store) => {
      const token = storedTokenFixture({ metadata: { n: 1 } });
      await store.create(token);
      const answers = [await store.get(token.id), await store.findByHash(token.hash)];
      const updated = await store.update(token.id, { label: 'renamed', metadata: { n: 2 } }, token.version);
      await store.touch(token.id, T0 + 7);
      await store.revoke(token.id, T0 + 8, 'done');
      await store.get(token.id); // a cache that refreshes the objects it handed out would do it here
      await store.findByHash(token.hash);
      expect(updated.ok).toBe(true);
      expect(answers).toEqual([token, token]);
    }),
  );
}
