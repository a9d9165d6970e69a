/**
 * The subscriber connection `fromIoredis` duplicates re-subscribes by itself after a reconnect,
 * with ioredis's own resubscribe turned off. ioredis's (`autoResubscribe`) sends SUBSCRIBE when the
 * connection is ready and never handles its promise: with no offline queue (docs/storage.md's
 * set-up), a connection that drops at that moment rejects it unhandled, which ends a Node process
 * by default. The session 54 clean-clone CI ended on one (test/redis-abandon-outage, a killed
 * server). Real ioredis and redis-server; the duplicate is observed, not replaced.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { fromIoredis, type IoredisClientLike } from '../src/stores/redis-port.ts';
import { announceSkip, REDIS_URL } from './redis-helpers.ts';

announceSkip('redis-subscriber-resubscribe.test.ts');

const closers: (() => unknown)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe.skipIf(!REDIS_URL)('ioredis: the duplicated subscriber after a reconnect', () => {
  it('has ioredis’s own resubscribe off, and still receives messages once its connection was killed', async () => {
    const client = new Redis(REDIS_URL!, { enableOfflineQueue: false });
    const admin = new Redis(REDIS_URL!);
    closers.push(
      () => client.disconnect(),
      () => admin.disconnect(),
    );
    const duplicated: Redis[] = [];
    const observed = Object.assign(Object.create(client) as Redis, {
      duplicate: (override?: object) => {
        const d = client.duplicate(override);
        duplicated.push(d);
        return d;
      },
    });
    const port = fromIoredis(observed as unknown as IoredisClientLike);
    const got: string[] = [];
    const channel = `kc-resub-${process.pid}-${Date.now()}`;
    const off = await port.subscribe([channel], (_c, m) => got.push(m));
    closers.push(() => void off());
    expect(duplicated.length).toBe(1);
    expect(duplicated[0]!.options.autoResubscribe).toBe(false);

    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    for (let i = 0; i < 200 && !got.includes('after'); i++) {
      await admin.publish(channel, 'after');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(got).toContain('after');
  });
});
