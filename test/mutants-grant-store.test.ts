/**
 * Mutation audit of `pendingGrantStoreConformance`: the memory pending-grant store with one law
 * broken at a time (a device code redeemable twice, a read-then-write compare-and-set, an update on
 * a stale copy, a version restarted by create, a prune that over-reaches or keeps user codes reserved). The suite must fail every
 * one of them, and pass the store unmutated (test/mutants-harness.ts).
 *
 * Not mutated, because the port allows it: a case-sensitive `getByUserCode` (the routes normalise
 * the typed code first, approval.ts, and the port takes it "normalised"), and `get` answering an
 * expired grant (the routes judge `expiresAt`; only `prune` deletes).
 */
import { memoryPendingGrantStore, type PendingGrant, type PendingGrantStore } from '../src/device/grant-store.ts';
import { pendingGrantStoreConformance } from '../src/testing/pending-grant-suite.ts';
import { auditMutants, type Mutant } from './mutants-harness.ts';

type Factory = () => PendingGrantStore;

/** The memory store with the methods `over` returns replaced (the rest delegate to it). */
const mutant = (
  breaks: string,
  caughtBy: string,
  over: (inner: PendingGrantStore) => Partial<PendingGrantStore>,
): Mutant<Factory> => ({
  breaks,
  caughtBy,
  factory: () => {
    const inner = memoryPendingGrantStore();
    return { ...inner, ...over(inner) };
  },
});

/** A store that remembers the user codes of grants it deleted by `method`, and refuses them to `create`. */
function reserving(method: 'take' | 'prune'): Mutant<Factory>['factory'] {
  return () => {
    const inner = memoryPendingGrantStore();
    const codes = new Map<string, string>(); // deviceCodeHash → userCode, of the grants created
    const reserved = new Set<string>();
    const forgetGone = async () => {
      for (const [hash, code] of codes) if ((await inner.get(hash)) === null) (reserved.add(code), codes.delete(hash));
    };
    return {
      ...inner,
      async create(grant) {
        if (reserved.has(grant.userCode)) return false;
        const ok = await inner.create(grant);
        if (ok) codes.set(grant.deviceCodeHash, grant.userCode);
        return ok;
      },
      async take(hash) {
        const taken = await inner.take(hash);
        if (method === 'take') await forgetGone();
        return taken;
      },
      async prune(before) {
        const n = await inner.prune(before);
        if (method === 'prune') await forgetGone();
        return n;
      },
    };
  };
}

const mutants: Mutant<Factory>[] = [
  mutant(
    'hands one grant to several concurrent takers (reads, then deletes)',
    'take deletes and answers the grant, to exactly one of concurrent callers',
    (inner) => ({
      async take(hash) {
        const grant = await inner.get(hash);
        if (grant === null) return null;
        await new Promise((resolve) => setTimeout(resolve, 1));
        await inner.take(hash);
        return grant;
      },
    }),
  ),
  mutant(
    'answers take without deleting: a device code redeemable twice',
    'take deletes and answers the grant, to exactly one of concurrent callers',
    (inner) => ({
      take: (hash) => inner.get(hash),
    }),
  ),
  {
    breaks: 'keeps the user code of a taken grant reserved',
    caughtBy: 'take deletes and answers the grant, to exactly one of concurrent callers',
    factory: reserving('take'),
  },
  mutant(
    'restarts the version at 1 on create (a grant put back takes a stale compare-and-set)',
    'create keeps the version it is given, so a grant put back after a take goes on counting',
    (inner) => ({
      create: (grant) => inner.create({ ...grant, version: 1 }),
    }),
  ),
  mutant(
    'ignores expectedVersion on update',
    'update applies the patch iff the version matches, and bumps the version',
    (inner) => ({
      async update(hash, _version, patch) {
        const current = await inner.get(hash);
        return current && inner.update(hash, current.version, patch);
      },
    }),
  ),
  mutant(
    'compares the version, then writes (two steps: concurrent updates all win)',
    'of concurrent updates at one version, exactly one wins',
    (inner) => ({
      async update(hash, version, patch) {
        const current = await inner.get(hash);
        if (current === null || current.version !== version) return null;
        await new Promise((resolve) => setTimeout(resolve, 1));
        const now = await inner.get(hash);
        return now && inner.update(hash, now.version, patch);
      },
    }),
  ),
  mutant(
    'applies an update to the grant as created, losing the updates before it',
    'update applies the patch iff the version matches, and bumps the version',
    (inner) => {
      const created = new Map<string, PendingGrant>();
      const shown = new Map<string, PendingGrant>();
      const show = (g: PendingGrant | null) => (g && shown.has(g.deviceCodeHash) ? shown.get(g.deviceCodeHash)! : g);
      return {
        async create(grant) {
          const ok = await inner.create(grant);
          if (ok) created.set(grant.deviceCodeHash, structuredClone({ ...grant, version: 1 }));
          return ok;
        },
        get: async (hash) => show(await inner.get(hash)),
        getByUserCode: async (code) => show(await inner.getByUserCode(code)),
        async update(hash, version, patch) {
          const next = await inner.update(hash, version, patch);
          if (next === null) return null;
          const stale = { ...created.get(hash)!, ...patch, version: next.version };
          shown.set(hash, stale);
          return stale;
        },
        async take(hash) {
          const taken = show(await inner.take(hash));
          shown.delete(hash);
          return taken;
        },
      };
    },
  ),
  mutant(
    'checks only the device-code hash for uniqueness on create (a user code may repeat)',
    'create refuses a taken device-code hash or user code, storing nothing',
    (inner) => {
      const extra = memoryPendingGrantStore();
      return {
        async create(grant) {
          if (await inner.create(grant)) return true;
          return (await inner.get(grant.deviceCodeHash)) === null && extra.create(grant);
        },
        get: async (hash) => (await inner.get(hash)) ?? extra.get(hash),
      };
    },
  ),
  {
    breaks: 'keeps the user code of a pruned grant reserved',
    caughtBy: 'prune deletes the grants expired at the given time, and only those,',
    factory: reserving('prune'),
  },
  mutant(
    'prunes by the second: grants expiring up to 999 ms after `before` go too',
    'prune deletes the grants expired at the given time, and only those,',
    (inner) => ({
      prune: (before) => inner.prune(before + 999),
    }),
  ),
  mutant(
    'spares a grant expiring exactly at `before` from prune',
    'prune deletes the grants expired at the given time, and only those,',
    (inner) => ({
      prune: (before) => inner.prune(before - 1),
    }),
  ),
];

auditMutants(
  'PendingGrantStore',
  (runner, factory: Factory) => pendingGrantStoreConformance('mutant', runner, factory),
  () => memoryPendingGrantStore(),
  mutants,
  7,
);
