/** The `AuditStore` laws of the request modes: roll-up and usage by default, every request with `'all'`. */
import type { RequestAuditEvent } from '../core/audit.ts';
import { all, iso, DAY, type AuditSuiteContext } from './audit-store-suite-helpers.ts';

/**
 * Registers the request-mode laws (runnable alone with `auditSuiteContext`): allowed requests rolled
 * up into per-day usage, denials kept with their count, and `requests: 'all'` keeping each request.
 */
export function rollupSection(ctx: AuditSuiteContext): void {
  const { t, withStore } = ctx;
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
}
