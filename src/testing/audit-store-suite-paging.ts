/** The `AuditStore` paging law: no page skips or repeats an event, or holds more than `limit`, while others are being appended. */
import type { AuditEvent, RequestAuditEvent } from '../core/audit.ts';
import type { AuditFilter, AuditPage, AuditQuery, StoredAuditEvent } from '../core/audit-store.ts';
import { seededRandom } from './limiter-model.ts';
import { iso, key, model, strip, type AuditSuiteContext, type Plan } from './audit-store-suite-helpers.ts';

/**
 * Registers the paging race (runnable alone with `auditSuiteContext`): a shrinking property with
 * `fc`, else `runs` seeded plans, each paging through a workspace while events are appended.
 */
export function pagingSection(ctx: AuditSuiteContext): void {
  const { t, withStore, seed, runs } = ctx;
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
          t.expect({ limit: plan.limit, over: page.events.length > plan.limit }).toEqual({
            limit: plan.limit,
            over: false,
          });
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
      if (ctx.fc) {
        const fc = ctx.fc;
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
}
