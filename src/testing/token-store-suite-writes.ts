/** The `TokenStore` laws of writes: versioned update, idempotent revoke, revokeAll, touch and rehash. */
import type { TokenPatch } from '../core/store.ts';
import { WATERMARK_REASON } from '../core/store.ts';
import { randomHex, storedTokenFixture } from './fixtures.ts';
import {
  seeded,
  createAll,
  fails,
  newOwner,
  newWorkspace,
  DAY,
  T0,
  type SuiteContext,
} from './token-store-suite-helpers.ts';

/** Registers this section of the `TokenStore` conformance suite (runnable alone with `suiteContext`). */
export function writesSection(ctx: SuiteContext): void {
  updateCases(ctx);
  revokeCases(ctx);
  revokeAllCases(ctx);
  touchCases(ctx);
}

function updateCases(ctx: SuiteContext): void {
  const { t, expect, withStore } = ctx;
  t.describe('update', () => {
    t.it(
      'applies the patch and increments the version iff expectedVersion matches',
      withStore(async (store) => {
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
        expect(await store.update(token.id, { rateLimit: null, restrictions: null, expiresAt: null }, 5)).toEqual({
          ok: true,
          token: v6,
        });

        for (const stale of [4, 5, 7, 0]) {
          expect(await store.update(token.id, { label: `stale ${stale}` }, stale)).toEqual({
            ok: false,
            reason: 'conflict',
          });
        }
        expect(await store.get(token.id)).toEqual(v6);
      }),
    );

    t.it(
      'a patch field that is undefined leaves that field unchanged',
      withStore(async (store) => {
        const token = storedTokenFixture({ label: 'kept', rateLimit: { limit: 5, window: 1 }, metadata: { k: 'v' } });
        await store.create(token);
        const patch: TokenPatch = {
          label: undefined,
          rateLimit: undefined,
          metadata: undefined,
          scopes: undefined,
          expiresAt: undefined,
          restrictions: undefined,
        };
        const next = { ...token, version: token.version + 1 };
        expect(await store.update(token.id, patch, token.version)).toEqual({ ok: true, token: next });
        const stored = await store.get(token.id);
        expect(stored).toEqual(next);
        // toEqual treats an undefined property as absent; these are the fields the core reads.
        expect([stored?.label, stored?.rateLimit, stored?.metadata]).toEqual([
          token.label,
          token.rateLimit,
          token.metadata,
        ]);
      }),
    );

    t.it(
      'answers not_found for an unknown id',
      withStore(async (store) => {
        expect(await store.update(`tok_unknown${randomHex(8)}`, { label: 'x' }, 1)).toEqual({
          ok: false,
          reason: 'not_found',
        });
      }),
    );

    t.it(
      'never clears revokedAt: updating a revoked token leaves it revoked',
      withStore(async (store) => {
        const token = storedTokenFixture();
        await store.create(token);
        const revoked = await store.revoke(token.id, T0 + 50, 'leaked');
        const result = await store.update(token.id, { label: 'after revoke', metadata: { x: 1 } }, token.version + 1);
        const expected = {
          ...token,
          label: 'after revoke',
          metadata: { x: 1 },
          revokedAt: T0 + 50,
          revokedReason: 'leaked',
          version: token.version + 2,
        };
        expect(revoked?.version).toBe(token.version + 1);
        expect(result).toEqual({ ok: true, token: expected });
        expect(await store.get(token.id)).toEqual(expected);
      }),
    );
  });
}

function revokeCases(ctx: SuiteContext): void {
  const { t, expect, withStore } = ctx;
  t.describe('revoke', () => {
    t.it(
      'sets revokedAt and revokedReason and increments the version',
      withStore(async (store) => {
        const a = storedTokenFixture({ version: 3 });
        const b = storedTokenFixture();
        await createAll(store, [a, b]);
        const revokedA = { ...a, revokedAt: T0 + 77, revokedReason: 'leaked in CI log', version: 4 };
        expect(await store.revoke(a.id, T0 + 77, 'leaked in CI log')).toEqual({ ...revokedA, revokedNow: true });
        expect(await store.get(a.id)).toEqual(revokedA);
        expect(await store.findByHash(a.hash)).toEqual(revokedA);
        const revokedB = { ...b, revokedAt: T0 + 78, revokedReason: null, version: b.version + 1 };
        expect(await store.revoke(b.id, T0 + 78, null)).toEqual({ ...revokedB, revokedNow: true });
        expect(await store.get(b.id)).toEqual(revokedB);
      }),
    );

    t.it(
      'is idempotent: a second revoke keeps the first time and reason and the version, and answers revokedNow: false',
      withStore(async (store) => {
        const token = storedTokenFixture();
        await store.create(token);
        const first = await store.revoke(token.id, T0 + 10, 'first');
        const expected = { ...token, revokedAt: T0 + 10, revokedReason: 'first', version: token.version + 1 };
        expect(first).toEqual({ ...expected, revokedNow: true });
        expect(await store.revoke(token.id, T0 + 20, 'second')).toEqual({ ...expected, revokedNow: false });
        expect(await store.revoke(token.id, T0 + 10, 'first')).toEqual({ ...expected, revokedNow: false });
        expect(await store.revoke(token.id, T0 + 5, null)).toEqual({ ...expected, revokedNow: false });
        expect(await store.get(token.id)).toEqual(expected);
      }),
    );

    t.it(
      'answers null for an unknown id',
      withStore(async (store) => {
        expect(await store.revoke(`tok_unknown${randomHex(8)}`, T0, 'x')).toBeNull();
      }),
    );
  });
}

function revokeAllCases(ctx: SuiteContext): void {
  const { t, expect, withStore } = ctx;
  t.describe('revokeAll', () => {
    t.it(
      "{ ownerId } revokes exactly that owner's personal, not yet revoked tokens",
      withStore(async (store) => {
        const [O, P, W] = [newOwner(), newOwner(), newWorkspace()];
        const targets = [
          storedTokenFixture({ ownerId: O }),
          storedTokenFixture({ ownerId: O, workspaceId: W, version: 9 }),
          storedTokenFixture({ ownerId: O, expiresAt: T0 - 1 }), // expired but not revoked: revoked too, not counted
        ];
        const alreadyRevoked = storedTokenFixture({
          ownerId: O,
          revokedAt: T0 - 100,
          revokedReason: 'earlier',
          version: 2,
        });
        const spared = [
          storedTokenFixture({ ownerId: O, kind: 'workspace', workspaceId: W }), // a workspace token O created
          storedTokenFixture({ ownerId: P }),
          storedTokenFixture({ ownerId: P, workspaceId: W }),
        ];
        await createAll(store, [...targets, alreadyRevoked, ...spared]);
        const at = T0 + 1_000;
        expect(await store.revokeAll({ ownerId: O }, at, 'offboarded')).toEqual({ count: 2 });
        for (const token of targets)
          expect(await store.get(token.id)).toEqual({
            ...token,
            revokedAt: at,
            revokedReason: 'offboarded',
            version: token.version + 1,
          });
        expect(await store.get(alreadyRevoked.id)).toEqual(alreadyRevoked);
        for (const token of spared) expect(await store.get(token.id)).toEqual(token);
        expect(await store.revokeAll({ ownerId: O }, at + 1, 'again')).toEqual({ count: 0 });
        expect(await store.get(targets[0]!.id)).toEqual({
          ...targets[0]!,
          revokedAt: at,
          revokedReason: 'offboarded',
          version: targets[0]!.version + 1,
        });
      }),
    );

    t.it(
      "{ workspaceId } revokes exactly that workspace's workspace tokens",
      withStore(async (store) => {
        const [O, P, W, W2] = [newOwner(), newOwner(), newWorkspace(), newWorkspace()];
        const targets = [
          storedTokenFixture({ ownerId: O, kind: 'workspace', workspaceId: W }),
          storedTokenFixture({ ownerId: P, kind: 'workspace', workspaceId: W, expiresAt: T0 - 1 }), // revoked, not counted
        ];
        const alreadyRevoked = storedTokenFixture({
          ownerId: P,
          kind: 'workspace',
          workspaceId: W,
          revokedAt: T0 - 100,
          revokedReason: null,
        });
        const spared = [
          storedTokenFixture({ ownerId: O, workspaceId: W }), // a personal token used in W
          storedTokenFixture({ ownerId: O, kind: 'workspace', workspaceId: W2 }),
          storedTokenFixture({ ownerId: O }),
        ];
        await createAll(store, [...targets, alreadyRevoked, ...spared]);
        const at = T0 + 2_000;
        expect(await store.revokeAll({ workspaceId: W }, at, null)).toEqual({ count: 1 });
        for (const token of targets)
          expect(await store.get(token.id)).toEqual({
            ...token,
            revokedAt: at,
            revokedReason: null,
            version: token.version + 1,
          });
        expect(await store.get(alreadyRevoked.id)).toEqual(alreadyRevoked);
        for (const token of spared) expect(await store.get(token.id)).toEqual(token);
        expect(await store.revokeAll({ workspaceId: newWorkspace() }, at, null)).toEqual({ count: 0 });
      }),
    );
    t.it(
      'a create after a revokeAll whose watermark is later than its createdAt is stored revoked (the issue/revokeAll race)',
      withStore(async (store) => {
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
      }),
    );
  });
}

function touchCases(ctx: SuiteContext): void {
  const { t, expect, fc, runs, firstSeed, withStore } = ctx;
  t.describe('touch and rehash', () => {
    t.it(
      'touch raises lastUsedAt only, never lowers it, never changes the version',
      withStore(async (store) => {
        const token = storedTokenFixture({ version: 3 });
        await store.create(token);
        const steps: [number, number][] = [
          [T0 + 100, T0 + 100],
          [T0 + 50, T0 + 100],
          [T0 + 100, T0 + 100],
          [T0 + 200, T0 + 200],
        ];
        for (const [at, want] of steps) {
          await store.touch(token.id, at);
          expect(await store.get(token.id)).toEqual({ ...token, lastUsedAt: want });
        }
        expect(await store.findByHash(token.hash)).toEqual({ ...token, lastUsedAt: T0 + 200 });
        const unknown = `tok_unknown${randomHex(8)}`;
        await fails(() => store.touch(unknown, T0)); // a no-op or an error, but never a new record
        expect(await store.get(unknown)).toBeNull();
      }),
    );

    t.it(
      'after any sequence of touches, lastUsedAt is the maximum seen',
      withStore(async (store) => {
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
            fc.asyncProperty(
              fc.option(fc.integer(time), { nil: null }),
              fc.array(fc.integer(time), { maxLength: 12 }),
              check,
            ),
            { numRuns: runs },
          );
        } else {
          await seeded(firstSeed, runs, async (random) => {
            const int = () => time.min + Math.floor(random() * (time.max - time.min));
            await check(random() < 0.5 ? null : int(), Array.from({ length: Math.floor(random() * 12) }, int));
          });
        }
      }),
    );

    t.it(
      'rehash replaces the hash iff it is still fromHash, keeping the version',
      withStore(async (store) => {
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
      }),
    );

    t.it(
      'rehash never gives two tokens one hash',
      withStore(async (store) => {
        const [a, b] = [storedTokenFixture(), storedTokenFixture()];
        await createAll(store, [a, b]);
        await fails(() => store.rehash(a.id, a.hash, b.hash, 2)); // refused: a no-op or an error
        expect(await store.findByHash(b.hash)).toEqual(b);
        expect(await store.get(a.id)).toEqual(a);
        expect(await store.findByHash(a.hash)).toEqual(a);
      }),
    );
  });
}
