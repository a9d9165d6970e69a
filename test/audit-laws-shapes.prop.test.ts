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
import { LAW_NOW, lawDenial, lawFile, lawIssued, lostOf } from './audit-laws-backends.ts';

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

  it('any value as an id, or as an actor (a toJSON answering any value too), is held alike on every backend and never wedges the writer', async () => {
    const plain = fc.anything({ maxDepth: 1, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true });
    const value = fc.oneof(
      plain,
      plain.map((v) => ({ kind: 'user', id: 'alice', toJSON: () => v })),
    );
    await fc.assert(
      fc.asyncProperty(value, value, value, async (a, b, actor) => {
        const got = await through((run) => [
          denial(run, 0, { tokenId: a, ownerId: b, requestId: actor }),
          { ...denial(run, 1), type: 'token.revoked', actor, tokenId: b } as unknown as AuditEvent,
          denial(run, 2),
        ]);
        keptAlike(
          got,
          got[0]!.events.map((e) => e.label!),
        );
        expect(got[0]!.events.map((e) => e.label)).toContain('e2');
        for (const g of got)
          for (const e of g.events) {
            const ids = [e.tokenId, e.ownerId, 'actor' in e ? e.actor.id : null];
            for (const id of ids) expect(id == null || typeof id === 'string', g.name).toBe(true); // null or absent, else text
            if ('actor' in e) expect(e.actor, g.name).toEqual(expect.any(Object));
          }
        // Each stored id finds its event on every backend alike.
        const found = await Promise.all(
          got.map(async (g) =>
            Promise.all(
              g.events.flatMap((e) =>
                (['tokenId', 'ownerId', 'requestId'] as const)
                  .map((k) => [k, (e as unknown as Record<string, unknown>)[k]] as const)
                  .filter(([, v]) => typeof v === 'string' && v.length > 0 && v.length <= 512)
                  .map(async ([k, v]) => (await g.s.query({ [k]: v, workspaceId: `${g.run}-ws` })).events.length),
              ),
            ),
          ),
        );
        for (const f of found) expect(f).toEqual(found[0]);
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
        lawIssued(run, 'e1', n),
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

  it("an actor's own toJSON is read before its id: one answering null is refused, a long or numeric id is held like any id, alike everywhere", async () => {
    const long = Array.from({ length: 4000 }, (_, i) => ((i * 7919) % 65_536).toString(36)).join(''); // incompressible
    const actorOf = (json: unknown) => ({ kind: 'user', id: 'alice', toJSON: () => json });
    const revoked = (run: string, actor: unknown) =>
      ({ ...denial(run, 0), type: 'token.revoked', actor }) as unknown as AuditEvent;
    for (const [json, kept] of [
      [null, null], // Postgres read `null.id`: its batch failed for ever; memory's query({ actorId }) threw a TypeError
      [{ kind: 'user', id: long }, `${long.slice(0, 512)}…`], // past what a B-tree index entry holds: the batch failed for ever
      [{ kind: 'user', id: 42 }, '42'], // found by actorId '42' in Postgres only
    ] as const) {
      const got = await through((run) => [revoked(run, actorOf(json)), denial(run, 1)]);
      for (const g of got) {
        expect(g.lost, `${g.name}: ${g.errors.join('; ')}`).toBe(0);
        expect(
          g.events.map((e) => e.label),
          g.name,
        ).toEqual(kept === null ? ['e1'] : ['e0', 'e1']);
        if (kept !== null) expect((g.events[0] as { actor?: { id: unknown } }).actor?.id, g.name).toBe(kept);
        if (kept === '42')
          // a query cannot name a cut id (longer than 512)
          expect(
            (await g.s.query({ actorId: kept, workspaceId: `${g.run}-ws` })).events.map((e) => e.label),
            g.name,
          ).toEqual(['e0']);
        await expect(g.s.query({ actorId: 'alice' }), g.name).resolves.toBeDefined();
      }
      if (kept === null)
        for (const [name, open] of backends) {
          const s = await open({ requests: 'all', now: () => NOW });
          await expect(s.append([revoked('x', actorOf(json))]), name).rejects.toMatchObject({
            code: 'invalid_argument',
            fields: ['actor'],
          });
          await s.close();
        }
    }
  });

  it('a request event with no token id (absent, undefined, a function) counts in no usage and never wedges the writer', async () => {
    const { tokenId: _, ...untokened } = denial('x', 0);
    for (const extra of [{ tokenId: undefined }, { tokenId: () => 'tok' }, { tokenId: Symbol('tok') }, null]) {
      // Postgres's roll-up row had no token_id (NOT NULL): its batch failed for ever, losing every later event.
      const got = await through((run) => [
        extra === null ? ({ ...untokened, workspaceId: `${run}-ws` } as AuditEvent) : denial(run, 0, extra),
        denial(run, 1),
      ]);
      keptAlike(got, ['e0', 'e1']);
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
