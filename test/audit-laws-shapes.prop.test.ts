/**
 * The shapes of values an integrator's own events carry (`write`, `append`), as fast-check
 * properties on every audit store backend (memory, PGlite, a Postgres server with DATABASE_URL):
 * what a store keeps and answers is the event's JSON form, the same on every backend, and no value
 * wedges a database writer.
 *
 * - any value at all (NaN, ±Infinity, -0, undefined, a Date, a Map, a class instance, a sparse or
 *   typed array, a boxed value, a null-prototype object) is answered alike by every backend, as
 *   JSON has it;
 * - a `toJSON` that throws or answers what JSON cannot hold never wedges the writer;
 * - an event is kept as it was written: changing its object afterwards changes nothing stored;
 * - an id that is not a string (a numeric owner id) is found by its string on every backend, in
 *   `query` and in `usage`; an `actor` that is not an object is refused like an unknown type;
 * - `usage` reads its token id as `query` reads a filter (a NUL or lone surrogate as U+FFFD);
 * - `append` stores all of its events or none.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import { AUDIT_CSV_COLUMNS } from '../src/core/audit-export.ts';
import { parseCsv } from '../src/testing/audit-store-suite-csv.ts';
import { strip } from '../src/testing/audit-store-suite-helpers.ts';
import { LAW_NOW, lawDenial, lawFile, lostOf } from './audit-laws-backends.ts';

const { backends, RUNS, runId } = lawFile('as');
const NOW = LAW_NOW;
const denial = lawDenial;

/**
 * Writes the events `make` answers through `write` (concurrency 1: a batch that fails holds up
 * every later one) on every backend and closes each (a bounded wait): what each then holds and lost.
 */
async function through(make: (run: string) => AuditEvent[], after?: (events: AuditEvent[]) => void) {
  return Promise.all(
    backends.map(async ([name, open]) => {
      const errors: Error[] = [];
      const s = await open({
        requests: 'all',
        now: () => NOW,
        onError: (e) => errors.push(e),
        closeTimeoutMs: 3_000,
        concurrency: 1,
      });
      const run = runId();
      const events = make(run);
      for (const e of events) s.write(e);
      after?.(events);
      await s.close();
      const lost = lostOf(errors);
      const page = await s.query({ workspaceId: `${run}-ws`, order: 'asc', limit: 500 });
      return { name, s, run, lost, events: page.events, errors: errors.map((e) => e.message.slice(0, 200)) };
    }),
  );
}
type Kept = Awaited<ReturnType<typeof through>>[number];
const unscoped = (x: unknown, run: string): unknown => JSON.parse(JSON.stringify(x).split(run).join('RUN'));
/** Nothing lost, `labels` kept on every backend, every event its own JSON form, and all backends alike. */
function keptAlike(got: Kept[], labels: string[]): void {
  for (const g of got) {
    expect(g.lost, `${g.name}: ${g.errors.join('; ')}`).toBe(0);
    expect(
      g.events.map((e) => e.label),
      g.name,
    ).toEqual(labels);
    for (const e of g.events) expect(e, g.name).toStrictEqual(JSON.parse(JSON.stringify(e)));
  }
  const [first] = got;
  for (const g of got)
    expect(unscoped(g.events.map(strip), g.run), g.name).toStrictEqual(unscoped(first!.events.map(strip), first!.run));
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  get norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

describe(`audit event shapes on ${backends.map(([n]) => n).join(', ')}`, () => {
  it('any value at all is kept as its JSON form, alike on every backend, and never wedges the writer', async () => {
    const value = fc.oneof(
      fc.anything({
        maxDepth: 3,
        withBigInt: true,
        withBoxedValues: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withObjectString: true,
        withSparseArray: true,
        withTypedArray: true,
      }),
      fc.constantFrom<unknown>(
        Number.NaN,
        Infinity,
        -Infinity,
        -0,
        undefined,
        new Date(Number.NaN),
        new Date(0),
        new Map([['k', 1]]),
        new Point(3, 4),
        [1, , 3],
        [undefined, () => 1, Symbol('s')],
        { u: undefined, f: () => 1, n: Number.NaN, z: -0 },
        Object.assign(Object.create(null) as object, { k: 1 }),
        JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
      ),
    );
    await fc.assert(
      fc.asyncProperty(value, value, async (detail, label2) => {
        const got = await through((run) => [denial(run, 0, { detail, extra: label2 }), denial(run, 1)]);
        keptAlike(got, ['e0', 'e1']);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('a toJSON that throws or answers a bigint or a cycle, or a sparse array of length 2^32 − 1, never wedges the writer', async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    for (const detail of [
      {
        toJSON() {
          throw new Error('no');
        },
      },
      { toJSON: () => 10n },
      { inner: { toJSON: () => cyclic } },
      // 4 billion holes: Array.prototype.map over it held the event loop for minutes, and its JSON
      // (4 billion nulls) is no string at all.
      { holes: new Array(2 ** 32 - 1) },
    ]) {
      const got = await through((run) => [denial(run, 0, { detail }), denial(run, 1), denial(run, 2)]);
      keptAlike(got, ['e0', 'e1', 'e2']);
      for (const [name, open] of backends) {
        const s = await open({ requests: 'all', now: () => NOW });
        const run = runId();
        await expect(s.append([denial(run, 0, { detail })]), name).resolves.toBeUndefined();
        expect((await s.query({ workspaceId: `${run}-ws` })).events, name).toHaveLength(1);
        await s.close();
      }
    }
  });

  it('an event is kept as it was written: changing its object afterwards changes nothing stored', async () => {
    const got = await through(
      (run) => [
        { ...denial(run, 0), detail: { step: 1, list: ['a'] } } as unknown as AuditEvent,
        {
          type: 'token.revoked',
          time: new Date(NOW + 1).toISOString(),
          tokenId: `${run}-tok`,
          label: 'e1',
          ownerId: `${run}-usr`,
          workspaceId: `${run}-ws`,
          actor: { kind: 'user', id: 'alice' },
        },
      ],
      (events) => {
        const [d, t] = events as unknown as [{ detail: { step: number; list: string[] } }, { actor: { id: string } }];
        d.detail.step = 2;
        d.detail.list.push('b');
        t.actor.id = 'mallory';
      },
    );
    keptAlike(got, ['e0', 'e1']);
    for (const g of got) {
      expect((g.events[0] as unknown as { detail: unknown }).detail, g.name).toEqual({ step: 1, list: ['a'] });
      expect((g.events[1] as unknown as { actor: unknown }).actor, g.name).toEqual({ kind: 'user', id: 'alice' });
      expect((await g.s.query({ actorId: 'alice', workspaceId: `${g.run}-ws` })).events, g.name).toHaveLength(1);
      expect((await g.s.query({ actorId: 'mallory', workspaceId: `${g.run}-ws` })).events, g.name).toHaveLength(0);
    }
  });

  it('an id that is not a string is found by its string form on every backend, in query and usage', async () => {
    for (const [name, open] of backends) {
      const s = await open({ requests: 'all', now: () => NOW });
      const run = runId();
      const n = 100_000 + Math.floor(Math.random() * 800_000);
      await s.append([
        denial(run, 0, { ownerId: n, tokenId: n + 1, requestId: BigInt(n) }),
        {
          type: 'token.issued',
          time: new Date(NOW).toISOString(),
          tokenId: `${run}-tok`,
          label: 'e1',
          ownerId: `${run}-usr`,
          workspaceId: `${run}-ws`,
          actor: { kind: 'user', id: n as unknown as string },
        },
        denial(run, 2, { ownerId: { id: n }, tokenId: Number.NaN }),
      ]);
      const owned = await s.query({ ownerId: String(n), workspaceId: `${run}-ws` });
      expect(
        owned.events.map((e) => [e.label, e.ownerId, e.tokenId, 'requestId' in e && e.requestId]),
        name,
      ).toEqual([['e0', String(n), String(n + 1), String(n)]]);
      expect((await s.query({ tokenId: String(n + 1) })).events, name).toHaveLength(1);
      expect((await s.query({ requestId: String(n) })).events, name).toHaveLength(1);
      expect(
        (await s.query({ actorId: String(n) })).events.map((e) => e.label),
        name,
      ).toEqual(['e1']);
      expect(await s.usage(String(n + 1), { days: 1 }), name).toMatchObject([{ denied: 1 }]);
      // An id with no string form (an object, NaN) is kept as null, alike everywhere.
      const [odd] = (await s.query({ workspaceId: `${run}-ws`, types: ['request.denied'], order: 'asc' })).events.slice(
        1,
      );
      expect([odd?.label, odd?.ownerId, odd?.tokenId], name).toEqual(['e2', null, null]);
      await s.close();
    }
  });

  it('an actor that is not an object is refused like an unknown type, and never breaks a query or the writer', async () => {
    for (const actor of [null, 'alice', 7]) {
      const got = await through((run) => [
        { ...denial(run, 0), type: 'token.revoked', actor } as unknown as AuditEvent,
        denial(run, 1),
      ]);
      for (const g of got) {
        expect(g.lost, `${g.name}: ${g.errors.join('; ')}`).toBe(0);
        expect(
          g.events.map((e) => e.label),
          g.name,
        ).toEqual(['e1']);
        await expect(g.s.query({ actorId: 'alice' }), g.name).resolves.toBeDefined();
      }
      for (const [name, open] of backends) {
        const s = await open({ requests: 'all', now: () => NOW });
        await expect(
          s.append([{ ...denial('x', 0), type: 'token.revoked', actor } as unknown as AuditEvent]),
          name,
        ).rejects.toMatchObject({ code: 'invalid_argument', fields: ['actor'] });
        await s.close();
      }
    }
  });

  it('usage reads a NUL or a lone surrogate in its token id as U+FFFD, as query does, on every backend', async () => {
    for (const [name, open] of backends) {
      const s = await open({ requests: 'all', now: () => NOW });
      const run = runId();
      await s.append([denial(run, 0, { tokenId: `${run}\u0000a` }), denial(run, 1, { tokenId: `${run}\ud800b` })]);
      for (const id of [`${run}\u0000a`, `${run}\ufffda`, `${run}\ud800b`, `${run}\ufffdb`]) {
        const u = await s.usage(id, { days: 1 }).catch((e: Error) => `${e.name}: ${e.message}`);
        expect(u, `${name} ${JSON.stringify(id)}`).toMatchObject([{ denied: 1 }]);
      }
      await s.close();
    }
  });

  it('append stores all of its events or none', async () => {
    for (const [name, open] of backends) {
      const s = await open({ requests: 'all', now: () => NOW });
      const run = runId();
      await expect(
        s.append([denial(run, 0), { ...denial(run, 1), type: 'nope' } as unknown as AuditEvent]),
        name,
      ).rejects.toMatchObject({ code: 'invalid_argument' });
      expect((await s.query({ workspaceId: `${run}-ws` })).events, name).toEqual([]);
      await s.close();
    }
  });

  it('a CSV cell holds an object value as its JSON, as the NDJSON does, not "[object Object]"', async () => {
    for (const [name, open] of backends) {
      const s = await open({ requests: 'all', now: () => NOW });
      const run = runId();
      const label = { team: 'ops', n: 1 };
      const missing = ['read', { scope: 'write' }];
      await s.append([denial(run, 0, { label, missing })]);
      const csv = parseCsv(await new Response(s.export({ workspaceId: `${run}-ws` }, 'csv')).text());
      const row = Object.fromEntries(AUDIT_CSV_COLUMNS.map((c, i) => [c, csv[1]![i]]));
      expect(JSON.parse(row['label']!), name).toEqual(label); // jsonb orders the members its own way
      expect(row['missing'], name).toBe('read {"scope":"write"}');
      await s.close();
    }
  });
});
