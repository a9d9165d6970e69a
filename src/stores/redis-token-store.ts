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
  PATCHABLE_FIELDS,
  watermarkKey,
  WATERMARK_REASON,
  type ListQuery,
  type RevokeAllFilter,
  type RevokeAllIfCountResult,
  type StoreChange,
  type StoredToken,
  type TokenStore,
  type UpdateResult,
} from '../core/store.ts';
import { randomBase62 } from '../core/token.ts';
import {
  ANNOUNCE_OWNER,
  CREATE,
  LIST,
  READ,
  READ_ANY_HASH,
  REHASH,
  REVOKE,
  REVOKE_ALL,
  TOUCH,
  UPDATE,
} from './redis-lua.ts';
import { checkRedisPort, fn, integer, parseOptions, prefix } from './redis-options.ts';
import type { RedisArg, RedisPort } from './redis-port.ts';
import { runScript, type RedisScript } from './redis-script.ts';
import { decode, decodeCursor, encodeCursor, json, memberOf } from './redis-token-codec.ts';
import { checkDurability } from './redis-token-durability.ts';
import { changeFeed } from './redis-token-feed.ts';
import { isArray } from '../core/builtins.ts';

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

/** Index members a list script examines per call, so one call never holds Redis for long. */
const LIST_BUDGET = 1000;

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
  checkRedisPort(port, 'redisTokenStore');
  const o = parseOptions(optionsSchema, options, 'redisTokenStore');
  const base = `${o.prefix ?? 'keycard:'}{tokens}`;
  const timeoutMs = o.timeoutMs ?? 1000;
  const heartbeatMs = o.heartbeatMs ?? 200;
  const onWarning = o.onWarning ?? ((m: string) => console.warn(m));
  const changes = `${base}:changes`;
  const heartbeats = `${base}:hb:${randomBase62(16)}`;

  const run = (script: RedisScript, args: readonly RedisArg[]) => runScript(port, script, [base], args, timeoutMs);

  if (o.checkDurability !== false) void checkDurability(port, timeoutMs, onWarning);

  const feed = changeFeed({ port, run, changes, heartbeats, timeoutMs, heartbeatMs });

  /** One run of the revokeAll script; `expectCount` '' for none. */
  const revokeAllScript = (filter: RevokeAllFilter, at: number, reason: string | null, expectCount: string) => {
    const byOwner = 'ownerId' in filter;
    const target = byOwner ? filter.ownerId : filter.workspaceId;
    const f: RevokeAllFilter = byOwner ? { ownerId: target } : { workspaceId: target };
    return run(REVOKE_ALL, [
      byOwner ? 'o' : 'w',
      target,
      json(f),
      json(at),
      json(reason),
      changes,
      json(byOwner ? 'personal' : 'workspace'),
      json(target),
      randomBase62(22), // names this call, so a re-sent run answers its count instead of 0
      expectCount,
    ]);
  };

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

    list(query: ListQuery) {
      return listPage(run, query);
    },

    async update(id, patch, expectedVersion): Promise<UpdateResult> {
      const fields: RedisArg[] = [];
      for (const key of PATCHABLE_FIELDS) if (patch[key] !== undefined) fields.push(key, json(patch[key]));
      // The call's id lets a run the driver re-sent after a lost reply answer as the first did.
      const r = await run(UPDATE, [id, expectedVersion, changes, json(id), randomBase62(22), ...fields]);
      if (r === 'not_found' || r === 'conflict') return { ok: false, reason: r };
      return { ok: true, token: decode(r) };
    },

    async revoke(id, at, reason) {
      // The call's id lets a run the driver re-sent after a lost reply still answer revokedNow: true.
      const r = await run(REVOKE, [id, json(at), json(reason), changes, json(id), randomBase62(22)]);
      if (r === null || r === undefined) return null;
      const [now, record] = isArray(r) ? (r as unknown[]) : [];
      return { ...decode(record), revokedNow: Number(now) === 1 };
    },

    async revokeAll(filter: RevokeAllFilter, at, reason) {
      return { count: Number(await revokeAllScript(filter, at, reason, '')) };
    },

    async revokeAllIfCount(filter: RevokeAllFilter, at, reason, expectCount): Promise<RevokeAllIfCountResult> {
      const r = await revokeAllScript(filter, at, reason, String(expectCount));
      // A table is the refusal ({ 'count_changed', found }); a number is what it revoked.
      if (isArray(r)) return { ok: false, reason: 'count_changed', count: Number(r[1]) };
      return { ok: true, count: Number(r) };
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

    subscribe(listener: (change: StoreChange) => void) {
      return feed.subscribe(listener);
    },

    close() {
      return feed.close();
    },
  };
  return store;
}

/** One page of `list`: the list script runs until a page and one more match are found, or the index ends. */
async function listPage(
  run: (script: RedisScript, args: readonly RedisArg[]) => Promise<unknown>,
  query: ListQuery,
): Promise<{ tokens: StoredToken[]; nextCursor: string | null }> {
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
    if (!isArray(reply) || reply.length < 2)
      throw new KeycardError('unavailable', 'Redis token store answered an unexpected reply');
    const [last, exhausted, ...records] = reply as [string, number, ...unknown[]];
    for (const r of records) tokens.push(decode(r));
    if (tokens.length >= want || Number(exhausted) === 1 || last === '') break;
    from = `(${last}`;
  }
  const page = tokens.slice(0, query.limit);
  return { tokens: page, nextCursor: tokens.length > query.limit ? encodeCursor(page.at(-1)!) : null };
}
