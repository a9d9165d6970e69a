/**
 * A failed issue revokes the token it stored but never handed out (src/lifecycle/settle.ts
 * `abandon`). When that revoke meets a server that is down, a client without an offline queue
 * (as docs/storage.md tells users to build it) refuses it at once, without sending it: one try
 * left the token live once the server was back, with nobody holding its secret. The revoke is
 * now asked again while its outcome is unknown, for as long as the settling of a lost write.
 * Deterministic: the server is killed at the check after the create and restarted when the
 * first revoke is sent (through hooks on the store's calls, not timers).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, type Keycard } from '../src/index.ts';
import { memoryLimiter } from '../src/stores/memory-limiter.ts';
import { redisTokenStore } from '../src/stores/redis-token-store.ts';
import { REDIS_SERVER, startPrivateRedis, type PrivateRedis } from './fixtures/redis-server.mjs';
import { toadoScopes, watchedStore } from './helpers.ts';
import { announceSkip, connectPort, DRIVERS, REDIS_URL } from './redis-helpers.ts';

announceSkip('redis-abandon-outage.test.ts');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function app(driver: (typeof DRIVERS)[number], redis: PrivateRedis, before: (method: string) => void) {
  const { port, close } = await connectPort(driver, redis.url);
  const store = redisTokenStore(port, { checkDurability: false });
  const keycard: Keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    store: watchedStore(store, before),
    limiter: memoryLimiter(),
    // A bound, not a timing assertion: the settling asks for 5 × (2 s + 0.1 s), long enough for
    // a restart on a loaded machine; a call to a dead server fails at once, so nothing waits it out.
    storeTimeoutMs: 2_000,
    onWarning: () => {},
    onError: () => {},
  });
  cleanups.push(async () => {
    await keycard.close();
    await store.close();
    await close();
  });
  return keycard;
}

/** Polls every 50 ms, at most 20 s. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within 20 s`);
}

for (const driver of DRIVERS) {
  describe.skipIf(!REDIS_URL || !REDIS_SERVER)(`an abandoned token meets a dead Redis (${driver})`, () => {
    it('issue whose check meets a killed server: the token it stored is revoked once the server is back', async () => {
      const redis = await startPrivateRedis({ appendonly: true }); // appendfsync always: the create survives the kill
      cleanups.push(() => redis.stop());
      let created = false;
      let killed: Promise<void> | undefined;
      let restarted: Promise<unknown> | undefined;
      const a = await app(driver, redis, (method) => {
        if (method === 'create') created = true;
        else if (created && method === 'get' && !killed) killed = redis.kill();
        else if (killed && method === 'revoke' && !restarted) restarted = killed.then(() => redis.restart());
      });
      const r = await a.issue({ ownerId: 'usr_d', label: 'abandoned' }).then(
        () => 'issued',
        (e: unknown) => e,
      );
      expect(r).toMatchObject({ code: 'unavailable' });
      expect(restarted).toBeDefined(); // the revoke was asked for while the server was down
      await restarted;
      // Once the server answers, the token the failed issue stored is not live.
      await until(async () => (await a.list({ ownerId: 'usr_d' })).records.length === 1, 'the stored token listed');
      const listed = await a.list({ ownerId: 'usr_d', status: 'active' });
      expect(listed.records).toEqual([]);
    }, 60_000);
  });
}
