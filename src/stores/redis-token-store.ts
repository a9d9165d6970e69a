/**
 * The Redis token store: the `TokenStore` port (src/core/store.ts) over a {@link RedisPort}, every
 * method one Lua script (src/stores/redis-lua.ts), changes published on a channel with the
 * store's change counter as `seq`, and a heartbeat every ≤ 250 ms so keycard can tell a quiet
 * store from a dead subscription (a lost message or a half-open socket then costs at most
 * `revocationBoundMs` of cache trust, never a missed revocation).
 *
 * ⚠️ Redis is a cache first: without `appendonly yes` a restart loses every token issued and
 * every revocation since the last snapshot. Keep records in Postgres and use Redis for limits and
 * invalidation, or run Redis with `appendonly yes` and `appendfsync always`. The store warns at
 * start when `appendonly` is off.
 */
import * as z from 'zod/mini';
import { KeycardError } from '../core/errors.ts';
import {
  watermarkKey,
  WATERMARK_REASON,
  type ListQuery,
  type RevokeAllFilter,
  type StoreChange,
  type StoredToken,
  type TokenPatch,
  type TokenStore,
  type UpdateResult,
} from '../core/store.ts';
import { randomBase62 } from '../core/token.ts';
import {
  ANNOUNCE_OWNER,
  CREATE,
  HEARTBEAT,
  LIST,
  READ,
  READ_ANY_HASH,
  REHASH,
  REVOKE,
  REVOKE_ALL,
  TOUCH,
  UPDATE,
} from './redis-lua.ts';
import { fn, integer, parseOptions, prefix } from './redis-options.ts';
import type { RedisArg, RedisPort } from './redis-port.ts';
import { bounded, runScript, type RedisScript } from './redis-script.ts';

/** Options of {@link redisTokenStore}. */
export interface RedisTokenStoreOptions {
  /**
   * Prepended to every key and channel. The store lives under `${prefix}{tokens}` (one hash tag,
   * so a Redis Cluster keeps it in one slot and every script's keys together).
   * @default 'keycard:'
   */
  prefix?: string;
  /**
   * Deadline of one store call, ms (a `NOSCRIPT` reload included); past it the call rejects with
   * `KeycardError('unavailable')`. keycard also bounds calls with its `storeTimeoutMs`.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * Interval of the heartbeat that proves the subscription alive, ms. keycard trusts its cache
   * only while it heard one within `revocationBoundMs`, so this must stay well below that bound.
   * @default 200
   */
  heartbeatMs?: number;
  /**
   * Whether to read `CONFIG GET appendonly` at start and warn when it is off (records and
   * revocations would not survive a restart). A server where `CONFIG` is disabled is tolerated
   * with a warning that durability could not be checked.
   * @default true
   */
  checkDurability?: boolean;
  /** Receives the durability warning. @default console.warn */
  onWarning?: (message: string) => void;
}

/** The Redis token store: a {@link TokenStore} with `shared: true`, `subscribe` and `close`. */
export interface RedisTokenStore extends TokenStore {
  readonly shared: true;
  /** Every change made through any process sharing the store, and a heartbeat every `heartbeatMs`. */
  subscribe(listener: (change: StoreChange) => void): Promise<() => Promise<void>>;
  /** Stops the heartbeat and unsubscribes every listener. Your Redis clients stay open: they are yours. */
  close(): Promise<void>;
}

const optionsSchema = z.strictObject({
  prefix: z.optional(prefix),
  timeoutMs: z.optional(integer(1, 60_000)),
  heartbeatMs: z.optional(integer(10, 250)),
  checkDurability: z.optional(z.boolean({ error: 'must be a boolean' })),
  onWarning: z.optional(fn<(message: string) => void>('a function')),
});

/** Fields `update` may write: never `revokedAt`, `hash` or `version` (SPEC §6). */
const PATCHABLE = [
  'label',
  'metadata',
  'rateLimit',
  'expiresAt',
  'scopes',
  'restrictions',
] as const satisfies readonly (keyof TokenPatch)[];
/** Index members carry `createdAt` in 16 digits, so byte order is (createdAt, id) order. */
const CREATED_DIGITS = 16;
/** Index members a list script examines per call, so one call never holds Redis for long. */
const LIST_BUDGET = 1000;
/** Delay between attempts to subscribe while Redis is unreachable, ms. */
const RETRY_MS = 1000;

const json = (value: unknown): string => JSON.stringify(value);

/** The index member of a record: `createdAt` zero-padded, a colon, the id. */
function memberOf(createdAt: number, id: string): string {
  if (!Number.isSafeInteger(createdAt) || createdAt < 0 || createdAt >= 10 ** CREATED_DIGITS) {
    throw new KeycardError('invalid_argument', 'createdAt must be integer epoch milliseconds >= 0');
  }
  return `${String(createdAt).padStart(CREATED_DIGITS, '0')}:${id}`;
}

/** The cursor: the (createdAt, id) of a page's last record, so inserts never shift a page. */
function encodeCursor(t: StoredToken): string {
  return btoa(JSON.stringify([t.createdAt, t.id]));
}
function decodeCursor(cursor: string): string {
  try {
    const v: unknown = JSON.parse(atob(cursor));
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return memberOf(v[0], v[1]);
  } catch {
    // fall through
  }
  throw new KeycardError('invalid_argument', 'cursor is not one this store issued');
}

/** A record from `HGETALL`'s field/value pairs, each value JSON text. */
function decode(reply: unknown): StoredToken {
  if (!Array.isArray(reply) || reply.length % 2 !== 0)
    throw new KeycardError('unavailable', 'Redis token store answered an unexpected reply');
  const record: Record<string, unknown> = {};
  for (let i = 0; i < reply.length; i += 2) record[String(reply[i])] = JSON.parse(String(reply[i + 1]));
  return record as unknown as StoredToken;
}

/** A change from the changes channel, or null for anything this store did not publish. */
function parseChange(message: string): StoreChange | null {
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const c = v as { type?: unknown; seq?: unknown };
  if (typeof c.seq !== 'number' || !['token', 'revokeAll', 'owner'].includes(String(c.type))) return null;
  return v as StoreChange;
}

/**
 * Creates a token store over Redis. Several processes given the same Redis and `prefix` share
 * one set of records, and each hears every change any of them makes.
 *
 * @example Records in Redis, shared by every instance
 * ```ts
 * import Redis from 'ioredis';
 * import { fromIoredis, redisLimiter, redisTokenStore } from 'keycard/redis';
 *
 * const port = fromIoredis(new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false }));
 * const keycard = createKeycard({ prefix: 'acme', scopes, store: redisTokenStore(port), limiter: redisLimiter(port) });
 * // on shutdown: await keycard.close(); await store.close(); await client.quit();
 * ```
 */
export function redisTokenStore(port: RedisPort, options: RedisTokenStoreOptions = {}): RedisTokenStore {
  const o = parseOptions(optionsSchema, options, 'redisTokenStore');
  const base = `${o.prefix ?? 'keycard:'}{tokens}`;
  const timeoutMs = o.timeoutMs ?? 1000;
  const heartbeatMs = o.heartbeatMs ?? 200;
  const onWarning = o.onWarning ?? ((m: string) => console.warn(m));
  const changes = `${base}:changes`;
  const heartbeats = `${base}:hb:${randomBase62(16)}`;

  const run = (script: RedisScript, args: readonly RedisArg[]) => runScript(port, script, [base], args, timeoutMs);

  if (o.checkDurability !== false) void checkDurability(port, timeoutMs, onWarning);

  // ── subscriptions ──
  // One server subscription per store, fanned out to its listeners. Each listener sees `seq`
  // strictly increasing (heartbeats repeat the last one). If the server's counter goes back — a
  // restart without persistence, a failover that lost writes — the numbering is shifted so the
  // next delivery shows a gap, which makes keycard drop its cache: exactly the right reaction.
  const listeners = new Set<(change: StoreChange) => void>();
  let subscription: Promise<() => Promise<void>> | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let beating = false;
  let lastRaw = -1;
  let lastOut = -1;
  let offset = 0;
  let queue: Promise<unknown> = Promise.resolve();
  /** Subscribe and unsubscribe one at a time, so a listener arriving as the last one leaves is served. */
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = queue.then(op, op);
    queue = next.catch(() => {});
    return next;
  };

  const deliver = (raw: number, make: (seq: number) => StoreChange, heartbeat: boolean) => {
    if (lastRaw >= 0 && (heartbeat ? raw < lastRaw : raw <= lastRaw)) offset = lastOut + 2 - raw;
    const seq = raw + offset;
    lastRaw = raw;
    if (seq < lastOut || (!heartbeat && seq === lastOut)) return;
    lastOut = seq;
    const change = make(seq);
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's bug must not stop the others.
      }
    }
  };
  const onMessage = (channel: string, message: string) => {
    if (channel === heartbeats) {
      const raw = Number(message);
      if (Number.isSafeInteger(raw)) deliver(raw, (seq) => ({ type: 'heartbeat', seq }), true);
      return;
    }
    const change = parseChange(message);
    if (change) deliver(change.seq, (seq) => ({ ...change, seq }), false);
  };
  const beat = () => {
    if (beating) return;
    beating = true;
    run(HEARTBEAT, [heartbeats])
      .catch(() => {}) // an outage shows as silence, which keycard acts on; nothing to report per beat
      .finally(() => (beating = false));
  };
  const start = () =>
    serial(async () => {
      if (subscription) return;
      // A handler of its own per attempt: a timed-out attempt that completes later unsubscribes
      // only itself, never the attempt that replaced it.
      const pending = port.subscribe([changes, heartbeats], (channel, message) => onMessage(channel, message));
      subscription = bounded(pending, timeoutMs, 'Redis token store subscribe');
      try {
        await subscription;
      } catch (e) {
        subscription = null;
        void pending.then((undo) => undo()).catch(() => {}); // if it completes after the deadline
        throw e;
      }
      timer = setInterval(beat, heartbeatMs);
      (timer as { unref?: () => void }).unref?.();
      beat();
    });
  /**
   * Subscribes now, or keeps trying every second while anyone listens. keycard is told it is
   * subscribed either way: until heartbeats arrive it trusts no cached record (it reads the
   * store), so a Redis that is down when the app starts costs cache hits, never a missed
   * revocation, and notifications start by themselves when Redis comes up.
   */
  const ensure = async (): Promise<void> => {
    try {
      await start();
    } catch {
      if (retry !== null || listeners.size === 0) return;
      retry = setTimeout(() => {
        retry = null;
        if (listeners.size > 0) void ensure();
      }, RETRY_MS);
      (retry as { unref?: () => void }).unref?.();
    }
  };
  const stop = () =>
    serial(async () => {
      if (retry !== null && listeners.size === 0) clearTimeout(retry);
      if (listeners.size === 0) retry = null;
      if (listeners.size > 0 || !subscription) return;
      if (timer) clearInterval(timer);
      timer = null;
      const undo = await subscription.catch(() => null);
      subscription = null;
      if (undo) await bounded(undo(), timeoutMs, 'Redis token store unsubscribe');
    });

  // ── the port ──
  const store: RedisTokenStore = {
    shared: true,

    async create(token) {
      const member = memberOf(token.createdAt, token.id);
      const fields: RedisArg[] = [];
      for (const [key, value] of Object.entries(token)) if (value !== undefined) fields.push(key, json(value));
      const ws = token.workspaceId;
      const r = await run(CREATE, [
        token.id,
        token.hash,
        member,
        token.ownerId,
        ws ?? '',
        ws === null ? '0' : '1',
        watermarkKey(token) ?? '',
        json(token.createdAt),
        json(WATERMARK_REASON),
        ...fields,
      ]);
      if (r === 'id') throw new KeycardError('conflict', `Token id ${token.id} already exists`);
      if (r === 'hash') throw new KeycardError('conflict', 'Token hash already exists');
    },

    async findByHash(hash) {
      const r = await run(READ, ['hash', hash]);
      return r === null || r === undefined ? null : decode(r);
    },

    async findByAnyHash(hashes) {
      if (hashes.length === 0) return null;
      const r = await run(READ_ANY_HASH, [...hashes]);
      return r === null || r === undefined ? null : decode(r);
    },

    async get(id) {
      const r = await run(READ, ['id', id]);
      return r === null || r === undefined ? null : decode(r);
    },

    async list(query: ListQuery) {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 500)
        throw new KeycardError('invalid_argument', 'limit must be an integer from 1 to 500');
      const [index, value] =
        query.ownerId !== undefined
          ? ['o', query.ownerId]
          : query.workspaceId !== undefined
            ? ['w', query.workspaceId]
            : ['all', ''];
      const filters = [
        query.ownerId === undefined ? '' : json(query.ownerId),
        query.workspaceId === undefined ? '' : json(query.workspaceId),
        query.kind === undefined ? '' : json(query.kind),
        query.status ?? 'all',
        json(query.now),
      ];
      let from = query.cursor ? `(${decodeCursor(query.cursor)}` : '-';
      const want = query.limit + 1; // one more than a page: a cursor only when another match exists
      const tokens: StoredToken[] = [];
      for (;;) {
        const reply = await run(LIST, [index, value, from, want - tokens.length, LIST_BUDGET, ...filters]);
        if (!Array.isArray(reply) || reply.length < 2)
          throw new KeycardError('unavailable', 'Redis token store answered an unexpected reply');
        const [last, exhausted, ...records] = reply as [string, number, ...unknown[]];
        for (const r of records) tokens.push(decode(r));
        if (tokens.length >= want || Number(exhausted) === 1 || last === '') break;
        from = `(${last}`;
      }
      const page = tokens.slice(0, query.limit);
      return { tokens: page, nextCursor: tokens.length > query.limit ? encodeCursor(page.at(-1)!) : null };
    },

    async update(id, patch, expectedVersion): Promise<UpdateResult> {
      const fields: RedisArg[] = [];
      for (const key of PATCHABLE) if (patch[key] !== undefined) fields.push(key, json(patch[key]));
      const r = await run(UPDATE, [id, expectedVersion, changes, json(id), ...fields]);
      if (r === 'not_found' || r === 'conflict') return { ok: false, reason: r };
      return { ok: true, token: decode(r) };
    },

    async revoke(id, at, reason) {
      const r = await run(REVOKE, [id, json(at), json(reason), changes, json(id)]);
      return r === null || r === undefined ? null : decode(r);
    },

    async revokeAll(filter: RevokeAllFilter, at, reason) {
      const byOwner = 'ownerId' in filter;
      const target = byOwner ? filter.ownerId : filter.workspaceId;
      const f: RevokeAllFilter = byOwner ? { ownerId: target } : { workspaceId: target };
      const r = await run(REVOKE_ALL, [
        byOwner ? 'o' : 'w',
        target,
        json(f),
        json(at),
        json(reason),
        changes,
        json(byOwner ? 'personal' : 'workspace'),
        json(target),
      ]);
      return { count: Number(r) };
    },

    async touch(id, at) {
      if (!Number.isFinite(at)) throw new KeycardError('invalid_argument', 'at must be epoch milliseconds');
      await run(TOUCH, [id, json(at)]);
    },

    async rehash(id, fromHash, toHash, pepperVersion) {
      await run(REHASH, [id, fromHash, toHash, json(fromHash), json(toHash), json(pepperVersion)]);
    },

    async announceOwner(principalId) {
      await run(ANNOUNCE_OWNER, [json(principalId), changes]);
    },

    async subscribe(listener: (change: StoreChange) => void) {
      listeners.add(listener);
      await ensure();
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        listeners.delete(listener);
        await stop();
      };
    },

    async close() {
      listeners.clear();
      await stop();
    },
  };
  return store;
}

/** Warns when the server would lose records on restart; tolerates `CONFIG` being disabled. */
async function checkDurability(port: RedisPort, timeoutMs: number, warn: (message: string) => void): Promise<void> {
  const advice =
    'Keep token records in Postgres (keycard/postgres) and use Redis for rate limits and invalidation, or run Redis with appendonly yes and appendfsync always.';
  if (!port.command) return;
  let value: string | undefined;
  try {
    value = appendonlyOf(await bounded(port.command(['CONFIG', 'GET', 'appendonly']), timeoutMs, 'Redis CONFIG GET'));
  } catch {
    value = undefined;
  }
  if (value === 'yes') return;
  if (value === undefined) {
    warn(
      `keycard: could not read the Redis server's appendonly setting (CONFIG is disabled or failed); without it a restart loses tokens and revocations. ${advice}`,
    );
    return;
  }
  warn(
    `keycard: Redis holds token records but runs with appendonly ${value}: a restart loses every token issued and every revocation since the last snapshot. ${advice}`,
  );
}

/** `CONFIG GET appendonly` answers `['appendonly', 'no']` (RESP2) or `{ appendonly: 'no' }` / a Map (RESP3). */
function appendonlyOf(reply: unknown): string | undefined {
  if (Array.isArray(reply)) return reply[1] === undefined ? undefined : String(reply[1]);
  if (reply instanceof Map) return reply.has('appendonly') ? String(reply.get('appendonly')) : undefined;
  if (typeof reply === 'object' && reply !== null && 'appendonly' in reply)
    return String((reply as { appendonly: unknown }).appendonly);
  return undefined;
}
