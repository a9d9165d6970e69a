/**
 * The conformance suite of the `AuditStore` port (SPEC §14), run against the memory store and the
 * Postgres store here and against any store a user writes. It imports no test runner and no
 * property-testing library at runtime: the caller passes both.
 */
import type * as FastCheck from 'fast-check';
import type { AuditEvent, RequestAuditEvent, TokenAuditEvent } from '../core/audit.ts';
import type {
  AuditFilter,
  AuditPage,
  AuditQuery,
  AuditRequestsMode,
  AuditStore,
  StoredAuditEvent,
} from '../core/audit-store.ts';
import { seededRandom } from './limiter-model.ts';

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
const T0 = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

type Factory = (setup: AuditStoreSetup) => AuditStore | Promise<AuditStore>;

/**
 * The laws every {@link AuditStore} must keep: events come back as written (with an id and a
 * canonical time), every filter selects what the model selects, pages never skip or repeat even
 * while events are being appended, allowed requests are rolled up (or kept with `requests:
 * 'all'`), coalesced denials keep their count, export streams every event (NDJSON, RFC 4180 CSV),
 * and `prune` drops what is older than its date. Events are scoped by a random run id, so a shared
 * database is fine; the retention case prunes before 2000-03-01 (do not keep real events there).
 *
 * @example Under vitest
 * ```ts
 * import * as fc from 'fast-check';
 * import { describe, it, expect } from 'vitest';
 * import { memoryAuditStore } from 'keycard';
 * import { auditStoreConformance } from 'keycard/testing';
 * auditStoreConformance('memory', { describe, it, expect }, ({ requests, clock }) =>
 *   memoryAuditStore({ requests, clock: { now: clock.now, monotonic: clock.now } }), { fc });
 * ```
 */
export function auditStoreConformance(
  name: string,
  t: AuditStoreSuiteRunner,
  factory: Factory,
  options: AuditStoreConformanceOptions = {},
): void {
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

  t.describe(`AuditStore conformance: ${name}`, () => {
    t.it(
      'events come back as written, with an id and a canonical time, newest first or oldest first',
      withStore('all', async (s, h) => {
        const written = [
          h.issued(1, 'user', 'usr_a'),
          h.request('request.allowed', 2, { tool: 'search', rpcMethod: 'tools/call', surface: 'mcp' }),
          h.request('request.denied', 3, { reason: 'insufficient_scope', missing: ['write'] }),
        ];
        await s.append(written);
        const desc = await all(s, { workspaceId: h.ws });
        t.expect(desc.map(strip)).toEqual([...written].reverse());
        t.expect(new Set(desc.map((e) => e.id)).size).toBe(3);
        const asc = await all(s, { workspaceId: h.ws, order: 'asc' });
        t.expect(asc.map((e) => e.id)).toEqual(desc.map((e) => e.id).reverse());
      }),
    );

    t.it(
      'every filter selects what the model selects',
      withStore('all', async (s, h) => {
        const events = h.mixed(seededRandom(seed), 60);
        await s.append(events);
        const filters: AuditFilter[] = [
          { workspaceId: h.ws },
          { tokenId: h.token(1) },
          { ownerId: h.owner(2) },
          { workspaceId: h.ws, actorId: h.owner(0) },
          { workspaceId: h.ws, types: ['token.issued', 'request.denied'] },
          { workspaceId: h.ws, outcome: 'denied' },
          { workspaceId: h.ws, outcome: 'allowed', types: ['token.revoked'] },
          { requestId: `${h.ws}-7` },
          { workspaceId: h.ws, since: h.at(10), until: new Date(h.at(30)) },
          { tokenId: h.token(0), since: new Date(h.at(5)).toISOString(), order: 'asc' },
        ];
        for (const f of filters) {
          const got = await all(s, f, 7);
          const want = model(events, f);
          t.expect(got.map(strip)).toEqual(want);
        }
      }),
    );

    t.it(
      'rolls allowed requests up by default; denials are kept with their count; usage answers per day and surface',
      withStore('rollup', async (s, h) => {
        const tok = h.token(0);
        h.setNow(h.at(0) + 2 * DAY + 5_000);
        await s.append([
          h.request('request.allowed', 0, { tokenId: tok }),
          h.request('request.allowed', 1, { tokenId: tok }),
          h.request('request.allowed', 2, { tokenId: tok, surface: 'mcp' }),
          h.request('request.denied', 3, { tokenId: tok, reason: 'rate_limited', count: 40 }),
          h.request('request.allowed', DAY / 1000 + 1, { tokenId: tok }),
          h.request('request.allowed', (2 * DAY) / 1000, { tokenId: tok, surface: 'mcp' }),
        ]);
        s.write(
          h.request('request.denied', (2 * DAY) / 1000 + 1, {
            tokenId: tok,
            reason: 'token_revoked',
            count: 2,
            surface: 'mcp',
          }),
        );
        await s.flush();
        const kept = await all(s, { tokenId: tok });
        t.expect(kept.map((e) => [e.type, (e as RequestAuditEvent).count])).toEqual([
          ['request.denied', 2],
          ['request.denied', 40],
        ]);
        const d0 = iso(h.at(0)).slice(0, 10);
        const d1 = iso(h.at(0) + DAY).slice(0, 10);
        const d2 = iso(h.at(0) + 2 * DAY).slice(0, 10);
        t.expect(await s.usage(tok, { days: 3 })).toEqual([
          { day: d0, surface: 'http', allowed: 2, denied: 40, lastUsedAt: iso(h.at(1)) },
          { day: d0, surface: 'mcp', allowed: 1, denied: 0, lastUsedAt: iso(h.at(2)) },
          { day: d1, surface: 'http', allowed: 1, denied: 0, lastUsedAt: iso(h.at(DAY / 1000 + 1)) },
          { day: d2, surface: 'mcp', allowed: 1, denied: 2, lastUsedAt: iso(h.at((2 * DAY) / 1000)) },
        ]);
        t.expect((await s.usage(tok, { days: 1 })).map((u) => u.day)).toEqual([d2]);
        t.expect(await s.usage(h.token(9))).toEqual([]);
      }),
    );

    t.it(
      "requests: 'all' keeps each allowed request as well",
      withStore('all', async (s, h) => {
        await s.append([h.request('request.allowed', 0), h.request('request.allowed', 1)]);
        t.expect((await all(s, { workspaceId: h.ws, outcome: 'allowed' })).length).toBe(2);
        t.expect(await s.usage(h.token(0), { days: 366 })).toEqual([
          { day: iso(h.at(0)).slice(0, 10), surface: 'http', allowed: 2, denied: 0, lastUsedAt: iso(h.at(1)) },
        ]);
      }),
    );

    t.it(
      'pages never skip or repeat while events are appended concurrently (property against a model)',
      withStore('all', async (s, h) => {
        let runNo = 0;
        const once = async (plan: Plan) => {
          const ws = `${h.ws}-r${runNo++}`;
          const mk = (i: number, offset: number, tokenNo: number, denied: boolean) =>
            ({
              ...h.request(denied ? 'request.denied' : 'request.allowed', 0, {
                tokenId: `${ws}-t${tokenNo}`,
                ...(denied && { reason: 'invalid_token' as const }),
              }),
              workspaceId: ws,
              requestId: `${ws}-${i}`,
              time: iso(h.at(0) + offset),
            }) as AuditEvent;
          const initial = plan.initial.map(([o, tk, d], i) => mk(i, o, tk, d));
          await s.append(initial);
          const filter: AuditFilter = {
            workspaceId: ws,
            order: plan.order,
            ...(plan.onlyDenied && { outcome: 'denied' as const }),
          };
          const seen: StoredAuditEvent[] = [];
          let cursor: string | null = null;
          let next = initial.length;
          for (let step = 0; ; step++) {
            // Appends run alongside the first pages only: a writer that never stops could keep a reader busy forever.
            const add = (plan.appends[step] ?? []).map(([o, tk, d]) => mk(next++, o, tk, d));
            const [page]: [AuditPage, void] = await Promise.all([
              s.query({ ...filter, cursor, limit: plan.limit } as AuditQuery),
              s.append(add),
            ]);
            seen.push(...page.events);
            cursor = page.nextCursor;
            if (cursor === null) break;
            if (step > 1_000) throw new Error('paging did not end after 1,000 pages');
          }
          const ids = seen.map((e) => e.id);
          t.expect(new Set(ids).size).toBe(ids.length);
          for (let i = 1; i < seen.length; i++) {
            const c = key(seen[i - 1]!, seen[i]!);
            t.expect(plan.order === 'asc' ? c < 0 : c > 0).toBe(true);
          }
          const wantInitial = model(initial, filter)
            .map((e) => (e as RequestAuditEvent).requestId)
            .sort();
          const gotIds = new Set(seen.map((e) => (e as RequestAuditEvent).requestId));
          t.expect(wantInitial.filter((r) => !gotIds.has(r))).toEqual([]);
          for (const e of seen) t.expect(model([strip(e)], filter).length).toBe(1);
        };
        if (options.fc) {
          const fc = options.fc;
          const ev = fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 2 }), fc.boolean());
          const plan = fc.record({
            initial: fc.array(ev, { maxLength: 25 }),
            appends: fc.array(fc.array(ev, { maxLength: 4 }), { minLength: 1, maxLength: 5 }),
            limit: fc.integer({ min: 1, max: 6 }),
            order: fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
            onlyDenied: fc.boolean(),
          });
          await fc.assert(fc.asyncProperty(plan, once), { numRuns: runs, seed });
        } else {
          const rnd = seededRandom(seed);
          const int = (n: number) => Math.floor(rnd() * (n + 1));
          const ev = (): [number, number, boolean] => [int(12), int(2), rnd() < 0.5];
          for (let r = 0; r < runs; r++) {
            await once({
              initial: Array.from({ length: int(25) }, ev),
              appends: Array.from({ length: 1 + int(4) }, () => Array.from({ length: int(4) }, ev)),
              limit: 1 + int(5),
              order: rnd() < 0.5 ? 'asc' : 'desc',
              onlyDenied: rnd() < 0.3,
            });
          }
        }
      }),
    );

    t.it(
      'export streams every event as NDJSON and as RFC 4180 CSV',
      withStore('all', async (s, h) => {
        const tricky = 'ci, "nightly"\r\nline two';
        const events = [...h.mixed(seededRandom(seed + 1), 25), { ...h.issued(99, 'user', 'usr_x'), label: tricky }];
        await s.append(events);
        const want = await all(s, { workspaceId: h.ws, order: 'asc' });
        const ndjson = await new Response(s.export({ workspaceId: h.ws, order: 'asc' }, 'ndjson')).text();
        t.expect(ndjson.endsWith('\n')).toBe(true);
        t.expect(
          ndjson
            .trimEnd()
            .split('\n')
            .map((l) => JSON.parse(l) as unknown),
        ).toEqual(want);
        const csv = parseCsv(await new Response(s.export({ workspaceId: h.ws, order: 'asc' }, 'csv')).text());
        const header = csv[0]!;
        t.expect(header.slice(0, 3)).toEqual(['id', 'time', 'type']);
        t.expect(csv.slice(1).map((r) => r.slice(0, 3))).toEqual(want.map((e) => [e.id, e.time, e.type]));
        t.expect(csv.slice(1).map((r) => r[header.indexOf('label')])).toEqual(want.map((e) => e.label ?? ''));
        t.expect(csv.at(-1)![header.indexOf('label')]).toBe(tricky);
      }),
    );

    t.it(
      'refuses a bad query with invalid_argument',
      withStore('all', async (s) => {
        for (const q of [
          { limit: 0 },
          { limit: 501 },
          { limit: 1.5 },
          { cursor: 'nope' },
          { since: 'not a date' },
          { bogus: 1 },
          { types: ['token.exploded'] },
          { outcome: 'maybe' },
        ]) {
          t.expect(await codeOf(() => s.query(q as AuditQuery))).toBe('invalid_argument');
        }
        t.expect(await codeOf(() => s.usage('tok', { days: 0 }))).toBe('invalid_argument');
        t.expect(await codeOf(async () => s.export({}, 'xml' as 'csv'))).toBe('invalid_argument');
      }),
    );

    t.it(
      'write() never throws and flush() makes written events visible',
      withStore('all', async (s, h) => {
        s.write(h.request('request.denied', 1, { reason: 'invalid_token', count: 3 }));
        s.write({ ...h.request('request.denied', 2, { reason: 'invalid_token' }), time: 'garbage' });
        await s.flush();
        const got = await all(s, { workspaceId: h.ws });
        t.expect(got.length).toBe(2);
        t.expect(got.every((e) => Number.isFinite(Date.parse(e.time)))).toBe(true);
      }),
    );

    t.it(
      'prune drops every event before its date, and the usage of days that ended by then',
      withStore('rollup', async (s, h) => {
        const jan = Date.UTC(2000, 0, 15);
        const times = [
          jan,
          Date.UTC(2000, 1, 10),
          Date.UTC(2000, 2, 1) - 1,
          Date.UTC(2000, 2, 1),
          Date.UTC(2000, 2, 20),
          Date.UTC(2000, 3, 2),
        ];
        const tok = h.token(5);
        await s.append(
          times.flatMap((ms, i) => [
            {
              ...h.request('request.denied', 0, { tokenId: tok, reason: 'token_expired' }),
              requestId: `${h.ws}-p${i}`,
              time: iso(ms),
            },
            { ...h.request('request.allowed', 0, { tokenId: tok }), time: iso(ms) },
          ]),
        );
        await s.prune(Date.UTC(2000, 2, 1));
        t.expect((await all(s, { tokenId: tok, order: 'asc' })).map((e) => e.time)).toEqual(times.slice(3).map(iso));
        await s.prune(new Date(Date.UTC(2000, 2, 20, 12)));
        t.expect((await all(s, { tokenId: tok, order: 'asc' })).map((e) => e.time)).toEqual(times.slice(5).map(iso));
        h.setNow(Date.UTC(2000, 3, 3));
        t.expect((await s.usage(tok, { days: 366 })).map((u) => [u.day, u.allowed, u.denied])).toEqual([
          ['2000-03-20', 1, 1],
          ['2000-04-02', 1, 1],
        ]);
      }),
    );
  });
}

type PlanEvent = [offsetMs: number, token: number, denied: boolean];
interface Plan {
  initial: PlanEvent[];
  appends: PlanEvent[][];
  limit: number;
  order: 'asc' | 'desc';
  onlyDenied: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();
const key = (a: StoredAuditEvent, b: StoredAuditEvent) => {
  const d = Date.parse(a.time) - Date.parse(b.time);
  return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};
const strip = (e: StoredAuditEvent): AuditEvent => {
  const { id: _id, ...rest } = e;
  return rest as AuditEvent;
};

/** Every page of a query, followed to its end. */
async function all(s: AuditStore, filter: AuditFilter, limit = 500): Promise<StoredAuditEvent[]> {
  const out: StoredAuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const page = await s.query({ ...filter, cursor, limit });
    out.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

/** The reference: the filter applied to plain events, ordered by time (ties in write order). */
function model(events: readonly AuditEvent[], f: AuditFilter): AuditEvent[] {
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

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
  return 'no error';
}

/** A small RFC 4180 reader (quoted fields, doubled quotes, CRLF), so the suite needs no CSV package. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), (i += 2));
      else if (c === '"') ((quoted = false), i++);
      else ((field += c), i++);
    } else if (c === '"') ((quoted = true), i++);
    else if (c === ',') (row.push(field), (field = ''), i++);
    else if (c === '\r' && text[i + 1] === '\n') (row.push(field), rows.push(row), (row = []), (field = ''), (i += 2));
    else ((field += c), i++);
  }
  if (field !== '' || row.length > 0) (row.push(field), rows.push(row));
  return rows;
}

/** Builds the events of one test: ids, owners and tokens scoped by the test's workspace id. */
class Harness {
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
