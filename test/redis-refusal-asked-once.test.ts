/**
 * A write Redis refused outright did not happen. With `maxmemory` reached under `noeviction`,
 * Redis answers `OOM command not allowed…` to a script's first write, and only then: once a
 * script has written, Redis 7 lets it finish (its atomicity), so a refused script wrote nothing.
 * `READONLY` (a replica after a failover) and `MISCONF` (a failed snapshot) are refused the same
 * way. Before session 52 keycard read such an answer as a lost one and asked again for seconds:
 * an `issue` on a full Redis sent its create script 28 times over 3.1 s (at the default
 * `storeTimeoutMs`). It is now `KeycardError('unavailable')` with `reason: 'store_refused'`,
 * answered at once. On a private redis-server (the shared one is never filled), both drivers.
 * Counts scripts sent, never time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, KeycardError, memoryLimiter } from '../src/index.ts';
import { CREATE } from '../src/stores/redis-lua.ts';
import type { RedisPort } from '../src/stores/redis-port.ts';
import { redisTokenStore } from '../src/stores/redis-token-store.ts';
import { REDIS_SERVER, startPrivateRedis, type PrivateRedis } from './fixtures/redis-server.mjs';
import { toadoScopes } from './helpers.ts';
import { connectPort, DRIVERS } from './redis-helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

let server: PrivateRedis | undefined;
const privateServer = async () => {
  if (!server) {
    server = await startPrivateRedis({});
    const s = server;
    cleanups.unshift(() => s.stop());
  }
  return server;
};

/** The port, counting each `EVALSHA` of the create script. */
function counting(port: RedisPort): { port: RedisPort; creates: () => number } {
  let n = 0;
  return {
    creates: () => n,
    port: {
      ...port,
      evalsha: (sha, keys, args) => {
        if (sha === CREATE.sha) n++;
        return port.evalsha(sha, keys, args);
      },
    },
  };
}

for (const driver of DRIVERS)
  describe.skipIf(!REDIS_SERVER)(`a write a full Redis refused is answered at once (${driver})`, () => {
    it('an issue refused with OOM sends its create script once and stores nothing', async () => {
      const { url } = await privateServer();
      const { port: plain, close, raw } = await connectPort(driver, url);
      cleanups.push(close);
      const { port, creates } = counting(plain);
      const store = redisTokenStore(port, { prefix: `refusal-${driver}:`, checkDurability: false });
      cleanups.push(() => store.close());
      // The defaults: a lost answer is asked after for 5 × (storeTimeoutMs + 100 ms).
      const keycard = createKeycard({
        prefix: 'acme',
        scopes: toadoScopes(),
        store,
        limiter: memoryLimiter(),
        onWarning: () => {},
        onError: () => {},
      });
      cleanups.push(() => keycard.close());
      const kept = await keycard.issue({ ownerId: 'u1', label: 'kept', scopes: ['read'] });

      await raw(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
      await raw(['CONFIG', 'SET', 'maxmemory', '1']);
      const before = creates();
      const error = await keycard
        .issue({ ownerId: 'u1', label: 'refused', scopes: ['read'] })
        .then(
          () => null,
          (e: unknown) => e,
        )
        .finally(() => raw(['CONFIG', 'SET', 'maxmemory', '0']));

      expect(error).toBeInstanceOf(KeycardError);
      expect((error as KeycardError).code).toBe('unavailable');
      expect((error as KeycardError).reason).toBe('store_refused');
      expect((error as KeycardError).message).toMatch(/refused: OOM/);
      expect(creates() - before).toBe(1);
      // Nothing stored: the owner has the one token issued before.
      const { records } = await keycard.list({ ownerId: 'u1' });
      expect(records.map((t) => t.label)).toEqual(['kept']);
      expect((await keycard.verify(kept.token)).ok).toBe(true);
    }, 60_000);
  });
