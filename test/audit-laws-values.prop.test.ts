/**
 * The values an audit store is given directly (`write`, `append`: an integrator's own events, an
 * import), as fast-check properties on every backend (memory, PGlite, a Postgres server with
 * DATABASE_URL): src/core/audit-values.ts promises that every store keeps them identically and
 * that no value can wedge a database writer.
 *
 * - a denial's `count`, whatever number it holds, never wedges the writer, and every backend
 *   counts it the same in `usage`;
 * - an id field (token, owner, workspace, actor, request: each has an index) of any length never
 *   wedges the writer, and every backend keeps it the same;
 * - an event's time string means the same instant whatever the process's time zone.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import { strip } from '../src/testing/audit-store-suite-helpers.ts';
import { LAW_NOW, lawDenial, lawFile, lawIssued, lostOf } from './audit-laws-backends.ts';

const { backends, RUNS, runId } = lawFile('av');
const NOW = LAW_NOW;
const denial = lawDenial;

/**
 * Writes `hostile` then a plain event through `write` on every backend and closes each (its
 * close waits a bounded time for held events): answers what each backend then holds and lost.
 */
async function through(hostile: (run: string) => AuditEvent) {
  return Promise.all(
    backends.map(async ([name, open]) => {
      const errors: Error[] = [];
      // A wedged writer never finishes: 30 s tells it from a slow one. Writing a 150,000-member
      // value took over 3 s on a loaded 2-core CI machine, and close() then reported it lost.
      const s = await open({ requests: 'all', now: () => NOW, onError: (e) => errors.push(e), closeTimeoutMs: 30_000 });
      const run = runId();
      s.write(hostile(run));
      s.write(denial(run, 1));
      await s.close();
      const lost = lostOf(errors);
      const { events } = await s.query({ workspaceId: `${run}-ws`, order: 'asc', limit: 500 });
      const usage = await s.usage(`${run}-tok`, { days: 1 });
      return { name, lost, events: events.map(strip), usage, run, errors: errors.map((e) => e.message.slice(0, 200)) };
    }),
  );
}
const unscoped = (x: unknown, run: string) => JSON.parse(JSON.stringify(x).split(run).join('RUN')) as unknown;
type Kept = Awaited<ReturnType<typeof through>>[number];
/** Nothing lost, both events kept on every backend, and `pick` of each the same (the run id aside). */
function keptAlike(got: Kept[], pick: (g: Kept) => unknown): void {
  for (const g of got) {
    expect(g.lost, `${g.name}: ${g.errors.join('; ')}`).toBe(0);
    expect(
      g.events.map((e) => e.label),
      g.name,
    ).toEqual(['e0', 'e1']);
  }
  for (const g of got) expect(unscoped(pick(g), g.run), g.name).toEqual(unscoped(pick(got[0]!), got[0]!.run));
}

describe(`audit store values on ${backends.map(([n]) => n).join(', ')}`, () => {
  it("a denial's count, any number at all, never wedges the writer, and every backend counts it alike", async () => {
    const count = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom(2 ** 31, 2 ** 53, 2 ** 63, 1e19, 1e300, Number.MAX_VALUE, Infinity, -Infinity, NaN, 0.5, -1),
    );
    await fc.assert(
      fc.asyncProperty(count, async (n) => {
        keptAlike(await through((run) => denial(run, 0, { count: n })), (g) => [g.events, g.usage]);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('an id field of any length never wedges the writer, and every backend keeps it alike', async () => {
    const field = fc.constantFrom('tokenId', 'ownerId', 'requestId', 'actor');
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'binary', minLength: 2_000, maxLength: 6_000 }),
    );
    await fc.assert(
      fc.asyncProperty(field, value, async (f, v) => {
        keptAlike(
          await through((run) => (f === 'actor' ? lawIssued(run, 'e0', v) : denial(run, 0, { [f]: v }))),
          (g) => g.events,
        );
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('a value nested at any depth, a bigint or a cycle never wedges the writer, and every backend keeps it alike', async () => {
    const nest = (depth: number, leaf: unknown): unknown => {
      let v = leaf;
      for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
      return v;
    };
    const cyclic = () => {
      const o: Record<string, unknown> = { a: 1 };
      o['self'] = o;
      return o;
    };
    const leaf = fc.oneof(
      fc.constantFrom('a\u0000b', '\ud800', 'plain', 1, null, true),
      fc.bigInt().map((b) => b as unknown),
    );
    const value = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 200 }), leaf).map(([d, l]) => nest(d, l)),
      fc.constant(null).map(cyclic),
    );
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        keptAlike(await through((run) => denial(run, 0, { detail: v })), (g) => g.events);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it('a cycle is cut to … where it recurs, and nesting at exactly 32 levels below the event is kept', async () => {
    // A value met again inside itself is cut there, not unrolled 32 times: unrolled, an object
    // holding itself twice (as a request or socket object does) is 2^33 copies and never returns.
    const nest = (depth: number, leaf: unknown): unknown => {
      let v = leaf;
      for (let i = 0; i < depth; i++) v = { k: v };
      return v;
    };
    const once: Record<string, unknown> = { a: 1 };
    once['self'] = once;
    const twice: Record<string, unknown> = { a: 1 };
    twice['x'] = twice;
    twice['y'] = [twice];
    const shared = { s: 'kept' };
    for (const [detail, kept] of [
      [once, { a: 1, self: '…' }],
      [twice, { a: 1, x: '…', y: ['…'] }],
      // `detail` is level 1: objects down to level 32 are kept, level 33 is cut.
      [nest(31, {}), nest(31, {})],
      [nest(32, {}), nest(32, '…')],
      // The same object twice side by side is no cycle: both copies are kept.
      [
        { l: shared, r: [shared] },
        { l: { s: 'kept' }, r: [{ s: 'kept' }] },
      ],
    ] as const) {
      const got = await through((run) => denial(run, 0, { detail }));
      keptAlike(got, (g) => g.events);
      for (const g of got) expect((g.events[0] as unknown as { detail: unknown }).detail, g.name).toEqual(kept);
    }
  });

  it('an object shared many times (no cycle) is walked at most 10,000 times, then cut: no exponential copy', async () => {
    // 20 levels, each holding the next level twice: 2^20 paths (a million copies, 30 MB of JSON;
    // at 32 levels, 4 billion: the walk, and JSON.stringify in the Postgres writer, never return).
    let dag: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 20; i++) dag = { l: dag, r: dag };
    const got = await through((run) => denial(run, 0, { detail: dag }));
    keptAlike(got, (g) => g.events);
    for (const g of got) {
      const text = JSON.stringify(g.events[0]);
      expect(text.length, g.name).toBeLessThan(400_000);
      expect(text, g.name).toContain('"…"');
    }
    // A wide but small event is kept whole.
    const wide = Array.from({ length: 2_000 }, (_, i) => ({ i }));
    const whole = await through((run) => denial(run, 0, { detail: wide }));
    keptAlike(whole, (g) => g.events);
    for (const g of whole) expect((g.events[0] as unknown as { detail: unknown }).detail, g.name).toEqual(wide);
  });

  it('past 100,000 members in all, an object or array keeps its first ones and ends in a …, alike on every backend', async () => {
    const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    // The denial's 11 members before `detail`, and `detail` itself, take 12 of the 100,000.
    const room = 100_000 - 12;
    for (const [detail, cut] of [
      [wide(150_000), true], // an object's members are counted as they are copied
      [Array.from({ length: 150_000 }, (_, i) => i), true], // an array's length before it is copied
      [new Array<number>(2 ** 32 - 1), true], // a sparse array: 4 billion nulls, never walked
      [wide(90_000), false],
    ] as const) {
      const got = await through((run) => denial(run, 0, { detail }));
      keptAlike(got, (g) => g.events);
      for (const g of got) {
        const kept = (g.events[0] as unknown as { detail: unknown }).detail;
        if (!cut) expect(Object.keys(kept as object), g.name).toHaveLength(90_000);
        else if (Array.isArray(detail)) {
          const list = kept as unknown[];
          expect(list, g.name).toHaveLength(room + 1);
          expect([list[0], list[room - 1], list[room]], g.name).toEqual(
            detail.length === 150_000 ? [0, room - 1, '…'] : [null, null, '…'],
          );
        } else {
          const members = kept as Record<string, unknown>;
          expect(Object.keys(members), g.name).toHaveLength(room + 1);
          expect([members['k0'], members[`k${room - 1}`], members[`k${room}`], members['…']], g.name).toEqual([
            0,
            room - 1,
            undefined,
            '…',
          ]);
        }
      }
    }
  });

  it("an event's type, surface and ids are kept after a value that used up the 100,000 members", async () => {
    const wide = Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [`k${i}`, i]));
    // `detail` second: every member after it is past the bound (the whole event was once cut to `…`,
    // kept by memory as `{ "0": "…" }`, with no type, token or workspace).
    const got = await through(
      (run) => ({ label: 'e0', detail: wide, ...(denial(run, 0) as object), note: 'after' }) as unknown as AuditEvent,
    );
    keptAlike(got, (g) => g.events);
    for (const g of got) {
      const e = g.events[0] as unknown as Record<string, unknown>;
      expect([e['type'], e['surface'], e['tokenId'], e['workspaceId'], e['note'], e['…']], g.name).toEqual([
        'request.denied',
        'http',
        `${g.run}-tok`,
        `${g.run}-ws`,
        undefined,
        '…',
      ]);
      expect(g.usage, g.name).toMatchObject([{ denied: 2 }]);
    }
  });

  it('usage never merges two token ids cut to the same 512 characters: it refuses an id longer than query does', async () => {
    for (const [name, open] of backends) {
      const s = await open({ requests: 'all', now: () => NOW });
      const prefix = `${runId()}-`.padEnd(512, 'p');
      await s.append([denial('a', 0, { tokenId: `${prefix}A` }), denial('b', 1, { tokenId: `${prefix}B` })]);
      for (const asked of [`${prefix}…`, `${prefix}A`])
        await expect(s.usage(asked, { days: 1 }), name).rejects.toMatchObject({
          code: 'invalid_argument',
          message: expect.stringContaining('tokenId'),
        });
      await expect(s.query({ tokenId: `${prefix}…` }), name).rejects.toMatchObject({ code: 'invalid_argument' });
      await s.close();
    }
  });

  it("an event's time string means one instant whatever the process's time zone", async () => {
    const zones = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham', 'Europe/Berlin'];
    const stamp = fc.record({
      at: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
      form: fc.constantFrom('iso', 'local', 'space', 'offset', 'date', 'text'),
    });
    const text = (at: number, form: string) => {
      const iso = new Date(at).toISOString();
      if (form === 'iso') return iso;
      if (form === 'local') return iso.slice(0, 19); // no zone: a local date-time
      if (form === 'space') return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
      if (form === 'offset') return `${iso.slice(0, 19)}+05:30`;
      if (form === 'date') return iso.slice(0, 10);
      return new Date(at).toUTCString().replace(' GMT', ''); // free text, no zone
    };
    const saved = process.env['TZ'];
    try {
      await fc.assert(
        fc.asyncProperty(stamp, async ({ at, form }) => {
          const stored = new Set<string>();
          for (const zone of zones) {
            process.env['TZ'] = zone;
            for (const [, open] of backends) {
              const s = await open({ requests: 'all', now: () => NOW });
              const run = runId();
              await s.append([denial(run, 0, { time: text(at, form) })]);
              stored.add((await s.query({ workspaceId: `${run}-ws` })).events[0]!.time);
              await s.close();
            }
          }
          expect([...stored], text(at, form)).toHaveLength(1);
        }),
        { numRuns: RUNS },
      );
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
  });
});
