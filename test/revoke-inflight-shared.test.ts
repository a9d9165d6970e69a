/**
 * SPEC §1.2 with the cache on, while the token keeps changing: two keycard instances share one
 * store (PGlite always; Redis and a Postgres server when configured). B verifies the token over and
 * over (its cache warm); A renames it in a loop and rotates it with a grace while it revokes it.
 * Once A's `revoke()` resolved, A refuses the token at once, and B within `revocationBoundMs` and
 * ever after: no update landing after the revocation, no notification of an older version and no
 * read that began before it puts the live record back into either cache.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, memoryLimiter, type Keycard } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';
import { SHARED } from './shared-backends.ts';

const BOUND_MS = 300;
const yieldToIo = () => new Promise((r) => setImmediate(r));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

describe('revoke while the token is renamed and rotated, two instances, cache on', () => {
  for (const backend of SHARED)
    it(`${backend.name}: refused here at once and in the other instance within revocationBoundMs, for good`, async () => {
      const { a: storeA, b: storeB, close } = await backend.open();
      cleanups.push(close);
      const options = {
        prefix: 'acme',
        scopes: toadoScopes(),
        limiter: memoryLimiter(),
        revocationBoundMs: BOUND_MS,
        onWarning: () => {},
        onError: () => {},
      };
      const a: Keycard = createKeycard({ ...options, store: storeA });
      const b: Keycard = createKeycard({ ...options, store: storeB });
      cleanups.push(
        () => a.close(),
        () => b.close(),
      );
      const { token, record } = await a.issue({ ownerId: 'u', label: 'agent', scopes: ['comments'] });
      expect((await b.verify(token)).ok).toBe(true);

      let stop = false;
      let revokedAt = Number.POSITIVE_INFINITY;
      const late: { startedAfter: number; ok: boolean; who: string }[] = [];
      const verifyLoop = async (kc: Keycard, who: string) => {
        while (!stop) {
          const started = performance.now();
          const ok = (await kc.verify(token)).ok;
          if (started > revokedAt) late.push({ startedAfter: started - revokedAt, ok, who });
          await yieldToIo(); // a cache hit answers without I/O: let timers and sockets run
        }
      };
      const renameLoop = async () => {
        for (let i = 0; !stop; i++) {
          await a.update(record.id, { label: `agent ${i}` }).catch(() => null);
          await yieldToIo(); // PGlite answers in-process: let timers run
        }
      };
      const loops = [verifyLoop(b, 'B'), verifyLoop(a, 'A'), renameLoop(), renameLoop()];
      await new Promise((r) => setTimeout(r, 50));
      const rotation = a.rotate(record.id, { graceMs: 60_000 }).catch(() => null);
      await a.revoke(record.id, { reason: 'leaked' });
      revokedAt = performance.now();
      await rotation;
      await new Promise((r) => setTimeout(r, BOUND_MS * 3));
      stop = true;
      await Promise.all(loops);

      expect(late.filter((v) => v.who === 'A' && v.ok)).toEqual([]);
      expect(late.filter((v) => v.who === 'B' && v.ok && v.startedAfter > BOUND_MS)).toEqual([]);
      expect(late.filter((v) => v.who === 'B' && v.startedAfter > BOUND_MS).length).toBeGreaterThan(0);
      expect((await b.verify(token)).ok).toBe(false);
    });
});
