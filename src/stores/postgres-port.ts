/**
 * The query port of the Postgres store: the few things it needs from a driver, typed with
 * primitives we own (STYLE rule 8), and ready wrappers for node-postgres (`pg`) and PGlite. The
 * wrappers type the driver structurally — they import nothing from it, not even its types — so a
 * driver upgrade cannot break the port, and neither driver is needed unless you use it.
 */

import { checkFirst, hasMethod } from '../core/arguments-check.ts';

/**
 * Refuses, at construction, a first argument that is not a SqlPort: none, the keycard, a string
 * (a connection string instead of `fromPg(new pg.Pool({ connectionString }))`).
 */
export function checkSqlPort(port: unknown, name: string): void {
  checkFirst(hasMethod(port, 'query'), port, name, 'a SqlPort (fromPg(pool), fromPglite(db), or your own)');
}

/** A parameter value: the store sends only these (JSON columns travel as text). */
export type SqlValue = string | number | boolean | null;

/**
 * What the Postgres store needs from a database connection.
 *
 * @example Wrapping your own driver
 * ```ts
 * const port: SqlPort = {
 *   query: async (text, params) => ({ rows: await myDriver.all(text, params) }),
 * };
 * await migrate(port);
 * const store = postgresTokenStore(port); // polls for changes: no listen()
 * ```
 */
export interface SqlPort {
  /**
   * Runs ONE statement with `$1…$n` parameters and answers its rows, each an object keyed by
   * column name. Called concurrently; a pool is expected to run calls in parallel.
   */
  query(
    text: string,
    params: readonly SqlValue[],
  ): Promise<{ readonly rows: readonly Readonly<Record<string, unknown>>[] }>;
  /**
   * Runs a script of several statements as one transaction (the simple-query protocol does this
   * for a multi-statement string). Used by `migrate`; without it, `migrate` runs the statements
   * one by one (⚠️ then not atomic: run it from one process).
   */
  exec?(script: string): Promise<void>;
  /**
   * LISTENs on `channel` over a dedicated connection and calls `onNotify` with each payload until
   * the returned function is called. Calls `onLost` once if the connection dies; the store then
   * listens again by itself. Leave it out where LISTEN cannot work (a pooler in transaction mode):
   * the store polls instead.
   */
  listen?(
    channel: string,
    onNotify: (payload: string) => void,
    onLost: (error: unknown) => void,
  ): Promise<() => Promise<void>>;
  /**
   * Whether other processes can reach the same database, which makes the store `shared`.
   * @default true
   */
  readonly shared?: boolean;
}

/** The part of a node-postgres client or pool the port uses. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** What a NOTIFY message carries (node-postgres `Notification`). */
export interface PgNotification {
  // `| undefined` as in pg's own `Notification`, so a `pg.Pool` fits under `exactOptionalPropertyTypes`.
  readonly channel?: string | undefined;
  readonly payload?: string | undefined;
}

/** A node-postgres client (`pg.Client`, or one checked out of a pool), as the listener uses it. */
export interface PgClientLike extends PgQueryable {
  on(event: 'notification', listener: (message: PgNotification) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeListener(event: 'notification', listener: (message: PgNotification) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'end', listener: () => void): unknown;
}

/** A client checked out of a `pg.Pool`. */
export interface PgPoolClientLike extends PgClientLike {
  release(destroy?: boolean | Error): void;
}

/** A standalone `pg.Client` that the listener connects and ends itself. */
export interface PgStandaloneClientLike extends PgClientLike {
  connect(): Promise<unknown>;
  end(): Promise<unknown>;
}

/** A `pg.Pool`. */
export interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgPoolClientLike>;
}

/** Options of {@link fromPg}. */
export interface FromPgOptions {
  /**
   * Makes the connection LISTEN runs on: a new, unconnected `pg.Client` each call (the store
   * calls it again after a connection loss). Use it to keep LISTEN off a pool that sits behind a
   * pooler in transaction mode, or off a small pool.
   * @default one client checked out of the pool, held while subscribed (the pool has one fewer)
   */
  listenClient?: () => PgStandaloneClientLike;
  /**
   * Whether to offer LISTEN at all. Turn it off when the pool goes through a pooler in
   * transaction mode (PgBouncer, Supavisor) and no `listenClient` is given: the store then polls.
   * @default true
   */
  listen?: boolean;
}

/** Double-quotes an identifier; channels are validated by the store, this is a second fence. */
const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * A port over a node-postgres `Pool`: queries go through the pool; LISTEN holds one dedicated
 * connection (from the pool, or from `listenClient`), replaced after a loss.
 *
 * ⚠️ Give the pool an `error` listener (`pool.on('error', …)`): node-postgres emits an idle client's
 * connection loss there, and an unhandled `error` event ends the process. A `query_timeout` and
 * `connectionTimeoutMillis` keep a hung server from holding calls past keycard's `storeTimeoutMs`.
 *
 * @example A pool, the schema, the store
 * ```ts
 * import pg from 'pg';
 * import { fromPg, migrate, postgresTokenStore } from 'keycard/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2_000, query_timeout: 2_000 });
 * pool.on('error', (e) => console.warn('pg pool:', e.message));
 * const port = fromPg(pool);
 * await migrate(port);
 * const keycard = createKeycard({ prefix: 'acme', scopes, store: postgresTokenStore(port) });
 * ```
 */
export function fromPg(pool: PgPoolLike, options: FromPgOptions = {}): SqlPort {
  checkFirst(
    hasMethod(pool, 'query') && hasMethod(pool, 'connect'),
    pool,
    'fromPg',
    'a node-postgres Pool (new pg.Pool({ connectionString }))',
  );
  const port: SqlPort = {
    shared: true,
    async query(text, params) {
      const result = await pool.query(text, [...params]);
      return { rows: result.rows as Record<string, unknown>[] };
    },
    async exec(script) {
      // No values: node-postgres sends a simple query, which runs a multi-statement string as one transaction.
      await pool.query(script);
    },
  };
  if (options.listen === false) return port;
  return {
    ...port,
    async listen(channel, onNotify, onLost) {
      const standalone = options.listenClient?.();
      let client: PgClientLike;
      if (standalone) {
        await standalone.connect();
        client = standalone;
      } else {
        client = await pool.connect();
      }
      let done = false;
      const dispose = (error?: unknown) => {
        if (done) return;
        done = true;
        client.removeListener('notification', onNotification);
        client.removeListener('error', onError);
        client.removeListener('end', onEnd);
        // A dead connection is destroyed, never returned to the pool.
        if (standalone) void standalone.end().catch(() => {});
        else (client as PgPoolClientLike).release(error instanceof Error ? error : true);
      };
      const onNotification = (message: PgNotification) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      };
      const lose = (error: unknown) => {
        if (done) return;
        dispose(error);
        onLost(error);
      };
      const onError = (error: Error) => lose(error);
      const onEnd = () => lose(new Error('LISTEN connection ended'));
      client.on('notification', onNotification);
      client.on('error', onError);
      client.on('end', onEnd);
      try {
        await client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (error) {
        dispose(error);
        throw error;
      }
      return async () => {
        if (done) return;
        try {
          await client.query(`UNLISTEN ${quoteIdent(channel)}`);
        } catch {
          // The connection is going away anyway.
        }
        dispose();
      };
    },
  };
}

/** The part of a PGlite instance the port uses. */
export interface PgliteLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  exec(script: string): Promise<unknown>;
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

/**
 * A port over PGlite (`@electric-sql/pglite`), the embedded Postgres: one process, one database.
 * `shared` is false — PGlite's data directory belongs to the one process that opened it — so keycard
 * does not warn about an in-memory limiter, and it trusts its cache because every change reaches it
 * in-process (the store delivers its own writes before they resolve, and polls for the rest).
 *
 * @example An embedded, persistent token store
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * import { fromPglite, migrate, postgresTokenStore } from 'keycard/postgres';
 *
 * const port = fromPglite(new PGlite('./data/keycard'));
 * await migrate(port);
 * const store = postgresTokenStore(port);
 * ```
 */
export function fromPglite(db: PgliteLike): SqlPort {
  checkFirst(hasMethod(db, 'query') && hasMethod(db, 'exec'), db, 'fromPglite', 'a PGlite instance (new PGlite())');
  return {
    shared: false,
    async query(text, params) {
      const result = await db.query(text, [...params]);
      return { rows: result.rows as Record<string, unknown>[] };
    },
    async exec(script) {
      await db.exec(script);
    },
    listen(channel, onNotify) {
      // In-process: the connection cannot be lost, so onLost is never called.
      return db.listen(channel, onNotify);
    },
  };
}
