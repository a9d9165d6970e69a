import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { fromIoredis, fromNodeRedis, type IoredisClientLike } from './redis-port.ts';

describe('the driver wrappers', () => {
  it('warn when a client would queue commands while offline, and accept the documented settings quietly', () => {
    const warnings: string[] = [];
    const onWarning = (m: string) => warnings.push(m);
    const clients = [new Redis({ lazyConnect: true }), new Redis({ lazyConnect: true, enableOfflineQueue: false })];
    fromIoredis(clients[0]!, { onWarning });
    fromIoredis(clients[1]!, { onWarning });
    fromNodeRedis(createClient(), { onWarning });
    fromNodeRedis(createClient({ disableOfflineQueue: true }), { onWarning });
    expect(warnings).toEqual([
      expect.stringContaining('enableOfflineQueue: false'),
      expect.stringContaining('disableOfflineQueue: true'),
    ]);
    for (const c of clients) c.disconnect();
  });

  it('ioredis: one server subscription per channel, shared by listeners; the duplicated subscriber is closed with the last', async () => {
    const calls: string[] = [];
    const duplicates: FakeIoredis[] = [];
    class FakeIoredis extends EventEmitter {
      status = 'ready';
      options = { enableOfflineQueue: false };
      evalsha = async () => null;
      script = async () => 'sha';
      call = async () => null;
      connect = async () => {};
      disconnect = () => {};
      subscribe = async (...channels: string[]) => void calls.push(`subscribe ${channels.join(' ')}`);
      unsubscribe = async (...channels: string[]) => void calls.push(`unsubscribe ${channels.join(' ')}`);
      quit = async () => void calls.push('quit');
      duplicate = (): IoredisClientLike => {
        const d = new FakeIoredis();
        duplicates.push(d);
        return d as unknown as IoredisClientLike;
      };
    }
    const port = fromIoredis(new FakeIoredis() as unknown as IoredisClientLike);
    const got: string[] = [];
    const off1 = await port.subscribe(['c1', 'c2'], (ch, m) => got.push(`1:${ch}:${m}`));
    const off2 = await port.subscribe(['c1'], (ch, m) => got.push(`2:${ch}:${m}`));
    expect(duplicates.length).toBe(1);
    duplicates[0]!.emit('message', 'c1', 'x');
    duplicates[0]!.emit('message', 'c2', 'y');
    duplicates[0]!.emit('message', 'other', 'z');
    expect(got).toEqual(['1:c1:x', '2:c1:x', '1:c2:y']);
    await off1();
    await off1(); // idempotent
    duplicates[0]!.emit('message', 'c1', 'w');
    expect(got.at(-1)).toBe('2:c1:w');
    await off2();
    // The last channel is left by QUIT: no UNSUBSCRIBE that a dying socket could hold for good.
    expect(calls).toEqual(['subscribe c1 c2', 'unsubscribe c2', 'quit']);
  });

  it('ioredis: leaving the last channel on a socket that just died closes the subscriber, never waits on an UNSUBSCRIBE', async () => {
    // ioredis keeps a command written to a socket that then closes, to resend after a reconnect;
    // with the server gone that never comes. Still 'ready' until the close event is handled.
    const calls: string[] = [];
    const duplicates: EventEmitter[] = [];
    class DyingIoredis extends EventEmitter {
      status = 'ready';
      options = { enableOfflineQueue: false };
      connect = async () => {};
      call = async () => null; // what tells an ioredis client from node-redis (fromIoredis checks)
      evalsha = async () => null;
      disconnect = () => void calls.push('disconnect');
      subscribe = async () => void calls.push('subscribe');
      unsubscribe = () => (calls.push('unsubscribe'), new Promise<void>(() => {}));
      quit = async () => void calls.push('quit');
      duplicate = (): IoredisClientLike => {
        const d = new DyingIoredis();
        duplicates.push(d);
        return d as unknown as IoredisClientLike;
      };
    }
    const port = fromIoredis(new DyingIoredis() as unknown as IoredisClientLike);
    const off = await port.subscribe(['c1'], () => {});
    await off(); // before: waited for good on the UNSUBSCRIBE, and the subscriber was never closed
    expect(calls).toEqual(['subscribe', 'quit']);
  });
});
