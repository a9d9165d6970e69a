/**
 * Issue 11 item 3: an `issue()` racing `revokeAll()` never leaves a live token created before the
 * revokeAll watermark — on the memory store under every interleaving fc.scheduler picks, and with
 * real concurrency on PGlite, Redis and a Postgres server. The store contract itself (a create
 * that lands after a revokeAll whose watermark is later than its createdAt is stored revoked) is
 * in the conformance suite (src/testing/token-store-suite.ts).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createKeycard, KeycardError, memoryTokenStore, type TokenStore } from '../src/index.ts';
import type { StoredToken } from '../src/core/store.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';
import { BACKENDS } from './store-backends.ts';

/** A memory store whose create, get and revokeAll resolve in the order the scheduler picks. */
function scheduledStore(s: fc.Scheduler, inner: TokenStore): TokenStore {
  const wrapped: Record<string, unknown> = { shared: false };
  for (const [name, f] of Object.entries(inner))
    if (typeof f === 'function') wrapped[name] = (f as (...a: unknown[]) => unknown).bind(inner);
  for (const name of ['create', 'get', 'revokeAll'] as const) {
    const f = (inner[name] as (...a: unknown[]) => unknown).bind(inner);
    // The write itself waits for the scheduler (scheduleFunction would run it at once and only delay its answer).
    wrapped[name] = async (...args: unknown[]) => {
      await s.schedule(Promise.resolve(), name);
      return f(...args);
    };
  }
  return wrapped as unknown as TokenStore;
}

/** Every personal token of `ownerId`, all pages. */
async function allOf(store: TokenStore, ownerId: string): Promise<StoredToken[]> {
  const out: StoredToken[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<TokenStore['list']>> = await store.list({
      ownerId,
      status: 'all',
      now: Date.now(),
      limit: 500,
      cursor,
    });
    out.push(...page.tokens);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const settledIssue = (p: Promise<{ record: { id: string } }>) =>
  p.then(
    (r) => ({ ok: true as const, id: r.record.id }),
    (e: unknown) => {
      // The only refusal allowed: the race was detected and the new token revoked.
      expect(e).toBeInstanceOf(KeycardError);
      expect((e as KeycardError).code).toBe('token_revoked');
      return { ok: false as const };
    },
  );

describe('issue() racing revokeAll() (issue 11, item 3)', () => {
  test.prop([fc.scheduler(), fc.integer({ min: 1, max: 4 })], { numRuns: 200 })(
    'memory store, every interleaving: no token created before the watermark survives',
    async (s, n) => {
      const clock = fakeClock();
      const inner = memoryTokenStore();
      const kc = createKeycard({
        prefix: 'acme',
        scopes: toadoScopes(),
        store: scheduledStore(s, inner),
        clock,
        storeTimeoutMs: 60_000,
        onWarning: () => {},
        onError: () => {},
      });
      const issues = Array.from({ length: n }, (_, i) =>
        settledIssue(kc.issue({ ownerId: 'u', label: `t${i}`, scopes: ['read'] })),
      );
      clock.advance(1); // the watermark is strictly after every createdAt above
      const revoked = kc.revokeAll({ ownerId: 'u' });
      const [results] = await s.waitFor(Promise.all([Promise.all(issues), revoked]));
      // Issued before the watermark: either revokeAll ended it, or issue() saw the race and refused.
      const tokens = await allOf(inner, 'u');
      expect(tokens).toHaveLength(n);
      for (const t of tokens)
        expect(t.revokedAt, `${t.id} created at ${t.createdAt}, watermark ${clock.now()}`).not.toBeNull();
      expect(results).toHaveLength(n);
    },
  );

  for (const backend of BACKENDS) {
    it(`${backend.name}: 200 concurrent issues (PGlite 40) with a revokeAll among them, every token created before the watermark is revoked`, async () => {
      const { store, close } = await backend.open();
      try {
        let watermark = Number.NaN;
        const spy: TokenStore = {
          ...store,
          revokeAll: (filter, at, reason) => {
            watermark = at;
            return store.revokeAll(filter, at, reason);
          },
        };
        const kc = createKeycard({
          prefix: 'acme',
          scopes: toadoScopes(),
          store: spy,
          storeTimeoutMs: 60_000,
          onWarning: () => {},
          onError: () => {},
        });
        // PGlite runs one statement at a time (no real concurrency): one small round shows the contract there.
        const [rounds, count] = backend.name === 'PGlite' ? [1, 40] : [3, 200];
        for (let round = 0; round < rounds; round++) {
          const ownerId = `u${round}`;
          const issues: Promise<{ ok: boolean; id?: string }>[] = [];
          let revoked: Promise<unknown> = Promise.resolve();
          for (let i = 0; i < count; i++) {
            issues.push(settledIssue(kc.issue({ ownerId, label: `t${i}`, scopes: ['read'] })));
            if (i === count / 2) revoked = kc.revokeAll({ ownerId });
            if (i % 20 === 0) await new Promise((r) => setImmediate(r));
          }
          const results = await Promise.all(issues);
          await revoked;
          const tokens = await allOf(store, ownerId);
          expect(tokens).toHaveLength(count);
          const survivors = tokens.filter((t) => t.createdAt < watermark && t.revokedAt === null);
          expect(
            survivors.map((t) => `${t.id}@${t.createdAt}`),
            `watermark ${watermark}`,
          ).toEqual([]);
          expect(results.filter((r) => r.ok).length + results.filter((r) => !r.ok).length).toBe(count);
        }
        await kc.close();
      } finally {
        await close();
      }
    }, 120_000);
  }
});
