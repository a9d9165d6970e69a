/**
 * The shared parts of the `AuditStore` conformance suite: its public option and runner types, the
 * per-suite context every section takes, the reference model of a filter, and the event harness.
 */
import type * as FastCheck from 'fast-check';
import type { AuditEvent, RequestAuditEvent, TokenAuditEvent } from '../core/audit.ts';
import type { AuditFilter, AuditRequestsMode, AuditStore, StoredAuditEvent } from '../core/audit-store.ts';

/** The test-runner functions the suite calls (vitest, jest, bun, node:test with `expect` fit). */
export interface AuditStoreSuiteRunner {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>): void;
  expect(actual: unknown): { toBe(expected: unknown): void; toEqual(expected: unknown): void };
}

/** What the suite hands the factory: the mode to build, and the clock it drives. */
export interface AuditStoreSetup {
  readonly requests: AuditRequestsMode;
  /** Wall-clock ms; only the suite moves it. Wire it to the store's `clock.now`. */
  readonly clock: { now(): number };
}

/** Options of {@link auditStoreConformance}. */
export interface AuditStoreConformanceOptions {
  /** `fast-check` (optional peer): with it the paging race is a shrinking property; without, a seeded PRNG. */
  fc?: typeof FastCheck;
  /** Runs of the paging race. @default 30 */
  runs?: number;
  /** First seed. @default 1 */
  seed?: number;
}

/** 2030-01-01T00:00:00Z: the suite's events sit after it, the retention case in 2000 (before it). */
export const T0 = Date.UTC(2030, 0, 1);
export const DAY = 86_400_000;

/** Builds a fresh store in the given mode, wired to the suite-driven clock. */
export type AuditStoreFactory = (setup: AuditStoreSetup) => AuditStore | Promise<AuditStore>;

/** What every section of the suite takes: the runner, the options and the per-test store wrapper. */
export interface AuditSuiteContext {
  readonly t: AuditStoreSuiteRunner;
  readonly fc: typeof FastCheck | undefined;
  readonly runs: number;
  readonly seed: number;
  readonly withStore: (
    requests: AuditRequestsMode,
    body: (s: AuditStore, h: Harness) => Promise<void>,
  ) => () => Promise<void>;
}

/** Builds the context of one suite run over `factory`: a section can be registered alone with it. */
export function auditSuiteContext(
  t: AuditStoreSuiteRunner,
  factory: AuditStoreFactory,
  options: AuditStoreConformanceOptions = {},
): AuditSuiteContext {
  const run = `as${Math.random().toString(36).slice(2, 10)}`;
  let test = 0;
  const runs = options.runs ?? 30;
  const seed = options.seed ?? 1;

  const withStore = (requests: AuditRequestsMode, body: (s: AuditStore, h: Harness) => Promise<void>) => async () => {
    let now = T0 + 40 * DAY;
    const store = await factory({ requests, clock: { now: () => now } });
    const h = new Harness(`${run}-${test++}`, (ms) => (now = ms));
    try {
      await body(store, h);
    } finally {
      await store.close();
    }
  };

  return { t, fc: options.fc, runs, seed, withStore };
}

export type PlanEvent = [offsetMs: number, token: number, denied: boolean];
export interface Plan {
  initial: PlanEvent[];
  appends: PlanEvent[][];
  limit: number;
  order: 'asc' | 'desc';
  onlyDenied: boolean;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const key = (a: StoredAuditEvent, b: StoredAuditEvent) => {
  const d = Date.parse(a.time) - Date.parse(b.time);
  return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};
export const strip = (e: StoredAuditEvent): AuditEvent => {
  const { id: _id, ...rest } = e;
  return rest as AuditEvent;
};

/** Every page of a query, followed to its end; throws on a page of more than `limit` events. */
export async function all(s: AuditStore, filter: AuditFilter, limit = 500): Promise<StoredAuditEvent[]> {
  const out: StoredAuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const page = await s.query({ ...filter, cursor, limit });
    if (page.events.length > limit) throw new Error(`query: a page of ${page.events.length} events for limit ${limit}`);
    out.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

/** The reference: the filter applied to plain events, ordered by time (ties in write order). */
export function model(events: readonly AuditEvent[], f: AuditFilter): AuditEvent[] {
  const ms = (v: AuditFilter['since']) =>
    v === undefined ? null : v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
  const since = ms(f.since);
  const until = ms(f.until);
  let types = f.types ?? null;
  if (f.outcome) types = (types ?? [`request.${f.outcome}` as const]).filter((x) => x === `request.${f.outcome}`);
  const out = events
    .map((e, i) => ({ e, i, t: Date.parse(e.time) }))
    .filter(
      ({ e, t }) =>
        (types === null || types.includes(e.type)) &&
        (f.tokenId === undefined || e.tokenId === f.tokenId) &&
        (f.ownerId === undefined || e.ownerId === f.ownerId) &&
        (f.workspaceId === undefined || e.workspaceId === f.workspaceId) &&
        (f.actorId === undefined || ('actor' in e && e.actor.id === f.actorId)) &&
        (f.requestId === undefined || ('requestId' in e && e.requestId === f.requestId)) &&
        (since === null || t >= since) &&
        (until === null || t < until),
    )
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map(({ e }) => e);
  return f.order === 'asc' ? out : out.reverse();
}

export async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
  return 'no error';
}

/** The code and `fields` of what `f` throws (`'no error'` when it does not), to compare whole. */
export async function refusalOf(f: () => unknown): Promise<{ code: string; fields?: unknown }> {
  try {
    await f();
  } catch (e) {
    const { code, fields } = e as { code?: unknown; fields?: unknown };
    return { code: String(code), fields };
  }
  return { code: 'no error' };
}

/** Builds the events of one test: ids, owners and tokens scoped by the test's workspace id. */
export class Harness {
  constructor(
    readonly ws: string,
    readonly setNow: (ms: number) => void,
  ) {}
  /** `T0 + seconds` (distinct per test is not needed: filters are scoped by `ws`). */
  at(seconds: number): number {
    return T0 + seconds * 1000;
  }
  token(n: number): string {
    return `${this.ws}-tok${n}`;
  }
  owner(n: number): string {
    return `${this.ws}-usr${n}`;
  }
  issued(second: number, kind: 'user' | 'token' | 'system', actorId: string | null): TokenAuditEvent {
    return {
      type: 'token.issued',
      time: iso(this.at(second)),
      tokenId: this.token(0),
      label: 'ci',
      ownerId: this.owner(0),
      workspaceId: this.ws,
      actor: { kind, id: actorId },
    };
  }
  request(type: RequestAuditEvent['type'], second: number, extra: Partial<RequestAuditEvent> = {}): RequestAuditEvent {
    return {
      type,
      time: iso(this.at(second)),
      tokenId: this.token(0),
      label: 'ci',
      ownerId: this.owner(0),
      workspaceId: this.ws,
      surface: 'http',
      method: 'GET',
      path: '/v1/tasks',
      requestId: `${this.ws}-r${second}`,
      ...extra,
    };
  }
  /** `n` events of every kind over 40 seconds, with repeated times, tokens, owners and actors. */
  mixed(rnd: () => number, n: number): AuditEvent[] {
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    return Array.from({ length: n }, (_, i) => {
      const second = Math.floor(rnd() * 40);
      const base = { tokenId: this.token(Math.floor(rnd() * 3)), ownerId: this.owner(Math.floor(rnd() * 3)) };
      if (rnd() < 0.35) {
        const ev = this.issued(
          second,
          pick(['user', 'token', 'system'] as const),
          pick([this.owner(0), this.owner(1), null]),
        );
        return {
          ...ev,
          ...base,
          type: pick(['token.issued', 'token.revoked', 'token.rotated', 'token.updated'] as const),
        };
      }
      return this.request(pick(['request.allowed', 'request.denied'] as const), second, {
        ...base,
        requestId: `${this.ws}-${i}`,
        surface: pick(['http', 'mcp'] as const),
      });
    });
  }
}
