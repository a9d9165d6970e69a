/**
 * The laws of SPEC §14's query, usage and export, as fast-check properties run on every audit
 * store backend at once (memory, PGlite, a Postgres server with DATABASE_URL), so each run is
 * also a differential test: every backend gives the model's answer for the same input.
 *
 * - paging through any filter with any page size and order returns each matching event exactly
 *   once, in (time, id) order, also while events are appended concurrently;
 * - a filter's answer equals the whole log filtered in memory (`since` inclusive, `until`
 *   exclusive; times around UTC midnight and a month's end, where partitions split);
 * - usage equals counting the raw events per UTC day and surface (coalesced denials by count);
 * - NDJSON export is the query; CSV export reads back to the same values, hostile strings
 *   included (commas, quotes, line breaks, formula prefixes defused, lone surrogates repaired).
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, RequestAuditEvent } from '../src/core/audit.ts';
import { AUDIT_CSV_COLUMNS } from '../src/core/audit-export.ts';
import type { AuditFilter, AuditPage, AuditStore, StoredAuditEvent } from '../src/core/audit-store.ts';
import { wellFormed } from '../src/core/well-formed.ts';
import { defusedCsvText as defused, parseCsv } from '../src/testing/audit-store-suite-csv.ts';
import { model, strip } from '../src/testing/audit-store-suite-helpers.ts';
import { auditBackends } from './audit-laws-backends.ts';

const { backends, warm, closeAll } = auditBackends();
beforeAll(warm, 120_000);
afterAll(closeAll);
const RUNS = Number(process.env['KEYCARD_AUDIT_LAW_RUNS'] ?? 40);

/** Instants around 2030-01-31T24:00Z: a UTC midnight and a month's end (a partition boundary). */
const MIDNIGHT = Date.UTC(2030, 1, 1);
const instant = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((s) => MIDNIGHT + s * 1000),
  fc.integer({ min: -2, max: 2 }).map((d) => MIDNIGHT + d * 86_400_000 - 1),
  fc.constantFrom(MIDNIGHT, MIDNIGHT - 1, MIDNIGHT + 1), // ties
  // A fractional instant (performance.timeOrigin + performance.now()): a `since` of it was floored,
  // so an event half a millisecond before it matched. (An event's time string has whole ms.)
  fc.constantFrom(MIDNIGHT - 0.5, MIDNIGHT + 0.5),
);
const TYPES = ['token.issued', 'token.revoked', 'token.updated', 'request.allowed', 'request.denied'] as const;
/** An event as an index into pools of ids, made concrete per run (ids scoped by the run). */
const eventSpec = fc.record({
  type: fc.constantFrom(...TYPES),
  at: instant,
  token: fc.integer({ min: 0, max: 3 }), // 3: null
  owner: fc.integer({ min: 0, max: 2 }), // 2: null
  ws: fc.integer({ min: 0, max: 2 }),
  actor: fc.integer({ min: 0, max: 2 }),
  req: fc.integer({ min: 0, max: 3 }),
  surface: fc.constantFrom('http' as const, 'mcp' as const),
  count: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
});
type Spec = typeof eventSpec extends fc.Arbitrary<infer T> ? T : never;
/** An allowed request of token 0, owner 0, workspace 0, at a time to set. */
const eventAt: Spec = {
  type: 'request.allowed',
  at: 0,
  token: 0,
  owner: 0,
  ws: 0,
  actor: 0,
  req: 0,
  surface: 'http',
  count: undefined,
};

let runNo = 0;
const runId = () => `al${(runNo++).toString(36)}x${Math.random().toString(36).slice(2, 7)}`;
const pick = <T>(xs: readonly T[], i: number): T | null => (i < xs.length ? xs[i]! : null);

function concrete(run: string, spec: Spec, n: number): AuditEvent {
  const base = {
    time: new Date(spec.at).toISOString(),
    tokenId: pick([`${run}-t0`, `${run}-t1`, `${run}-t2`], spec.token),
    label: `${run}-e${n}`, // unique: tells events apart whatever else they share
    ownerId: pick([`${run}-o0`, `${run}-o1`], spec.owner),
    workspaceId: pick([`${run}-w0`, `${run}-w1`], spec.ws),
  };
  if (spec.type.startsWith('token.'))
    return {
      ...base,
      type: spec.type as 'token.issued',
      actor: { kind: 'user', id: pick([`${run}-a0`, `${run}-a1`], spec.actor) },
      requestId: `${run}-r${spec.req}`,
    };
  return {
    ...base,
    type: spec.type as RequestAuditEvent['type'],
    surface: spec.surface,
    method: 'GET',
    path: '/v1/x',
    requestId: `${run}-r${spec.req}`,
    ...(spec.type === 'request.denied' && { reason: 'rate_limited' as const }),
    ...(spec.type === 'request.denied' && spec.count !== undefined && { count: spec.count }),
  };
}

/** A filter: one scoping field of the run (so a shared database is fine), then any others. */
const filterSpec = fc.record({
  scope: fc.constantFrom('tokenId', 'ownerId', 'workspaceId', 'actorId', 'requestId'),
  scopeValue: fc.integer({ min: 0, max: 1 }),
  types: fc.option(fc.subarray([...TYPES], { minLength: 1 }), { nil: undefined }),
  outcome: fc.option(fc.constantFrom('allowed' as const, 'denied' as const), { nil: undefined }),
  since: fc.option(instant, { nil: undefined }),
  until: fc.option(instant, { nil: undefined }),
  order: fc.constantFrom('asc' as const, 'desc' as const),
});
function filterOf(run: string, spec: typeof filterSpec extends fc.Arbitrary<infer T> ? T : never): AuditFilter {
  // A reversed window is refused (test/audit-query-hostile-spec51.test.ts): ask for the window it swapped.
  const f =
    spec.since !== undefined && spec.until !== undefined && spec.until < spec.since
      ? { ...spec, since: spec.until, until: spec.since }
      : spec;
  const letter = { tokenId: 't', ownerId: 'o', workspaceId: 'w', actorId: 'a', requestId: 'r' }[f.scope];
  return {
    [f.scope]: `${run}-${letter}${f.scopeValue}`,
    order: f.order,
    ...(f.types && { types: f.types }),
    ...(f.outcome && { outcome: f.outcome }),
    ...(f.since !== undefined && { since: f.since }),
    // A fractional `until` as a number (an ISO string has whole ms), a whole one as a string.
    ...(f.until !== undefined && { until: Number.isInteger(f.until) ? new Date(f.until).toISOString() : f.until }),
  };
}

const labelOf = (e: AuditEvent) => e.label!;
const cmp = (a: StoredAuditEvent, b: StoredAuditEvent) => {
  const d = Date.parse(a.time) - Date.parse(b.time);
  return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

describe(`audit store laws on ${backends.map(([n]) => n).join(', ')} (differential)`, () => {
  it('paging any filter at any page size returns each matching event exactly once, in order, while appends run', async () => {
    const stores = await Promise.all(backends.map(([, open]) => open({ requests: 'all', now: () => MIDNIGHT })));
    const plan = fc.record({
      initial: fc.array(eventSpec, { maxLength: 30 }),
      appends: fc.array(fc.array(eventSpec, { maxLength: 3 }), { maxLength: 4 }),
      filter: filterSpec,
      limit: fc.integer({ min: 1, max: 7 }),
    });
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        const run = runId();
        const initial = p.initial.map((s, i) => concrete(run, s, i));
        const filter = filterOf(run, p.filter);
        const want = model(initial, filter).map(labelOf);
        const answers = await Promise.all(
          stores.map(async (s) => {
            await s.append(initial);
            const seen: StoredAuditEvent[] = [];
            let cursor: string | null = null;
            const everything = [...initial];
            for (let step = 0; ; step++) {
              const from = everything.length;
              const add = (p.appends[step] ?? []).map((sp, i) => concrete(run, sp, from + i));
              everything.push(...add);
              const [page]: [AuditPage, void] = await Promise.all([
                s.query({ ...filter, cursor, limit: p.limit }),
                s.append(add),
              ]);
              expect(page.events.length).toBeLessThanOrEqual(p.limit);
              seen.push(...page.events);
              cursor = page.nextCursor;
              if (cursor === null) break;
              expect(step).toBeLessThan(200);
            }
            expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length); // exactly once
            for (let i = 1; i < seen.length; i++)
              expect(cmp(seen[i - 1]!, seen[i]!) * (filter.order === 'asc' ? 1 : -1)).toBeLessThan(0);
            for (const e of seen) expect(model([strip(e)], filter)).toHaveLength(1); // every one matches
            const labels = seen.map(labelOf);
            expect(want.filter((l) => !labels.includes(l))).toEqual([]); // none written before is missed
            // Paged again once the appends are over: exactly the model of everything written.
            const again: string[] = [];
            let c: string | null = null;
            do {
              const page = await s.query({ ...filter, cursor: c, limit: p.limit });
              again.push(...page.events.map(labelOf));
              c = page.nextCursor;
            } while (c !== null);
            expect(again).toEqual(model(everything, filter).map(labelOf));
            return again;
          }),
        );
        for (const a of answers) expect(a).toEqual(answers[0]);
      }),
      { numRuns: RUNS },
    );
    for (const s of stores) await s.close();
  });

  it('usage equals counting the raw events per UTC day and surface, in the window of the last days, in either mode', async () => {
    let now = MIDNIGHT;
    const stores = await Promise.all(
      backends.flatMap(([, open]) => [
        open({ requests: 'all', now: () => now }),
        open({ requests: 'rollup', now: () => now }),
      ]),
    );
    const plan = fc.record({
      events: fc.array(eventSpec, { maxLength: 30 }),
      now: instant,
      days: fc.integer({ min: 1, max: 4 }),
      token: fc.integer({ min: 0, max: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        now = p.now;
        for (const s of stores) {
          // A run id per store: the two modes of one Postgres backend share its database.
          const run = runId();
          const events = p.events.map((s, i) => concrete(run, s, i));
          const tokenId = `${run}-t${p.token}`;
          const today = Math.floor(p.now / 86_400_000);
          const cells = new Map<
            string,
            { day: string; surface: string; allowed: number; denied: number; lastUsedAt: string | null }
          >();
          for (const e of events) {
            if (e.tokenId !== tokenId || !e.type.startsWith('request.')) continue;
            const r = e as RequestAuditEvent;
            const day = Math.floor(Date.parse(e.time) / 86_400_000);
            if (day < today - p.days + 1 || day > today) continue; // the last `days` UTC days, today included
            const key = `${e.time.slice(0, 10)}|${r.surface}`;
            const cell = cells.get(key) ?? {
              day: e.time.slice(0, 10),
              surface: r.surface,
              allowed: 0,
              denied: 0,
              lastUsedAt: null,
            };
            if (e.type === 'request.allowed') {
              cell.allowed++;
              if (cell.lastUsedAt === null || e.time > cell.lastUsedAt) cell.lastUsedAt = e.time;
            } else cell.denied += r.count ?? 1;
            cells.set(key, cell);
          }
          const want = [...cells.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
          await s.append(events);
          expect(await s.usage(tokenId, { days: p.days })).toEqual(want);
        }
      }),
      { numRuns: RUNS },
    );
    for (const s of stores) await s.close();
  });

  it('a fractional since, until or prune bound compares as its exact value, not floored', async () => {
    for (const [name, open] of backends) {
      const s = await open({ requests: 'all', now: () => MIDNIGHT });
      const run = runId();
      const at = (ms: number, n: number) => concrete(run, { ...eventAt, at: ms }, n);
      await s.append([at(MIDNIGHT - 1, 0), at(MIDNIGHT, 1), at(MIDNIGHT + 1, 2)]);
      const labels = async (f: AuditFilter) =>
        (await s.query({ ...f, tokenId: `${run}-t0`, order: 'asc' })).events.map(labelOf);
      expect(await labels({ since: MIDNIGHT - 0.5 }), name).toEqual([`${run}-e1`, `${run}-e2`]);
      expect(await labels({ until: MIDNIGHT + 0.5 }), name).toEqual([`${run}-e0`, `${run}-e1`]);
      expect(
        (await s.usage(`${run}-t0`, { days: 2 })).map((d) => d.day),
        name,
      ).toEqual(['2030-01-31', '2030-02-01']);
      await s.prune(MIDNIGHT - 0.5); // deletes what is older than it: e0 only
      expect(await labels({}), name).toEqual([`${run}-e1`, `${run}-e2`]);
      // As the next whole ms (docs/audit.md, Retention): the day it falls in lost its every event, and its roll-up.
      expect(
        (await s.usage(`${run}-t0`, { days: 2 })).map((d) => d.day),
        name,
      ).toEqual(['2030-02-01']);
      await s.close();
    }
  });

  it('export: NDJSON is the query; CSV reads back to the same values, hostile strings included', async () => {
    const stores = await Promise.all(backends.map(([, open]) => open({ requests: 'all', now: () => MIDNIGHT })));
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom(
        "=cmd|' /C calc'!A0",
        '+1',
        '-1',
        '@SUM(A1)',
        '\t=1',
        '\r\n=1',
        'a,"b"\r\nc',
        '\uD800',
        'x\u2028y',
      ),
    );
    const plan = fc.array(fc.tuple(eventSpec, hostile, hostile, hostile), { minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        const run = runId();
        const events = p.map(([s, label, path, tool], i) => {
          const e = concrete(run, { ...s, ws: 0 }, i);
          return (
            e.type.startsWith('request.') ? { ...e, label, path, tool } : { ...e, label, reason: path }
          ) as AuditEvent;
        });
        const filter: AuditFilter = { workspaceId: `${run}-w0`, order: 'asc' };
        const results = await Promise.all(
          stores.map(async (s: AuditStore) => {
            await s.append(events);
            const want = (await s.query({ ...filter, limit: 500 })).events;
            const ndjson = await new Response(s.export(filter, 'ndjson')).text();
            expect(
              ndjson
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l) as unknown),
            ).toEqual(want);
            const rows = parseCsv(await new Response(s.export(filter, 'csv')).text());
            expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
            expect(rows).toHaveLength(want.length + 1);
            const col = (name: string) => AUDIT_CSV_COLUMNS.indexOf(name as never);
            want.forEach((e, i) => {
              const row = rows[i + 1]!;
              expect(row).toHaveLength(AUDIT_CSV_COLUMNS.length);
              expect(row[col('id')]).toBe(e.id);
              expect(row[col('label')]).toBe(defused(e.label ?? ''));
              const r = e as Partial<RequestAuditEvent> & { reason?: string };
              expect(row[col('path')]).toBe(defused(r.path ?? ''));
              expect(row[col('tool')]).toBe(defused(r.tool ?? ''));
              expect(row[col('reason')]).toBe(defused(r.reason ?? ''));
            });
            // Stored well-formed: a lone surrogate became U+FFFD, and nothing else changed.
            expect(want.map((e) => e.label)).toEqual(model(events, filter).map((e) => wellFormed(e.label!)));
            return want.map(strip);
          }),
        );
        for (const r of results) expect(r).toEqual(results[0]);
      }),
      { numRuns: RUNS },
    );
    for (const s of stores) await s.close();
  });
});
