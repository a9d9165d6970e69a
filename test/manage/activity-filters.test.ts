/**
 * SPEC §11 `GET /tokens/:id/activity` with `cursor`, `limit`, `since`, `until`, `outcome`, read
 * from a real audit store (memory, Postgres on PGlite, and the Postgres server when DATABASE_URL
 * is set). Before this, the route's filter was seen only by a stub store (test/manage/routes),
 * and `until` never. Each answer is checked against a model of §14's query: `since` inclusive,
 * `until` exclusive, `outcome` is `request.allowed` / `request.denied`, newest first, pages of
 * `limit` joined by `nextCursor` hold each matching event once and only this token's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/core/audit.ts';
import { createKeycard, createManagementHandler, type AuditStore } from '../../src/index.ts';
import { auditBackends } from '../audit-laws-backends.ts';
import { toadoScopes } from '../helpers.ts';

const T0 = Date.UTC(2026, 2, 1, 9);
const MIN = 60_000;
const at = (i: number) => new Date(T0 + i * MIN).toISOString();

/** Ten events of the token (and two of another one), one a minute: allowed, denied and a management event. */
function eventsOf(tokenId: string, other: string): AuditEvent[] {
  const base = { ownerId: 'u_1', workspaceId: null, label: 'agent' };
  const request = (i: number, allowed: boolean, id = tokenId) =>
    ({
      ...base,
      type: allowed ? 'request.allowed' : 'request.denied',
      time: at(i),
      tokenId: id,
      surface: 'http',
      method: 'GET',
      path: `/api/tickets/${i}`,
      requestId: `r${i}-${id}`,
      ...(allowed ? {} : { reason: 'insufficient_scope' }),
    }) as AuditEvent;
  return [
    ...[0, 1, 2, 4, 6, 8].map((i) => request(i, true)),
    ...[3, 7].map((i) => request(i, false)),
    { ...base, type: 'token.updated', time: at(5), tokenId, actor: { kind: 'user', id: 'u_1' } } as AuditEvent,
    { ...base, type: 'token.revoked', time: at(9), tokenId, actor: { kind: 'user', id: 'u_1' } } as AuditEvent,
    request(4, true, other),
    request(7, false, other),
  ];
}

interface Filter {
  since?: number;
  until?: number;
  outcome?: 'allowed' | 'denied';
  limit?: number;
}
const CASES: [string, Filter][] = [
  ['no filter', {}],
  ['since (inclusive)', { since: 4 }],
  ['until (exclusive)', { until: 4 }],
  ['since and until', { since: 2, until: 7 }],
  // A reversed window (until before since) is a 400: test/audit-query-hostile-spec51.test.ts.
  ['since equal to until: nothing', { since: 4, until: 4 }],
  ['outcome=allowed', { outcome: 'allowed' }],
  ['outcome=denied within a window', { outcome: 'denied', since: 3, until: 8 }],
  ['limit=3, paged', { limit: 3 }],
  ['limit=1, paged, allowed until 7', { limit: 1, outcome: 'allowed', until: 7 }],
];

const { backends, warm, closeAll } = auditBackends();
beforeAll(warm, 60_000);
afterAll(closeAll);

describe.each(backends)('GET /tokens/:id/activity on %s', (_, open) => {
  let store: AuditStore;
  let get: (path: string) => Promise<{ status: number; body: { data: AuditEvent[]; nextCursor: string | null } }>;
  let id = '';
  let expected: (f: Filter) => string[];
  beforeAll(async () => {
    store = await open({ requests: 'all', now: () => T0 + 10 * MIN });
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes() });
    const handler = createManagementHandler(keycard, {
      authorize: () => ({ kind: 'user', id: 'u_1', scopes: ['read'] }),
      auditStore: store,
    });
    // Ids differ per backend opening: a shared Postgres keeps the runs apart.
    id = (await keycard.issue({ ownerId: 'u_1', label: 'agent', scopes: ['read'] })).record.id;
    const other = (await keycard.issue({ ownerId: 'u_1', label: 'other', scopes: ['read'] })).record.id;
    const events = eventsOf(id, other);
    for (const e of events) void store.write(e);
    await store.flush();
    get = async (path) => {
      const res = await handler(new Request(`http://127.0.0.1${path}`));
      return { status: res.status, body: (await res.json()) as never };
    };
    expected = (f) =>
      events
        .filter((e) => e.tokenId === id)
        .filter((e) => f.since === undefined || Date.parse(e.time) >= T0 + f.since * MIN)
        .filter((e) => f.until === undefined || Date.parse(e.time) < T0 + f.until * MIN)
        .filter((e) => f.outcome === undefined || e.type === `request.${f.outcome}`)
        .sort((a, b) => Date.parse(b.time) - Date.parse(a.time))
        .map((e) => `${e.type}@${e.time}`);
  }, 60_000);
  afterAll(() => store?.close());

  it.each(CASES)('%s: the model’s events, newest first, each once', async (_, f) => {
    const q = new URLSearchParams();
    if (f.since !== undefined) q.set('since', at(f.since));
    if (f.until !== undefined) q.set('until', at(f.until));
    if (f.outcome) q.set('outcome', f.outcome);
    if (f.limit) q.set('limit', String(f.limit));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const query = new URLSearchParams(q);
      if (cursor) query.set('cursor', cursor);
      const r = await get(`/tokens/${id}/activity?${query}`);
      expect(r.status).toBe(200);
      if (f.limit) expect(r.body.data.length).toBeLessThanOrEqual(f.limit);
      for (const e of r.body.data) expect(e.tokenId).toBe(id);
      seen.push(...r.body.data.map((e) => `${e.type}@${e.time}`));
      cursor = r.body.nextCursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    expect(seen).toEqual(expected(f));
  });
});
