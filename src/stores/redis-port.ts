/**
 * The Redis port: the handful of primitives keycard's Redis stores need, typed with plain values
 * we own (STYLE rule 8), and ready wrappers for the two Node drivers. Every store operation is one
 * Lua script, so the port is `EVALSHA` + `SCRIPT LOAD` + pub/sub, plus one optional escape hatch
 * for the start-up `CONFIG GET appendonly` check.
 *
 * The driver shapes below are structural: they describe only the methods the wrappers call, so
 * `keycard/redis` compiles without either driver's types installed and survives their version
 * skew (a store type derived from a Redis SDK's types broke users on upgrade: upstash/ratelimit-js#125).
 *
 * ⚠️ Create your clients without an offline queue — ioredis `enableOfflineQueue: false`,
 * node-redis `disableOfflineQueue: true` — so an outage fails calls at once instead of queueing
 * them until requests hang. keycard also bounds every call with its own timeout.
 */

import { checkFirst, hasMethod } from '../core/arguments-check.ts';

/** A value passed to a script: strings and numbers only (Redis sees both as bulk strings). */
export type RedisArg = string | number;

/**
 * The port keycard's Redis stores use. Implement it for another client (Upstash, a cluster
 * client, a test double) with a few lines; `fromIoredis` and `fromNodeRedis` are ready.
 */
export interface RedisPort {
  /**
   * `EVALSHA sha numkeys ...keys ...args`. Must reject with an error whose message starts with
   * `NOSCRIPT` when the server does not hold the script (the stores then load it and retry once).
   */
  evalsha(sha: string, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown>;
  /** `SCRIPT LOAD lua`, answering the SHA-1 the server computed. */
  scriptLoad(lua: string): Promise<string>;
  /**
   * Subscribes `onMessage` to `channels` on a connection in subscriber mode (never the command
   * connection) and resolves once the server confirmed. The returned function unsubscribes.
   * The subscription must survive reconnects (both wrappers rely on their driver re-subscribing).
   * The limiter never calls it: a port for limits only (an HTTP client without pub/sub) may
   * answer with a rejection.
   */
  subscribe(
    channels: readonly string[],
    onMessage: (channel: string, message: string) => void,
  ): Promise<() => Promise<void>>;
  /** Any other command, e.g. `['CONFIG', 'GET', 'appendonly']`. Optional: used only by start-up checks. */
  command?(args: readonly string[]): Promise<unknown>;
}

// ── ioredis ──────────────────────────────────────────────────────────────────────────────────

/** The part of an ioredis client (v5, v6) the wrapper calls. A `new Redis(...)` fits. */
export interface IoredisClientLike {
  evalsha(sha: string, numkeys: number, ...args: RedisArg[]): Promise<unknown>;
  script(subcommand: 'LOAD', lua: string): Promise<unknown>;
  call(command: string, ...args: RedisArg[]): Promise<unknown>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'ready', listener: () => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  readonly status: string;
  /** Read once, to warn when the offline queue is on. */
  readonly options?: { readonly enableOfflineQueue?: boolean | undefined };
  connect(): Promise<unknown>;
  duplicate(override?: { readonly autoResubscribe?: boolean }): IoredisClientLike;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** Options of {@link fromIoredis}. */
export interface FromIoredisOptions {
  /**
   * A client for subscriptions (ioredis puts a connection that subscribes into subscriber mode,
   * where it can run nothing else). Yours to create and close.
   * @default `client.duplicate()` on first subscribe, closed again when the last channel is left
   */
  subscriber?: IoredisClientLike;
  /** Called with errors of the subscriber connection keycard duplicated (it must have a listener). @default ignore */
  onError?: (error: unknown) => void;
  /** Receives the warning given when `client` queues commands while offline. @default console.warn */
  onWarning?: (message: string) => void;
}

/**
 * Wraps an ioredis client as a {@link RedisPort}.
 *
 * @example Both stores over one ioredis client
 * ```ts
 * import Redis from 'ioredis';
 * import { fromIoredis, redisLimiter, redisTokenStore } from 'keycard/redis';
 *
 * const client = new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
 * const port = fromIoredis(client);
 * const keycard = createKeycard({ prefix: 'acme', scopes, store: redisTokenStore(port), limiter: redisLimiter(port) });
 * ```
 */
export function fromIoredis(client: IoredisClientLike, options: FromIoredisOptions = {}): RedisPort {
  // node-redis has neither `call` nor `evalsha` (it spells it evalSha).
  checkFirst(
    hasMethod(client, 'call') && hasMethod(client, 'evalsha'),
    client,
    'fromIoredis',
    'an ioredis client (new Redis(url, { enableOfflineQueue: false }))',
  );
  if (client.options?.enableOfflineQueue !== false)
    warnOfflineQueue(options.onWarning, 'new Redis(url, { enableOfflineQueue: false })');
  const ownsSubscriber = options.subscriber === undefined;
  const onError = options.onError ?? (() => {});
  let subscriber: IoredisClientLike | null = options.subscriber ?? null;
  const handlers = new Map<string, Set<(channel: string, message: string) => void>>();
  let wired = false;
  let waiting: Promise<void> | null = null;

  const dispatch = (channel: string, message: string) => {
    for (const handler of handlers.get(channel) ?? []) handler(channel, message);
  };
  const connection = async (): Promise<IoredisClientLike> => {
    if (subscriber === null) {
      // ioredis's own resubscribe sends SUBSCRIBE at 'ready' and leaves its promise unhandled: with
      // no offline queue, a connection that drops right then is an unhandled rejection, which ends
      // a Node process. The channels are joined again here instead, a failure going to onError.
      const s = client.duplicate({ autoResubscribe: false });
      s.on('error', onError);
      s.on('ready', () => {
        if (handlers.size > 0) s.subscribe(...handlers.keys()).catch(onError);
      });
      subscriber = s;
    }
    if (!wired) {
      subscriber.on('message', dispatch);
      wired = true;
    }
    // Without an offline queue a command sent before the connection is ready fails at once.
    const s = subscriber;
    if (s.status === 'wait') void s.connect().catch(onError); // lazyConnect
    if (s.status !== 'ready') {
      // One wait shared by every caller: retries during an outage must not pile up listeners.
      waiting ??= new Promise<void>((resolve) => {
        s.once('ready', () => {
          waiting = null;
          resolve();
        });
      });
      await waiting;
    }
    return s;
  };

  return {
    evalsha: (sha, keys, args) => client.evalsha(sha, keys.length, ...keys, ...args),
    scriptLoad: async (lua) => String(await client.script('LOAD', lua)),
    command: ([name, ...args]) => client.call(name ?? 'PING', ...args),
    subscribe: (channels, onMessage) =>
      subscribeWith(handlers, channels, onMessage, {
        join: async (fresh) => void (await (await connection()).subscribe(...fresh)),
        leave: async (gone) => {
          const s = subscriber;
          if (s === null) return;
          const last = ownsSubscriber && handlers.size === 0;
          try {
            // The last channel is left by closing the connection: an UNSUBSCRIBE sent on a socket
            // that just died (still 'ready' until its close event is handled) is kept by ioredis
            // to resend after a reconnect that never comes, and the close below never ran.
            if (!last) await s.unsubscribe(...gone);
          } finally {
            if (last && subscriber === s) {
              subscriber = null;
              wired = false;
              waiting = null;
              // quit() needs a live connection; disconnect() also stops the reconnect loop.
              if (s.status === 'ready') await s.quit().catch(() => s.disconnect());
              else s.disconnect();
            }
          }
        },
      }),
  };
}

// ── node-redis ───────────────────────────────────────────────────────────────────────────────

/** The part of a node-redis client (v4 to v6) the wrapper calls. A `createClient(...)` fits. */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
  subscribe(channels: string | string[], listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe(channels?: string | string[], listener?: (message: string, channel: string) => void): Promise<unknown>;
  duplicate(): NodeRedisClientLike;
  connect(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  readonly isOpen: boolean;
  /** False while the connection is down (node-redis v4+). */
  readonly isReady?: boolean;
  /** Read once, to warn when the offline queue is on. */
  readonly options?: { readonly disableOfflineQueue?: boolean | undefined };
  quit(): Promise<unknown>;
  destroy?(): void;
  disconnect?(): Promise<unknown>;
}

/** Options of {@link fromNodeRedis}. */
export interface FromNodeRedisOptions {
  /**
   * A connected client for subscriptions (node-redis needs a dedicated connection). Yours to create and close.
   * @default `client.duplicate()`, connected on first subscribe and closed when the last channel is left
   */
  subscriber?: NodeRedisClientLike;
  /** Called with errors of the subscriber connection keycard duplicated (node-redis throws on an unheard 'error'). @default ignore */
  onError?: (error: unknown) => void;
  /** Receives the warning given when `client` queues commands while offline. @default console.warn */
  onWarning?: (message: string) => void;
}

/**
 * Wraps a node-redis client (the `redis` package) as a {@link RedisPort}. The client must be
 * connected (`await client.connect()`).
 *
 * @example Both stores over node-redis
 * ```ts
 * import { createClient } from 'redis';
 * import { fromNodeRedis, redisLimiter, redisTokenStore } from 'keycard/redis';
 *
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * client.on('error', (e) => log.warn(e));
 * await client.connect();
 * const port = fromNodeRedis(client);
 * ```
 */
export function fromNodeRedis(client: NodeRedisClientLike, options: FromNodeRedisOptions = {}): RedisPort {
  // ioredis has a sendCommand too, taking a Command object: its `call` tells it apart.
  checkFirst(
    hasMethod(client, 'sendCommand') && !hasMethod(client, 'call'),
    client,
    'fromNodeRedis',
    'a node-redis client (createClient({ url, disableOfflineQueue: true }))',
  );
  if (client.options?.disableOfflineQueue !== true)
    warnOfflineQueue(options.onWarning, 'createClient({ url, disableOfflineQueue: true })');
  const ownsSubscriber = options.subscriber === undefined;
  const onError = options.onError ?? (() => {});
  let subscriber: Promise<NodeRedisClientLike> | null = options.subscriber ? Promise.resolve(options.subscriber) : null;
  const handlers = new Map<string, Set<(channel: string, message: string) => void>>();
  const listener = (message: string, channel: string) => {
    for (const handler of handlers.get(channel) ?? []) handler(channel, message);
  };
  const connection = () =>
    (subscriber ??= (async () => {
      const s = client.duplicate();
      s.on('error', onError);
      try {
        await s.connect();
      } catch (e) {
        s.destroy?.(); // a duplicate that gave up must not linger, reconnecting on its own
        throw e;
      }
      return s;
    })().catch((e: unknown) => {
      subscriber = null;
      throw e;
    }));

  return {
    evalsha: (sha, keys, args) =>
      client.sendCommand(['EVALSHA', sha, String(keys.length), ...keys, ...args.map(String)]),
    scriptLoad: async (lua) => String(await client.sendCommand(['SCRIPT', 'LOAD', lua])),
    command: (args) => client.sendCommand([...args]),
    subscribe: (channels, onMessage) =>
      subscribeWith(handlers, channels, onMessage, {
        join: async (fresh) => void (await (await connection()).subscribe(fresh, listener)),
        leave: async (gone) => {
          const pending = subscriber;
          if (pending === null) return;
          const s = await pending;
          const last = ownsSubscriber && handlers.size === 0;
          try {
            // A dropped connection cannot unsubscribe; the owned duplicate is closed either way.
            if (!last || s.isReady !== false) await s.unsubscribe(gone, listener);
          } finally {
            if (last && subscriber === pending) {
              subscriber = null;
              if (s.isReady === false) s.destroy?.();
              else await s.quit().catch(() => s.destroy?.());
            }
          }
        },
      }),
  };
}

// ── shared ───────────────────────────────────────────────────────────────────────────────────

/**
 * An offline queue holds commands while Redis is unreachable and sends them when it returns:
 * requests wait instead of failing (keycard's timeout answers 503 meanwhile), and the queued
 * commands run late — a limiter charge for a request already answered, a revocation reported as
 * failed that happens after all.
 */
function warnOfflineQueue(onWarning: ((message: string) => void) | undefined, fix: string): void {
  (onWarning ?? ((m: string) => console.warn(m)))(
    `keycard: this Redis client queues commands while disconnected; an outage then turns into waiting requests and late writes. Create it with ${fix}.`,
  );
}

// ── shared fan-out ───────────────────────────────────────────────────────────────────────────

/**
 * Adds `onMessage` to `channels` in `handlers`, subscribing on the server only to channels
 * nobody listened to yet, and answers the function that undoes exactly that.
 */
async function subscribeWith(
  handlers: Map<string, Set<(channel: string, message: string) => void>>,
  channels: readonly string[],
  onMessage: (channel: string, message: string) => void,
  server: { join(fresh: string[]): Promise<void>; leave(gone: string[]): Promise<void> },
): Promise<() => Promise<void>> {
  const fresh: string[] = [];
  for (const channel of new Set(channels)) {
    let set = handlers.get(channel);
    if (!set) {
      handlers.set(channel, (set = new Set()));
      fresh.push(channel);
    }
    set.add(onMessage);
  }
  const undo = async () => {
    const gone: string[] = [];
    for (const channel of new Set(channels)) {
      const set = handlers.get(channel);
      if (!set?.delete(onMessage) || set.size > 0) continue;
      handlers.delete(channel);
      gone.push(channel);
    }
    if (gone.length > 0) await server.leave(gone);
  };
  if (fresh.length > 0) {
    try {
      await server.join(fresh);
    } catch (e) {
      await undo().catch(() => {});
      throw e;
    }
  }
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await undo();
  };
}
