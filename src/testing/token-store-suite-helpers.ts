/**
 * The shared parts of the `TokenStore` conformance suite: its public option and runner types, the
 * per-suite context every section takes, and the seeded PRNG, scheduler and small helpers.
 */
import type * as FastCheck from 'fast-check';
import type { Awaitable, ListQuery, StoreChange, StoredToken, TokenStore } from '../core/store.ts';
import { FIXTURE_EPOCH, randomHex } from './fixtures.ts';

/**
 * The few test-runner functions the suite calls, typed structurally so vitest, jest, bun and
 * node:test (with any `expect` library, e.g. the `expect` package) all fit without an adapter.
 *
 * The matchers used are exactly `toBe`, `toEqual` (deep, recursive equality), `toBeNull` and
 * `toBeGreaterThan`. Failures to throw are detected by the suite itself (it calls the store and
 * checks that the call threw or rejected), so no `toThrow`/`rejects` support is needed.
 */
export interface TokenStoreSuiteRunner {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>): void;
  expect(actual: unknown): {
    toBe(expected: unknown): void;
    toEqual(expected: unknown): void;
    toBeNull(): void;
    toBeGreaterThan(expected: number): void;
  };
}

/** Options of {@link tokenStoreConformance}. */
export interface TokenStoreConformanceOptions {
  /**
   * The `fast-check` module (an optional peer dependency: pass `import * as fc from 'fast-check'`).
   * With it, the race cases reorder store calls with `fc.scheduler()` and the `touch` law is a
   * shrinking property; without it, the same cases run on a small seeded PRNG.
   * @default undefined
   */
  fc?: typeof FastCheck;
  /**
   * Called after every test with the store the factory made (close connections, drop the test's
   * rows). When given, it replaces the default, which is `store.close?.()`.
   * @default (store) => store.close?.()
   */
  cleanup?: (store: TokenStore) => void | Promise<void>;
  /**
   * Runs of each race and property case. Each run creates a handful of records; lower it for a
   * slow remote store, raise it to hunt a rare interleaving.
   * @default 50
   */
  runs?: number;
  /**
   * First seed of the PRNG (used for insertion orders, and for races when `fc` is absent). A failure
   * names the seed that broke, so it can be replayed. `fc` draws its own seeds and reports them.
   * @default 1
   */
  seed?: number;
}

/** What a race needs from a scheduler: `fc.scheduler()`'s value fits, and so does the PRNG one below. */
export interface RaceScheduler {
  schedule<T>(task: Promise<T>, label?: string): Promise<T>;
  waitAll(): Promise<void>;
}

export const DAY = 86_400_000;
/** A reference instant well away from the wall clock, so a store that judges status by its own clock fails. */
export const T0 = FIXTURE_EPOCH;
export const NOW = T0 + 1_000_000;

/** What every section of the suite takes: the runner, the options and the per-test store helpers. */
export interface SuiteContext {
  readonly t: TokenStoreSuiteRunner;
  readonly expect: TokenStoreSuiteRunner['expect'];
  readonly fc: typeof FastCheck | undefined;
  readonly runs: number;
  readonly firstSeed: number;
  readonly withStore: (body: (store: TokenStore) => Promise<void>) => () => Promise<void>;
  readonly listAll: (
    store: TokenStore,
    query: Omit<ListQuery, 'cursor'>,
    maxPages?: number,
  ) => Promise<StoredToken[][]>;
  readonly ids: (tokens: readonly StoredToken[]) => string[];
  readonly listIds: (
    store: TokenStore,
    query: Omit<ListQuery, 'cursor' | 'now' | 'limit'> & { now?: number },
  ) => Promise<string[]>;
  readonly eventually: <T>(find: () => T | undefined, what: string) => Promise<T>;
}

/** Builds the context of one suite run over `factory`: a section can be registered alone with it. */
export function suiteContext(
  t: TokenStoreSuiteRunner,
  factory: () => TokenStore | Promise<TokenStore>,
  options: TokenStoreConformanceOptions = {},
): SuiteContext {
  const { fc } = options;
  const runs = options.runs ?? 50;
  const firstSeed = options.seed ?? 1;
  const { expect } = t;

  /** Wraps a test body: a fresh store per test, disposed of even when the body fails. */
  const withStore = (body: (store: TokenStore) => Promise<void>) => async () => {
    const store = await factory();
    try {
      await body(store);
    } finally {
      if (options.cleanup) await options.cleanup(store);
      else await store.close?.();
    }
  };

  /** Lists every page of `query`, checking the page shape; throws if `nextCursor` never ends. */
  const listAll = async (store: TokenStore, query: Omit<ListQuery, 'cursor'>, maxPages = 1_000) => {
    const pages: StoredToken[][] = [];
    let cursor: string | null = null;
    do {
      if (pages.length >= maxPages)
        throw new Error(`list(limit ${query.limit}) still had a nextCursor after ${maxPages} pages`);
      const page: Awaited<ReturnType<TokenStore['list']>> = await store.list({ ...query, cursor });
      if (page.nextCursor !== null && typeof page.nextCursor !== 'string')
        throw new Error(`list: nextCursor must be a string or null, got ${typeof page.nextCursor}`);
      if (page.tokens.length > query.limit)
        throw new Error(`list: a page of ${page.tokens.length} records for limit ${query.limit}`);
      pages.push([...page.tokens]);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return pages;
  };
  const ids = (tokens: readonly StoredToken[]) => tokens.map((x) => x.id);
  const listIds = async (store: TokenStore, query: Omit<ListQuery, 'cursor' | 'now' | 'limit'> & { now?: number }) =>
    ids((await listAll(store, { now: NOW, limit: 500, ...query })).flat());

  /** Polls `find` every 10 ms until it answers, for at most 2 s: delivery may be asynchronous, never a hang. */
  async function eventually<T>(find: () => T | undefined, what: string): Promise<T> {
    for (let i = 0; i <= 200; i++) {
      const found = find();
      if (found !== undefined) return found;
      await sleep(10);
    }
    throw new Error(`subscribe: ${what} was not delivered within 2 s`);
  }
  return { t, expect, fc, runs, firstSeed, withStore, listAll, ids, listIds, eventually };
}

/** Runs `body` for `count` consecutive seeds; a failure names its seed. */
export async function seeded(
  first: number,
  count: number,
  body: (random: () => number) => Promise<void>,
): Promise<void> {
  for (let seed = first; seed < first + count; seed++) {
    try {
      await body(seededRandom(seed));
    } catch (error) {
      throw new Error(
        `failed with seed ${seed} (replay with options.seed = ${seed}, runs = 1): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

/**
 * Releases scheduled store calls until every task has settled. A released call to a remote store
 * may schedule its next step only after a round trip, when `waitAll` has already returned, so
 * this loops (bounded at ~5 s) instead of trusting one `waitAll`.
 */
export async function drive(s: RaceScheduler, tasks: readonly Promise<unknown>[]): Promise<void> {
  let done = false;
  const settled = Promise.allSettled(tasks).then((results) => {
    done = true;
    return results;
  });
  for (let i = 0; !done; i++) {
    if (i > 500) throw new Error('the race did not settle within ~5 s');
    await s.waitAll();
    if (!done) await sleep(i < 5 ? 0 : 10);
  }
  for (const result of await settled) if (result.status === 'rejected') throw result.reason;
}

/** A scheduler with `fc.scheduler()`'s contract, ordering releases with a seeded PRNG. */
export function seededScheduler(random: () => number): RaceScheduler {
  const pending: (() => void)[] = [];
  return {
    schedule<T>(task: Promise<T>) {
      return new Promise<T>((resolve, reject) => {
        pending.push(() => void task.then(resolve, reject));
      });
    },
    async waitAll() {
      while (pending.length > 0) {
        pending.splice(Math.floor(random() * pending.length), 1)[0]!();
        await sleep(0);
      }
    },
  };
}

/** Mulberry32: a tiny seeded PRNG, so a failing order replays from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Creates in batches of 100 concurrent calls: fast on a remote store without flooding its pool. */
export async function createAll(store: TokenStore, tokens: readonly StoredToken[]): Promise<void> {
  for (let i = 0; i < tokens.length; i += 100) {
    await Promise.all(tokens.slice(i, i + 100).map((token) => call(() => store.create(token))));
  }
}

/** Calls `fn` so that a synchronous throw becomes a rejection, as with an async store. */
export function call<T>(fn: () => Awaitable<T>): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

/** Whether `fn` threw or rejected. */
export async function fails(fn: () => Awaitable<unknown>): Promise<boolean> {
  try {
    await fn();
    return false;
  } catch {
    return true;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The list order: createdAt, then id by UTF-16 code unit (what `<` on strings does). */
export function compareTokens(a: StoredToken, b: StoredToken): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
export function sortTokens(tokens: readonly StoredToken[]): StoredToken[] {
  return [...tokens].sort(compareTokens);
}

/** The record `revokeAll(…, at, reason)` leaves of `token`. */
export const revokedBy = (token: StoredToken, at: number, reason: string | null): StoredToken => ({
  ...token,
  revokedAt: at,
  revokedReason: reason,
  version: token.version + 1,
});

export const newOwner = () => `usr_${randomHex(8)}`;
export const newWorkspace = () => `ws_${randomHex(8)}`;

export function withoutSeq(change: StoreChange): Omit<StoreChange, 'seq'> {
  const { seq: _seq, ...rest } = change;
  return rest;
}

/**
 * Tries to change every field of `value`, deeply: strings and numbers altered, arrays grown, a key
 * added. Frozen objects throw (modules are strict), which is as good as a copy.
 */
export function scribble(value: unknown, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  const attempt = (change: () => void) => {
    try {
      change();
    } catch {
      // Frozen: the store protects itself that way.
    }
  };
  if (Array.isArray(value)) {
    for (const item of value) scribble(item, depth + 1);
    attempt(() => value.push('scribbled'));
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (typeof field === 'string') attempt(() => (record[key] = `${field}~scribbled`));
    else if (typeof field === 'number') attempt(() => (record[key] = field + 1));
    else scribble(field, depth + 1);
  }
  attempt(() => (record['scribbled'] = true));
}
