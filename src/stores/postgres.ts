/**
 * @module keycard/postgres
 * keycard/postgres: the `TokenStore` port over Postgres — node-postgres (`pg`) for a shared
 * database, PGlite for an embedded one — through a small query port we own.
 *
 * Every method is one SQL statement (a failed `update` or an already-revoked `revoke` adds one
 * read to answer), so each is atomic by itself and nothing is read, changed in JavaScript and
 * written back. A write resolves after its statement committed: an issued token or a revocation
 * the caller saw succeed survives a crash or a restart of the server. Changes are numbered by one
 * counter and delivered to subscribers through LISTEN/NOTIFY or polling (`postgres-feed.ts`).
 */
import * as z from 'zod/mini';
import { configError, english } from '../core/config.ts';
import { KeycardError } from '../core/errors.ts';
import {
  WATERMARK_REASON,
  unexpiredAt,
  type ListQuery,
  type RevokeAllFilter,
  type RevokeAllIfCountResult,
  type RevokeAnswer,
  type StoreChange,
  type StoredToken,
  type TokenPatch,
  type TokenStore,
  type UpdateResult,
} from '../core/store.ts';
import { AUDIT_SCHEMA_SQL, splitAuditStatements } from './postgres-audit-sql.ts';
import { ChangeFeed } from './postgres-feed.ts';
import { checkSqlPort, type SqlPort } from './postgres-port.ts';
import { decodeCursor, encodeCursor, rowToToken, toChange } from './postgres-rows.ts';
import { SCHEMA_SQL, splitStatements } from './postgres-schema.ts';
import {
  announceOwnerStatement,
  createStatement,
  existsStatement,
  findByHashStatement,
  findByAnyHashStatement,
  getStatement,
  listStatement,
  rehashStatement,
  revokeStatement,
  touchStatement,
  updateStatement,
  type Statement,
} from './postgres-sql.ts';
import {
  coveringWatermarkStatement,
  liveCountStatement,
  racedSuccessorsStatement,
  revokeAllIfCountStatement,
  revokeAllStatement,
  watermarkStatement,
} from './postgres-revoke-all-sql.ts';

export { fromPg, fromPglite } from './postgres-port.ts';
export type {
  FromPgOptions,
  PgClientLike,
  PgNotification,
  PgPoolClientLike,
  PgPoolLike,
  PgQueryable,
  PgStandaloneClientLike,
  PgliteLike,
  SqlPort,
  SqlValue,
} from './postgres-port.ts';
export { SCHEMA_SQL } from './postgres-schema.ts';
export { postgresPendingGrantStore, migrateDeviceGrants, DEVICE_GRANTS_SQL } from './postgres-grant-store.ts';
export { postgresAuditStore } from './postgres-audit.ts';
export type { PostgresAuditStoreOptions } from './postgres-audit.ts';
export { AUDIT_SCHEMA_SQL } from './postgres-audit-sql.ts';

/** Options of {@link postgresTokenStore}. */
export interface PostgresTokenStoreOptions {
  /**
   * How changes reach subscribers. `listen`: LISTEN/NOTIFY, each change at once, plus the poll
   * below as heartbeat and safety net. `poll`: the poll alone, so a change arrives within
   * `pollIntervalMs`; use it where LISTEN cannot work, e.g. behind a pooler in transaction mode
   * (PgBouncer, Supavisor), where a LISTEN session is not kept. Writes always NOTIFY, so processes
   * of both kinds can share one database.
   * @default 'listen' when the port has `listen`, else 'poll'
   */
  notifications?: 'listen' | 'poll';
  /**
   * Interval of the poll that reads the change counter, delivers what a notification did not
   * bring, and sends subscribers a heartbeat. keycard trusts a shared store's cache only while
   * heartbeats arrive within `revocationBoundMs` (default 1000), so at most 250.
   * @default 200
   */
  pollIntervalMs?: number;
  /**
   * NOTIFY channel. Every process sharing the tables must use the same one.
   * @default 'keycard_changes'
   */
  channel?: string;
  /**
   * How long rows of `keycard_changes` are kept (any subscribed process prunes, about once a
   * minute). A process disconnected for longer cannot replay what it missed; it sees the jump in
   * the sequence and drops its cache, which is safe but costs a store read per cached token.
   * @default 600000 (10 minutes)
   */
  changeRetentionMs?: number;
  /**
   * Whether other processes share the database. keycard trusts the cache of a shared store only
   * while heartbeats arrive, and warns when a shared store is paired with an in-memory limiter.
   * @default the port's `shared` (true for `fromPg`, false for `fromPglite`), else true
   */
  shared?: boolean;
  /**
   * Receives background failures: a poll or a LISTEN connection that failed (once per outage, not
   * every beat), pruning errors. Requests are not affected by these; they fail closed on their own.
   * @default console.warn
   */
  onError?: (error: unknown) => void;
}

/**
 * The Postgres token store: the `TokenStore` port, every method answering a promise, and
 * `close()`, which stops the change feed (your pool or PGlite instance stays open: it is yours).
 */
export interface PostgresTokenStore extends TokenStore {
  readonly shared: boolean;
  create(token: StoredToken): Promise<void>;
  findByHash(hash: string): Promise<StoredToken | null>;
  findByAnyHash(hashes: readonly string[]): Promise<StoredToken | null>;
  get(id: string): Promise<StoredToken | null>;
  list(query: ListQuery): Promise<{ readonly tokens: readonly StoredToken[]; readonly nextCursor: string | null }>;
  update(id: string, patch: TokenPatch, expectedVersion: number): Promise<UpdateResult>;
  revoke(id: string, at: number, reason: string | null): Promise<RevokeAnswer | null>;
  revokeAll(filter: RevokeAllFilter, at: number, reason: string | null): Promise<{ readonly count: number }>;
  revokeAllIfCount(
    filter: RevokeAllFilter,
    at: number,
    reason: string | null,
    expectCount: number,
  ): Promise<RevokeAllIfCountResult>;
  touch(id: string, at: number): Promise<void>;
  rehash(id: string, fromHash: string, toHash: string, pepperVersion: number): Promise<void>;
  announceOwner(principalId: string): Promise<void>;
  subscribe(listener: (change: StoreChange) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function' });
const optionsSchema = z.strictObject({
  notifications: z.optional(z.enum(['listen', 'poll'])),
  pollIntervalMs: z.optional(z.number().check(z.int(), z.minimum(10), z.maximum(250))),
  channel: z.optional(z.string().check(z.regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must match [a-z_][a-z0-9_]{0,62}'))),
  changeRetentionMs: z.optional(z.number().check(z.int(), z.minimum(60_000), z.maximum(30 * 86_400_000))),
  shared: z.optional(z.boolean()),
  onError: z.optional(fn),
});

function validate(port: SqlPort, options: PostgresTokenStoreOptions): void {
  checkSqlPort(port, 'postgresTokenStore');
  const parsed = optionsSchema.safeParse(options, english);
  if (!parsed.success) throw configError('postgresTokenStore', parsed.error);
  if (options.notifications === 'listen' && typeof port.listen !== 'function') {
    throw new KeycardError(
      'invalid_config',
      "postgresTokenStore: notifications 'listen' needs a port with listen(); use 'poll'",
    );
  }
}

/**
 * Creates the schema if it is missing: tables, indexes, the change counter, and the audit store's
 * tables and monthly partitions (`postgres-audit-sql.ts`). Idempotent, one
 * transaction (when the port has `exec`), and safe to run from several processes at once (an
 * advisory lock serializes them). Run it at start-up or from your migration tool; the same SQL is
 * shipped as `keycard/src/stores/postgres.sql` for tools that take files.
 *
 * @example At start-up
 * ```ts
 * await migrate(fromPg(pool));
 * ```
 */
export async function migrate(port: SqlPort): Promise<void> {
  checkSqlPort(port, 'migrate');
  for (const script of [SCHEMA_SQL, AUDIT_SCHEMA_SQL]) {
    if (port.exec) await port.exec(script);
    else
      for (const statement of script === SCHEMA_SQL ? splitStatements(script) : splitAuditStatements(script))
        await port.query(statement, []);
  }
}

/** What a follow-up pass needs of the store: one statement's rows, and handing a recorded change to subscribers. */
interface StoreIo {
  readonly run: (statement: Statement) => Promise<readonly Readonly<Record<string, unknown>>[]>;
  readonly announced: (row: Readonly<Record<string, unknown>> | undefined) => Promise<void>;
  readonly channel: string;
}

/**
 * After a revoke-all committed: revokes the successors its snapshot missed (rotations that
 * raced it; `racedSuccessorsStatement`), each at the later of `at` and its creation, announced
 * like a revoke. Again until none is found: a successor's own rotation may have raced this pass.
 * Answers how many it revoked that are live at `at` (its rotation claimed the old token before
 * the revocation reached it, so it came first, and `revokeAll` counts it as the memory store does).
 */
async function endRacedSuccessors(
  { run, announced, channel }: StoreIo,
  filter: RevokeAllFilter,
  families: unknown,
  at: number,
  reason: string | null,
): Promise<number> {
  let count = 0;
  while (typeof families === 'string') {
    const raced = await run(racedSuccessorsStatement(filter, families));
    for (const { id, createdAt } of raced) {
      const [row] = await run(revokeStatement(String(id), Math.max(at, Number(createdAt)), reason, channel));
      if (!row) continue;
      await announced(row);
      if (unexpiredAt(rowToToken(row), at)) count++;
    }
    families = raced.length > 0 ? families : null;
  }
  return count;
}

/**
 * SQLSTATE classes of a statement the server refused outright, having written nothing: a data
 * exception (22: a value the column cannot hold), an integrity constraint violation (23: a CHECK,
 * NOT NULL or foreign key added by the application), a read-only transaction (25006: a replica
 * after a failover) and a syntax or access rule violation (42: a missing table or column, a
 * revoked privilege). A lost connection (08), a shutdown (57) or a rolled-back transaction (40)
 * leaves the outcome open, and keycard asks.
 */
const REFUSED = /^(?:22|23|42)[0-9A-Z]{3}$|^25006$/;

/** A driver's refusal as `unavailable` with `reason: 'store_refused'` (answered at once); anything else as it is. */
function refusal(error: unknown): never {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && REFUSED.test(code))
    throw new KeycardError('unavailable', `Token store refused the statement (SQLSTATE ${code})`, {
      cause: error,
      reason: 'store_refused',
    });
  throw error;
}

/**
 * Creates a token store over a Postgres database whose schema `migrate` created.
 *
 * @example Several processes, one database
 * ```ts
 * import pg from 'pg';
 * import { createKeycard } from 'keycard';
 * import { fromPg, migrate, postgresTokenStore } from 'keycard/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, query_timeout: 2_000 });
 * pool.on('error', (e) => console.warn('pg pool:', e.message));
 * await migrate(fromPg(pool));
 * const store = postgresTokenStore(fromPg(pool));
 * const keycard = createKeycard({ prefix: 'acme', scopes, store, limiter }); // limiter: a shared one, e.g. keycard/redis
 * // on shutdown: await keycard.close(); await store.close(); await pool.end();
 * ```
 */
export function postgresTokenStore(port: SqlPort, options: PostgresTokenStoreOptions = {}): PostgresTokenStore {
  validate(port, options);
  const channel = options.channel ?? 'keycard_changes';
  const onError =
    options.onError ?? ((e: unknown) => console.warn('keycard postgres store:', e instanceof Error ? e.message : e));
  const feed = new ChangeFeed(port, {
    mode: options.notifications ?? (typeof port.listen === 'function' ? 'listen' : 'poll'),
    channel,
    pollIntervalMs: options.pollIntervalMs ?? 200,
    retentionMs: options.changeRetentionMs ?? 600_000,
    onError,
  });

  const sent = async ({ text, params }: Statement) => (await port.query(text, params)).rows;
  const run = (statement: Statement) => sent(statement).catch(refusal);
  /** The change a write statement recorded, handed to this process's subscribers before the write resolves. */
  const announced = async (row: Readonly<Record<string, unknown>> | undefined): Promise<void> => {
    const change = row ? toChange(Number(row['changeSeq']), row['change']) : null;
    if (change) await feed.committed(change);
  };
  const io: StoreIo = { run: sent, announced, channel }; // after a write landed: no refusal

  return {
    shared: options.shared ?? port.shared ?? true,

    async create(token) {
      const rows = await run(createStatement(token));
      // The driver's unique-violation detail would name the hash: answer without it.
      if (rows.length === 0) throw new KeycardError('conflict', `Token id ${token.id} or its hash already exists`);
      // A revokeAll whose snapshot missed this insert committed its watermark first: this new
      // statement sees it, and revokes the token. The row has landed: a refusal here is no refusal.
      const check = coveringWatermarkStatement(token);
      const [hit] = check ? await sent(check) : [];
      if (hit) {
        const [row] = await sent(revokeStatement(token.id, Number(hit['revokedBefore']), WATERMARK_REASON, channel));
        if (row) await announced(row);
      }
    },

    async findByHash(hash) {
      const [row] = await run(findByHashStatement(hash));
      return row ? rowToToken(row) : null;
    },

    async findByAnyHash(hashes) {
      if (hashes.length === 0) return null;
      const [row] = await run(findByAnyHashStatement(hashes));
      return row ? rowToToken(row) : null;
    },

    async get(id) {
      const [row] = await run(getStatement(id));
      return row ? rowToToken(row) : null;
    },

    async list(query: ListQuery) {
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      const rows = await run(listStatement(query, after));
      const tokens = rows.slice(0, query.limit).map(rowToToken);
      // The extra row exists iff another match follows: the page holding the last match says so.
      const more = rows.length > query.limit && tokens.length > 0;
      return { tokens, nextCursor: more ? encodeCursor(tokens.at(-1)!) : null };
    },

    async update(id, patch: TokenPatch, expectedVersion): Promise<UpdateResult> {
      const [row] = await run(updateStatement(id, patch, expectedVersion, channel));
      if (row) {
        await announced(row);
        return { ok: true, token: rowToToken(row) };
      }
      const [exists] = await run(existsStatement(id));
      return { ok: false, reason: exists ? 'conflict' : 'not_found' };
    },

    async revoke(id, at, reason) {
      const [row] = await run(revokeStatement(id, at, reason, channel));
      if (row) {
        await announced(row);
        return { ...rowToToken(row), revokedNow: true }; // the row lock let exactly one UPDATE match
      }
      // Unknown, or revoked already (perhaps a moment ago by a concurrent call, whose commit this
      // new statement sees): answer the record as it stands, first revocation intact.
      const [current] = await run(getStatement(id));
      return current ? { ...rowToToken(current), revokedNow: false } : null;
    },

    async revokeAll(filter: RevokeAllFilter, at, reason) {
      await run(watermarkStatement(filter, at)); // its own commit, before the revoking snapshot is taken
      const [row] = await sent(revokeAllStatement(filter, at, reason, channel)); // the watermark landed
      if (!row) throw new KeycardError('unavailable', 'keycard_state has no row: run migrate() first');
      await announced(row);
      const raced = await endRacedSuccessors(io, filter, row['families'], at, reason);
      return { count: Number(row['count']) + raced };
    },

    async revokeAllIfCount(filter: RevokeAllFilter, at, reason, expectCount): Promise<RevokeAllIfCountResult> {
      const [row] = await run(revokeAllIfCountStatement(filter, at, reason, expectCount, channel));
      if (!row) throw new KeycardError('unavailable', 'keycard_state has no row: run migrate() first');
      if (row['changeSeq'] === null || row['changeSeq'] === undefined) {
        // A row changed after the statement's snapshot (a rotation's claim): count in a new one.
        const [now] = row['moved'] === true ? await run(liveCountStatement(filter, at)) : [row];
        return { ok: false, reason: 'count_changed', count: Number(now!['count']) };
      }
      const count = Number(row['count']);
      await announced(row);
      // Not counted: the count is the confirmed one (a raced successor is refused above, `moved`).
      await endRacedSuccessors(io, filter, row['families'], at, reason);
      return { ok: true, count };
    },

    async touch(id, at) {
      await run(touchStatement(id, at));
    },

    async rehash(id, fromHash, toHash, pepperVersion) {
      try {
        await sent(rehashStatement(id, fromHash, toHash, pepperVersion));
      } catch (error) {
        // Another token took toHash between the check and the write: refused, as a no-op.
        if ((error as { code?: unknown } | null)?.code !== '23505') throw error;
      }
    },

    async announceOwner(principalId) {
      const [row] = await run(announceOwnerStatement(principalId, channel));
      if (!row) throw new KeycardError('unavailable', 'keycard_state has no row: run migrate() first');
      await announced(row);
    },

    subscribe(listener: (change: StoreChange) => void) {
      return feed.subscribe(listener);
    },

    async close() {
      await feed.stop();
    },
  };
}
