/**
 * Shared by the Redis suites: whether a server is configured, and clients for both drivers created
 * the way docs/storage.md tells users to (no offline queue, bounded retries).
 */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { fromIoredis, fromNodeRedis, type RedisPort } from '../src/stores/redis-port.ts';

/** `redis://127.0.0.1:PORT` from `scripts/redis-server.sh start`, or undefined: the suites skip. */
export const REDIS_URL = process.env.REDIS_URL;

/** Says once per file why the Redis suites did not run. */
export function announceSkip(file: string): void {
  if (!REDIS_URL)
    console.info(`${file}: skipped, REDIS_URL is not set (eval "$(bash scripts/redis-server.sh start)" to run it)`);
}

/** A unique key prefix per test run, so suites share a server without seeing each other. */
export const runPrefix = (what: string) => `kc-test:${what}:${Math.random().toString(36).slice(2, 10)}:`;

export type Driver = 'ioredis' | 'node-redis';
export const DRIVERS: readonly Driver[] = ['ioredis', 'node-redis'];

/** An ioredis client as documented: no offline queue, one retry per request, fast reconnects. */
export function ioredisClient(url = REDIS_URL!, connectionName?: string): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 100,
    lazyConnect: true,
    ...(connectionName ? { connectionName } : {}),
  });
  client.on('error', () => {});
  return client;
}

/** A node-redis client as documented: no offline queue, fast reconnects, an error listener. */
export function nodeRedisClient(url = REDIS_URL!, name?: string) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => 100 },
    ...(name ? { name } : {}),
  });
  client.on('error', () => {});
  return client;
}

/** A connected port over `driver`, and the function that closes what it opened. */
export async function connectPort(
  driver: Driver,
  url = REDIS_URL!,
): Promise<{ port: RedisPort; close: () => Promise<void>; raw: (args: string[]) => Promise<unknown>; name: string }> {
  // A connection name (inherited by the subscriber the port duplicates) lets a test find and kill its own connections only.
  const name = `kc-${Math.random().toString(36).slice(2, 10)}`;
  if (driver === 'ioredis') {
    const client = ioredisClient(url, name);
    await client.connect();
    return {
      name,
      port: fromIoredis(client),
      raw: ([name, ...args]) => client.call(name!, ...args),
      close: async () => void (await client.quit().catch(() => client.disconnect())),
    };
  }
  const client = nodeRedisClient(url, name);
  await client.connect();
  return {
    name,
    port: fromNodeRedis(client),
    raw: (args) => client.sendCommand(args),
    close: async () => void (await client.quit().catch(() => client.destroy())),
  };
}

/** Kills this port's subscriber connections (found by connection name), leaving every other client alone. */
export async function killSubscribers(raw: (args: string[]) => Promise<unknown>, name: string): Promise<number> {
  const list = String(await raw(['CLIENT', 'LIST', 'TYPE', 'pubsub']));
  const ids = list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /\bid=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  for (const id of ids) await raw(['CLIENT', 'KILL', 'ID', id]);
  return ids.length;
}
