/**
 * The audit query surface under hostile input (SPEC §14 `query`, §11 `GET /tokens/:id/activity`),
 * on every backend (memory, PGlite, the Postgres server with DATABASE_URL): limits that are not
 * a plain whole number in range, unknown filter fields, unparsable and reversed time ranges, forged
 * and tampered cursors and cursors from another owner's pages. Each is refused naming the bad field
 * (`invalid_argument` from the store, a 400 problem from the route), never a 500 or a 503, never
 * reported to `onError`, and never answered with another owner's or workspace's events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import type { AuditStore } from '../src/core/audit-store.ts';
import { isKeycardError } from '../src/core/errors.ts';
import { createKeycard, createManagementHandler } from '../src/index.ts';
import { auditBackends } from './audit-laws-backends.ts';
import { toadoScopes } from './helpers.ts';

const { backends, warm, closeAll } = auditBackends();
beforeAll(warm, 60_000);
afterAll(closeAll);

const T0 = Date.UTC(2031, 4, 1);
const iso = (i: number) => new Date(T0 + i * 60_000).toISOString();

/** What a refused call held: its code and the fields it named. */
async function refusal(p: Promise<unknown>): Promise<{ code: string; fields: string[] }> {
  try {
    await p;
  } catch (e) {
    if (!isKeycardError(e)) throw e;
    return { code: e.code, fields: [...(e.fields ?? [])].sort() };
  }
  return { code: 'accepted', fields: [] };
}

describe.each(backends)('audit query surface on %s, hostile input', (_name, open) => {
  let store: AuditStore;
  let run = '';
  const reported: unknown[] = [];
  let get: (path: string, user: string) => Promise<{ status: number; body: Record<string, unknown> }>;
  let mine = '';
  let theirs = '';
  let workspaceToken = '';

  beforeAll(async () => {
    run = Math.random().toString(36).slice(2, 8);
    store = await open({ requests: 'all', now: () => T0 + 60 * 60_000, onError: (e) => reported.push(e) });
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes() });
    const handler = createManagementHandler(keycard, {
      authorize: (req) => ({ kind: 'user', id: req.headers.get('x-user')!, scopes: ['read'] }),
      canManageWorkspace: (actor, ws) => actor.id === `u_ws_${run}` && ws === `ws_${run}`,
      auditStore: store,
      onError: (e) => reported.push(e),
    });
    mine = (await keycard.issue({ ownerId: `u_1_${run}`, label: 'mine', scopes: ['read'] })).record.id;
    theirs = (await keycard.issue({ ownerId: `u_2_${run}`, label: 'theirs', scopes: ['read'] })).record.id;
    workspaceToken = (
      await keycard.issue({
        ownerId: `u_ws_${run}`,
        kind: 'workspace',
        workspaceId: `ws_${run}`,
        label: 'ws',
        scopes: ['read'],
      })
    ).record.id;
    const event = (tokenId: string, ownerId: string, i: number, workspaceId: string | null = null) =>
      ({
        type: 'request.allowed',
        time: iso(i),
        tokenId,
        label: 'x',
        ownerId,
        workspaceId,
        surface: 'http',
        method: 'GET',
        path: '/api',
        requestId: `r-${run}-${tokenId}-${i}`,
      }) as AuditEvent;
    const events: AuditEvent[] = [];
    for (let i = 0; i < 6; i++)
      events.push(
        event(mine, `u_1_${run}`, i),
        event(theirs, `u_2_${run}`, i),
        event(workspaceToken, `u_ws_${run}`, i, `ws_${run}`),
      );
    await store.append(events);
    get = async (path, user) => {
      const res = await handler(new Request(`http://127.0.0.1${path}`, { headers: { 'x-user': user } }));
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    };
  }, 60_000);
  afterAll(() => store?.close());

  const fieldsOf = (body: Record<string, unknown>) =>
    ((body['errors'] ?? []) as { field: string }[]).map((e) => e.field).sort();

  describe('the route, GET /tokens/:id/activity', () => {
    const rows: [string, string, string[]][] = [
      ['limit 0', 'limit=0', ['limit']],
      ['limit -1', 'limit=-1', ['limit']],
      ['limit 1e9', 'limit=1e9', ['limit']],
      ['limit 1000000000', 'limit=1000000000', ['limit']],
      ['limit with a leading zero', 'limit=05', ['limit']],
      ['limit 007', 'limit=007', ['limit']],
      ['limit non-numeric', 'limit=ten', ['limit']],
      ['limit 5.0', 'limit=5.0', ['limit']],
      ['limit given twice', 'limit=5&limit=6', ['limit']],
      ['an unknown filter', 'ownerId=u_2', ['ownerId']],
      ['another token by filter', `tokenId=${'x'}`, ['tokenId']],
      ['a workspace filter', 'workspaceId=ws', ['workspaceId']],
      ['since unparsable', 'since=yesterday', ['since']],
      ['until unparsable', 'until=2031-02-30T00:00:00Z', ['until']],
      ['since in epoch ms', 'since=1900000000000', ['since']],
      ['until before since (reversed)', `since=${iso(4)}&until=${iso(1)}`, ['since', 'until']],
      ['a forged cursor', 'cursor=AAAA', ['cursor']],
      ['a tampered cursor', `cursor=${Buffer.from('[1.5,"ev_x"]').toString('base64url')}`, ['cursor']],
      ['an outcome out of range', 'outcome=everything', ['outcome']],
    ];
    it.each(rows)('%s: 400 naming the field, nothing reported', async (_label, query, fields) => {
      const r = await get(`/tokens/${mine}/activity?${query}`, `u_1_${run}`);
      expect([r.status, r.body['code'], fieldsOf(r.body)]).toEqual([400, 'invalid_request', fields]);
      expect(reported).toEqual([]);
    });

    it('an empty window (since = until) is a page of nothing, not an error', async () => {
      const r = await get(`/tokens/${mine}/activity?since=${iso(2)}&until=${iso(2)}`, `u_1_${run}`);
      expect([r.status, r.body['data']]).toEqual([200, []]);
    });

    it("a cursor from another owner's page shows only this token's events", async () => {
      const page = await get(`/tokens/${theirs}/activity?limit=2`, `u_2_${run}`);
      const cursor = page.body['nextCursor'] as string;
      expect(typeof cursor).toBe('string');
      expect((await get(`/tokens/${theirs}/activity?cursor=${cursor}`, `u_1_${run}`)).status).toBe(404);
      const r = await get(`/tokens/${mine}/activity?cursor=${cursor}&limit=100`, `u_1_${run}`);
      expect(r.status).toBe(200);
      const data = r.body['data'] as { tokenId: string }[];
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((e) => e.tokenId === mine)).toBe(true);
    });

    it("another workspace's token is 404 to an outsider, its events to its manager only", async () => {
      const outsider = await get(`/tokens/${workspaceToken}/activity`, `u_1_${run}`);
      expect([outsider.status, outsider.body['code'], outsider.body['data']]).toEqual([404, 'not_found', undefined]);
      const manager = await get(`/tokens/${workspaceToken}/activity`, `u_ws_${run}`);
      expect(manager.status).toBe(200);
      expect((manager.body['data'] as { tokenId: string }[]).map((e) => e.tokenId)).toEqual(
        Array(6).fill(workspaceToken),
      );
    });
  });

  describe("the store's query", () => {
    const rows: [string, Record<string, unknown>, string[]][] = [
      ['limit 0', { limit: 0 }, ['limit']],
      ['limit -1', { limit: -1 }, ['limit']],
      ['limit 1e9', { limit: 1e9 }, ['limit']],
      ["limit '05'", { limit: '05' }, ['limit']],
      ['limit NaN', { limit: Number.NaN }, ['limit']],
      ["limit 'ten'", { limit: 'ten' }, ['limit']],
      ['since unparsable', { since: 'yesterday' }, ['since']],
      ['until an invalid Date', { until: new Date(Number.NaN) }, ['until']],
      ['until before since (ISO)', { since: iso(4), until: iso(1) }, ['since', 'until']],
      ['until before since (ms and Date)', { since: T0 + 1, until: new Date(T0) }, ['since', 'until']],
      ['a forged cursor', { cursor: 'AAAA' }, ['cursor']],
      ['a non-string cursor', { cursor: 42 }, ['cursor']],
    ];
    it.each(rows)('%s: invalid_argument naming the field', async (_label, q, fields) => {
      expect(await refusal(store.query({ ownerId: `u_1_${run}`, ...q }))).toEqual({ code: 'invalid_argument', fields });
    });

    it('an unknown field (a misspelt tokenId) is refused; the message and fields name the key', async () => {
      let message = '';
      try {
        await store.query({ ownerId: `u_1_${run}`, tokenID: 'tok' } as never);
      } catch (e) {
        message = isKeycardError(e) ? `${e.code} ${[...(e.fields ?? [])].join()} ${e.message}` : String(e);
      }
      expect(message).toBe('invalid_argument tokenID query: tokenID is not a known field');
    });

    it('a reversed range says so once per bound', async () => {
      let message = '';
      try {
        await store.query({ since: iso(4), until: iso(1) });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe('query: since is after until; until is before since');
    });

    it('export refuses a reversed range too, at the call, naming both bounds', async () => {
      const exporting = async () => store.export({ ownerId: `u_1_${run}`, since: iso(4), until: iso(1) }, 'ndjson');
      expect(await refusal(exporting())).toEqual({ code: 'invalid_argument', fields: ['since', 'until'] });
    });

    it('export and append name the bad argument on error.fields, not only in the message', async () => {
      const of = (run: () => unknown) => refusal((async () => run())());
      expect(await of(() => store.export({}, 'xml' as 'csv'))).toEqual({
        code: 'invalid_argument',
        fields: ['format'],
      });
      expect(await of(() => store.export({ limit: 5 } as never, 'csv'))).toEqual({
        code: 'invalid_argument',
        fields: ['limit'],
      });
      expect(await of(() => store.export({ cursor: null, limit: 5 } as never, 'ndjson'))).toEqual({
        code: 'invalid_argument',
        fields: ['cursor', 'limit'],
      });
      expect(await of(() => store.append('nope' as never))).toEqual({ code: 'invalid_argument', fields: ['events'] });
    });

    it("a cursor from another owner's page positions only: never that owner's events", async () => {
      const theirPage = await store.query({ ownerId: `u_2_${run}`, limit: 2 });
      expect(theirPage.nextCursor).not.toBeNull();
      const page = await store.query({ ownerId: `u_1_${run}`, cursor: theirPage.nextCursor, limit: 500 });
      expect(page.events.length).toBeGreaterThan(0);
      expect(page.events.every((e) => e.ownerId === `u_1_${run}`)).toBe(true);
    });
  });
});
