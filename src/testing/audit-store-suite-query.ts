/** The `AuditStore` laws of `query`: round trips, filters against the model, refused queries. */
import type { AuditFilter, AuditQuery } from '../core/audit-store.ts';
import { stringify } from '../core/builtins.ts';
import { seededRandom } from './limiter-model.ts';
import { all, codeOf, model, refusalOf, strip, type AuditSuiteContext } from './audit-store-suite-helpers.ts';

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

  t.it(
    'names every bad field: a misspelt key, an unknown usage option, a filter that is not an object',
    withStore('all', async (s) => {
      const refused = (fields: string[]) => ({ code: 'invalid_argument', fields });
      const cases: [string, () => unknown, string[]][] = [
        ['query misspelt key', () => s.query({ tokenID: 'tok' } as AuditQuery), ['tokenID']],
        ['query two bad keys', () => s.query({ tokenID: 'tok', limit: 0 } as AuditQuery), ['tokenID', 'limit']],
        ['query(null)', () => s.query(null as unknown as AuditQuery), ['query']],
        ['query([])', () => s.query([] as unknown as AuditQuery), ['query']],
        ['query(string)', () => s.query('tok' as unknown as AuditQuery), ['query']],
        ['usage unknown option', () => s.usage('tok', { day: 3 } as unknown as { days: number }), ['day']],
        ['usage(id, null)', () => s.usage('tok', null as unknown as { days: number }), ['options']],
        ['usage(id, [])', () => s.usage('tok', [] as unknown as { days: number }), ['options']],
        ['usage days: null', () => s.usage('tok', { days: null } as unknown as { days: number }), ['days']],
        ['usage bad id and days', () => s.usage('', { days: 0 }), ['tokenId', 'days']],
        ['export(null)', () => s.export(null as unknown as AuditFilter, 'ndjson'), ['filter']],
        ['export([])', () => s.export([] as unknown as AuditFilter, 'ndjson'), ['filter']],
        ['export misspelt key', () => s.export({ tokenID: 'tok' } as AuditFilter, 'ndjson'), ['tokenID']],
        // A bad filter and a bad format at once: both named (the format was left out before leak52).
        [
          'export misspelt key, bad format',
          () => s.export({ tokenID: 'tok' } as AuditFilter, 'xml' as 'csv'),
          ['tokenID', 'format'],
        ],
        [
          'export(null), bad format',
          () => s.export(null as unknown as AuditFilter, 'xml' as 'csv'),
          ['filter', 'format'],
        ],
        ['export paging, bad format', () => s.export({ limit: 5 } as AuditFilter, 'xml' as 'csv'), ['limit', 'format']],
      ];
      // Every case is tried, then the wrong answers are compared at once: a failure lists them all.
      const wrong: unknown[] = [];
      for (const [what, f, fields] of cases) {
        const got = await refusalOf(f);
        if (Array.isArray(got.fields)) got.fields = [...(got.fields as string[])].sort(); // any order
        if (stringify(got) !== stringify(refused(fields.sort()))) wrong.push({ what, got, want: refused(fields) });
      }
      t.expect(wrong).toEqual([]);
    }),
  );
}
