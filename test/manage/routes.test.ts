/**
 * Every route of the management API through the handler directly: each success and each error
 * code, table-driven. Each row runs on a fresh instance where alice holds `a1` (personal),
 * bob holds `b1`, admin created `w` (a workspace token of w1) and `r` is alice's revoked token.
 */
import { validate } from '@readme/openapi-parser';
import { describe, expect, test } from 'vitest';
import { rows as tokenRows } from './route-rows-token.ts';
import { rows as tokensRows } from './route-rows-tokens.ts';
import { setup } from './fixture.ts';
import { world, type World } from './route-world.ts';

const rows = [...tokensRows, ...tokenRows];

describe('management routes, through the handler', () => {
  test.each(rows)('$name → $status', async (row) => {
    const w = await world();
    // A management token of alice's for the bearer rows.
    const m = row.bearer ? await w.create({ label: 'manager', scopes: ['read', 'manage'] }) : null;
    const secrets = { ...w.secrets, a1m: m?.token ?? '' };
    const path = row.path.replace(/\{(\w+)\}/g, (_, k: string) => w.ids[k as keyof typeof w.ids]);
    const res = await w.call(row.method, path, {
      ...(row.body !== undefined ? { body: row.body } : {}),
      ...(row.raw !== undefined ? { raw: row.raw } : {}),
      ...(row.as !== undefined ? { as: row.as } : {}),
      ...(row.origin !== undefined ? { origin: row.origin } : {}),
      ...(row.headers ? { headers: row.headers } : {}),
      ...(row.bearer ? { bearer: row.bearer({ ...w, secrets } as World) ?? '' } : {}),
    });
    const text = await res.text();
    expect(res.status, text).toBe(row.status);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const j = JSON.parse(text) as Record<string, unknown>;
    if (row.status >= 400) {
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(Object.keys(j).slice(0, 5)).toEqual(['type', 'title', 'status', 'detail', 'code']);
      expect(j.code).toBe(row.code);
      if (row.fields)
        expect((j.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([...row.fields].sort());
    } else {
      expect(res.headers.get('content-type')).toBe('application/json');
    }
    if (row.status === 405) expect(res.headers.get('allow')).toBe('GET, HEAD, PATCH, OPTIONS');
    await row.check?.(j, { ...w, secrets } as World);
  });

  test('activity reads the configured audit store with the filter', async () => {
    const seen: unknown[] = [];
    const w = await world({
      auditStore: {
        query: (f) => (seen.push(f), { events: [{ type: 'request.allowed', tokenId: f.tokenId }], nextCursor: 'c2' }),
      },
    });
    const res = await w.call('GET', `/tokens/${w.ids.a1}/activity?limit=10&outcome=denied&since=2026-01-01T00:00:00Z`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: [{ type: 'request.allowed', tokenId: w.ids.a1 }], nextCursor: 'c2' });
    expect(seen).toEqual([
      { tokenId: w.ids.a1, limit: 10, cursor: null, outcome: 'denied', since: new Date('2026-01-01T00:00:00Z') },
    ]);
  });

  test('management calls emit token.* events with the actor and the request id', async () => {
    const w = await world();
    w.sink.clear();
    await w.call('POST', `/tokens/${w.ids.a1}/revoke`, { body: { reason: 'r' }, headers: { 'x-request-id': 'req-7' } });
    expect(w.sink.events).toEqual([
      expect.objectContaining({
        type: 'token.revoked',
        tokenId: w.ids.a1,
        actor: { kind: 'user', id: 'alice' },
        requestId: 'req-7',
        reason: 'r',
      }),
    ]);
  });

  test('a management token is never wider than itself, and manages only its owner', async () => {
    const w = await world();
    const m = await w.create({ label: 'manager', scopes: ['read', 'manage'], expiresIn: '30d' });
    const wider = await w.call('POST', '/tokens', {
      as: null,
      bearer: m.token,
      body: { label: 'x', scopes: ['comments'] },
    });
    expect(wider.status).toBe(403);
    expect(((await wider.json()) as { code: string }).code).toBe('scope_escalation');
    const outliving = await w.call('POST', '/tokens', {
      as: null,
      bearer: m.token,
      body: { label: 'x', scopes: ['read'], expiresIn: 'never' },
    });
    expect(outliving.status).toBe(403);
    expect((await w.call('GET', `/tokens/${w.ids.b1}`, { as: null, bearer: m.token })).status).toBe(404);
    expect((await w.call('GET', `/tokens/${w.ids.a1}`, { as: null, bearer: m.token })).status).toBe(200);
  });

  test('the OpenAPI document is valid OpenAPI 3.1 and lists every route', async () => {
    const w = await world();
    const res = await w.call('GET', '/openapi.json', { as: null });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, JSON.stringify(result)).toBe(true);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/tokens',
        '/tokens/revoke-all',
        '/tokens/{id}',
        '/tokens/{id}/revoke',
        '/tokens/{id}/rotate',
        '/tokens/{id}/activity',
        '/scopes',
      ]
        .map((p) => `/api/tokens${p}`)
        .sort(),
    );
  });

  test('invalid options are refused, naming every field', () => {
    const w = setup();
    expect(() => setup({ basePath: 'api/', managementScope: 'nope' } as never)).toThrow(/basePath/);
    expect(() => setup({ managementScope: 'nope' })).toThrow(/managementScope: "nope"/);
    expect(() => setup({ bogus: 1 } as never)).toThrow(/createManagementHandler: bogus: unknown option/);
    expect(w.logs).toEqual([]);
  });
});
