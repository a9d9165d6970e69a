/** The `AuditStore` laws of `query`: round trips, filters against the model, refused queries. */
import type { AuditFilter, AuditQuery } from '../core/audit-store.ts';
import { seededRandom } from './limiter-model.ts';
import { all, codeOf, model, strip, type AuditSuiteContext } from './audit-store-suite-helpers.ts';

/**
 * Registers the round-trip and filter laws (runnable alone with `auditSuiteContext`): events come
 * back as written, in either order, and every filter selects what the model selects.
 */
export function querySection(ctx: AuditSuiteContext): void {
  const { t, withStore, seed } = ctx;
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
}

/**
 * Registers the refusal of a malformed query, usage window or export format with `invalid_argument`
 * (runnable alone with `auditSuiteContext`).
 */
export function invalidQuerySection(ctx: AuditSuiteContext): void {
  const { t, withStore } = ctx;
  t.it(
    'refuses a bad query with invalid_argument',
    withStore('all', async (s) => {
      for (const q of [
        { limit: 0 },
        { limit: 501 },
        { limit: 1.5 },
        { cursor: 'nope' },
        { since: 'not a date' },
        { since: '2030-01-02T00:00:00Z', until: '2030-01-01T00:00:00Z' },
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
}
