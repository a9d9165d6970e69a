/** The `AuditStore` laws of writes and retention: `write`/`flush`, all-or-none `append`, and `prune`. */
import type { AuditEvent } from '../core/audit.ts';
import { all, codeOf, iso, strip, type AuditSuiteContext } from './audit-store-suite-helpers.ts';

/**
 * Registers the write laws (runnable alone with `auditSuiteContext`): `write` never throws and
 * `flush` makes what was written visible; `append` stores its whole batch or nothing.
 */
export function writeSection(ctx: AuditSuiteContext): void {
  const { t, withStore } = ctx;
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
    'append stores all of its events or none: a batch holding one bad event is refused whole',
    withStore('all', async (s, h) => {
      const good = [h.issued(1, 'user', 'usr_a'), h.request('request.denied', 2, { reason: 'invalid_token' })];
      const bad = { ...h.request('request.denied', 3), type: 'request.exploded' } as unknown as AuditEvent;
      t.expect(await codeOf(() => s.append([...good, bad, h.issued(4, 'user', 'usr_b')]))).toBe('invalid_argument');
      t.expect(await all(s, { workspaceId: h.ws })).toEqual([]);
      await s.append(good);
      t.expect((await all(s, { workspaceId: h.ws, order: 'asc' })).map(strip)).toEqual(good);
    }),
  );
}

/**
 * Registers the retention law (runnable alone with `auditSuiteContext`): `prune` drops every event
 * before its date, and the usage of the days that ended by then.
 */
export function pruneSection(ctx: AuditSuiteContext): void {
  const { t, withStore } = ctx;
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
}
