/**
 * Issue 11, item 10: close() after the subscriber's connection dropped must close the duplicated
 * subscriber connection keycard opened, not leave it reconnecting forever. A private
 * redis-server per test is killed, so the subscriber is down when the app shuts down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard } from '../src/index.ts';
import { fromIoredis, fromNodeRedis } from '../src/stores/redis-port.ts';
import { redisTokenStore } from '../src/stores/redis-token-store.ts';
import { REDIS_SERVER, startPrivateRedis } from './fixtures/redis-server.mjs';
import { ioredisClient, nodeRedisClient } from './redis-helpers.ts';
import { toadoScopes } from './helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

describe.skipIf(!REDIS_SERVER)('close() after the subscriber connection dropped', () => {
  for (const driver of ['ioredis', 'node-redis'] as const) {
    it(`${driver}: the duplicated subscriber is closed, not left reconnecting`, async () => {
      const redis = await startPrivateRedis({ appendonly: false });
      cleanups.push(() => redis.stop());
      const duplicates: { closed(): boolean }[] = [];
      let port;
      let closeClient: () => Promise<unknown>;
      if (driver === 'ioredis') {
        const client = ioredisClient(redis.url);
        await client.connect();
        const duplicate = client.duplicate.bind(client);
        client.duplicate = (...args: Parameters<typeof client.duplicate>) => {
          const d = duplicate(...args);
          // Closed: 'end', or — when close() found it between two attempts — 'reconnecting' with
          // no attempt scheduled: ioredis's disconnect() then clears the reconnect timer and marks
          // it closed by hand, but its socket closed already, so no close event moves it to 'end'.
          // Left reconnecting, a timer is pending (or it is 'connecting'), and this stays false.
          const own = d as unknown as { reconnectTimeout: unknown; manuallyClosing: boolean };
          duplicates.push({
            closed: () =>
              d.status === 'end' ||
              (d.status === 'reconnecting' && own.reconnectTimeout === null && own.manuallyClosing),
          });
          return d;
        };
        port = fromIoredis(client);
        closeClient = async () => client.disconnect();
      } else {
        const client = nodeRedisClient(redis.url);
        await client.connect();
        const duplicate = client.duplicate.bind(client);
        (client as { duplicate: unknown }).duplicate = (...args: Parameters<typeof client.duplicate>) => {
          const d = duplicate(...args);
          duplicates.push({ closed: () => !d.isOpen });
          return d;
        };
        port = fromNodeRedis(client);
        closeClient = async () => client.destroy();
      }
      cleanups.push(closeClient);
      const store = redisTokenStore(port, { checkDurability: false });
      const kc = createKeycard({
        prefix: 'acme',
        scopes: toadoScopes(),
        store,
        storeTimeoutMs: 200,
        onWarning: () => {},
        onError: () => {},
      });
      const { token } = await kc.issue({ ownerId: 'u1', label: 'ci' });
      expect((await kc.verify(token)).ok).toBe(true);
      expect(duplicates).toHaveLength(1);
      await redis.kill(); // every connection drops; the subscriber starts reconnecting
      await kc.close();
      await store.close();
      // ioredis reaches 'end' on the socket's close event: allow it a moment (bounded), never a
      // reconnect. 10 s, not 2 s: a clean-clone CI run on the shared 2 cores once needed more than 2.
      for (let i = 0; i < 500 && !duplicates[0]!.closed(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(duplicates[0]!.closed()).toBe(true);
    });
  }
});
