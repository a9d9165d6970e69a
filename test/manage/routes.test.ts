/**
 * Every route of the management API through the handler directly: each success and each error
 * code, table-driven. Each row runs on a fresh instance where alice holds `a1` (personal),
 * bob holds `b1`, admin created `w` (a workspace token of w1) and `r` is alice's revoked token.
 */
import { validate } from '@readme/openapi-parser';
import { describe, expect, test } from 'vitest';
import { setup } from './fixture.ts';

type World = Awaited<ReturnType<typeof world>>;
async function world(extra: Parameters<typeof setup>[0] = {}) {
  const s = setup(extra);
  const a1 = await s.create({ label: 'alice ci', scopes: ['comments'], expiresIn: '30d' });
  const b1 = await s.create({ label: 'bob ci', scopes: ['read'] }, 'bob');
  const w = await s.create({ label: 'ws bot', kind: 'workspace', workspaceId: 'w1', scopes: ['read'] }, 'admin');
  const r = await s.create({ label: 'old', scopes: ['read'] });
  await s.call('POST', `/tokens/${r.record.id}/revoke`, { body: {} });
  return {
    ...s,
    ids: { a1: a1.record.id, b1: b1.record.id, w: w.record.id, r: r.record.id },
    secrets: { a1: a1.token } as Record<string, string>,
  };
}

interface Row {
  name: string;
  method: string;
  /** `{a1}` etc. are replaced by the world's ids. */
  path: string;
  body?: unknown;
  raw?: string;
  as?: string | null;
  origin?: string | null;
  headers?: Record<string, string>;
  bearer?: (w: World) => string | undefined;
  status: number;
  code?: string;
  fields?: string[];
  check?: (json: Record<string, unknown>, w: World) => void | Promise<void>;
}

const rows: Row[] = [
  // GET /tokens
  {
    name: 'list: own personal tokens, active by default',
    method: 'GET',
    path: '/tokens',
    status: 200,
    check: (j) => expect((j.data as { label: string }[]).map((t) => t.label)).toEqual(['alice ci']),
  },
  {
    name: 'list: status=all includes the revoked one',
    method: 'GET',
    path: '/tokens?status=all',
    status: 200,
    check: (j) => expect((j.data as unknown[]).length).toBe(2),
  },
  {
    name: 'list: status=expiring',
    method: 'GET',
    path: '/tokens?status=expiring',
    status: 200,
    check: (j) => expect(j.data).toEqual([]),
  },
  {
    name: 'list: q filters by label',
    method: 'GET',
    path: '/tokens?q=ALICE&status=all',
    status: 200,
    check: (j) => expect((j.data as unknown[]).length).toBe(1),
  },
  {
    name: 'list: workspace tokens for a manager',
    method: 'GET',
    path: '/tokens?workspaceId=w1',
    as: 'admin',
    status: 200,
    check: (j) => expect((j.data as { label: string }[]).map((t) => t.label)).toEqual(['ws bot']),
  },
  {
    name: 'list: workspace tokens hidden from others',
    method: 'GET',
    path: '/tokens?workspaceId=w1',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'list: bad status, limit and unknown parameter at once',
    method: 'GET',
    path: '/tokens?status=x&limit=0&foo=1',
    status: 400,
    code: 'invalid_request',
    fields: ['status', 'limit', 'foo'],
  },
  {
    name: 'list: a parameter given twice',
    method: 'GET',
    path: '/tokens?status=all&status=active',
    status: 400,
    code: 'invalid_request',
    fields: ['status'],
  },
  {
    name: 'list: kind=workspace needs workspaceId',
    method: 'GET',
    path: '/tokens?kind=workspace',
    status: 400,
    code: 'invalid_request',
    fields: ['workspaceId'],
  },
  { name: 'list: no session', method: 'GET', path: '/tokens', as: null, status: 401, code: 'unauthenticated' },
  // POST /tokens
  {
    name: 'create: 201 with the secret, no-store',
    method: 'POST',
    path: '/tokens',
    body: { label: 'deploy', scopes: ['tickets:write'], expiresIn: '90d', metadata: { repo: 'x' } },
    status: 201,
    check: (j) => {
      expect(j.token).toMatch(/^acme_sk_/);
      expect(j.record).toMatchObject({
        label: 'deploy',
        status: 'active',
        effectiveScopes: ['tickets:write', 'read', 'comments'],
        createdBy: 'alice',
        expiresAt: '2026-04-01T00:00:00.000Z',
      });
    },
  },
  {
    name: 'create: a preset',
    method: 'POST',
    path: '/tokens',
    body: { label: 'p', preset: 'read-only' },
    status: 201,
    check: (j) => expect((j.record as { scopes: string[] }).scopes).toEqual(['read']),
  },
  {
    name: 'create: catalogue defaults',
    method: 'POST',
    path: '/tokens',
    body: { label: 'd' },
    status: 201,
    check: (j) => expect((j.record as { scopes: string[] }).scopes).toEqual(['read']),
  },
  {
    name: 'create: workspace token by a manager',
    method: 'POST',
    path: '/tokens',
    body: { label: 'w', kind: 'workspace', workspaceId: 'w1', scopes: ['read'] },
    as: 'admin',
    status: 201,
  },
  {
    name: 'create: every bad field at once',
    method: 'POST',
    path: '/tokens',
    body: { scopes: 'read', extra: 1, expiresIn: '2d' },
    status: 400,
    code: 'invalid_request',
    fields: ['label', 'scopes', 'expiresIn', 'extra'],
  },
  {
    name: 'create: unknown scope',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x', scopes: ['read', 'nope'] },
    status: 400,
    code: 'invalid_request',
    fields: ['scopes.1'],
  },
  {
    name: 'create: unknown preset',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x', preset: 'nope' },
    status: 400,
    code: 'invalid_request',
    fields: ['preset'],
  },
  {
    name: 'create: scopes and preset',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x', preset: 'read-only', scopes: ['read'] },
    status: 400,
    code: 'invalid_request',
    fields: ['preset'],
  },
  {
    name: 'create: expiresAt in the past',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x', expiresAt: '2020-01-01T00:00:00Z' },
    status: 400,
    code: 'invalid_request',
    fields: ['expiresAt'],
  },
  {
    name: 'create: wider than the creator',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x', scopes: ['tickets:assign'] },
    status: 403,
    code: 'scope_escalation',
  },
  {
    name: 'create: a preset wider than the creator',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x', preset: 'triage' },
    status: 403,
    code: 'scope_escalation',
  },
  {
    name: 'create: workspace token without rights',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x', kind: 'workspace', workspaceId: 'w1' },
    status: 404,
    code: 'not_found',
  },
  {
    name: 'create: body over the cap',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x', metadata: { pad: 'x'.repeat(20_000) } },
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'create: not JSON',
    method: 'POST',
    path: '/tokens',
    raw: 'label=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'create: malformed JSON',
    method: 'POST',
    path: '/tokens',
    raw: '{"label":',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'invalid_request',
    fields: ['body'],
  },
  {
    name: 'create: a JSON array',
    method: 'POST',
    path: '/tokens',
    body: [1],
    status: 400,
    code: 'invalid_request',
    fields: ['body'],
  },
  {
    name: 'create: cross-origin with a session',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x' },
    origin: 'http://evil.test',
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'create: no Origin with a session',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x' },
    origin: null,
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'create: Sec-Fetch-Site same-origin',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x' },
    origin: null,
    headers: { 'sec-fetch-site': 'same-origin' },
    status: 201,
  },
  {
    name: 'create: no session',
    method: 'POST',
    path: '/tokens',
    body: { label: 'x' },
    as: null,
    status: 401,
    code: 'unauthenticated',
  },
  {
    name: 'create: by a management token, cross-origin',
    method: 'POST',
    path: '/tokens',
    body: { label: 'child', scopes: ['read'] },
    as: null,
    origin: 'http://evil.test',
    bearer: (w) => w.secrets.a1m,
    status: 201,
  },
  {
    name: 'create: a token without the management scope',
    method: 'POST',
    path: '/tokens',
    body: { label: 'child' },
    as: null,
    bearer: (w) => w.secrets.a1,
    status: 403,
    code: 'insufficient_scope',
  },
  {
    name: 'create: a forged bearer token',
    method: 'POST',
    path: '/tokens',
    body: { label: 'child' },
    as: null,
    bearer: () => 'acme_sk_1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx000000',
    status: 401,
    code: 'invalid_token',
  },
  // GET /tokens/:id
  {
    name: 'get: own token',
    method: 'GET',
    path: '/tokens/{a1}',
    status: 200,
    check: (j, w) => expect(j).toMatchObject({ id: w.ids.a1, status: 'active', lastUsedSurface: null }),
  },
  {
    name: 'get: no version, hash or secret in a view',
    method: 'GET',
    path: '/tokens/{a1}',
    status: 200,
    check: (j) =>
      expect(Object.keys(j).filter((k) => ['version', 'hash', 'pepperVersion', 'token'].includes(k))).toEqual([]),
  },
  { name: "get: another person's token is 404", method: 'GET', path: '/tokens/{b1}', status: 404, code: 'not_found' },
  {
    name: 'get: a workspace token for a non-manager is 404',
    method: 'GET',
    path: '/tokens/{w}',
    status: 404,
    code: 'not_found',
  },
  { name: 'get: a workspace token for a manager', method: 'GET', path: '/tokens/{w}', as: 'admin', status: 200 },
  { name: 'get: unknown id', method: 'GET', path: '/tokens/tok_nope', status: 404, code: 'not_found' },
  {
    name: 'get: an unknown query parameter',
    method: 'GET',
    path: '/tokens/{a1}?x=1',
    status: 400,
    code: 'invalid_request',
    fields: ['x'],
  },
  // PATCH /tokens/:id
  {
    name: 'update: relabel and narrow',
    method: 'PATCH',
    path: '/tokens/{a1}',
    body: { label: 'renamed', scopes: ['read'] },
    status: 200,
    check: (j) => expect(j).toMatchObject({ label: 'renamed', scopes: ['read'] }),
  },
  {
    name: 'update: widening is refused',
    method: 'PATCH',
    path: '/tokens/{a1}',
    body: { scopes: ['tickets:write'] },
    status: 403,
    code: 'scope_escalation',
  },
  {
    name: 'update: a later expiry is refused',
    method: 'PATCH',
    path: '/tokens/{a1}',
    body: { expiresAt: '2027-01-01T00:00:00Z' },
    status: 403,
    code: 'scope_escalation',
  },
  {
    name: 'update: bad fields',
    method: 'PATCH',
    path: '/tokens/{a1}',
    body: { label: '', kind: 'workspace' },
    status: 400,
    code: 'invalid_request',
    fields: ['label', 'kind'],
  },
  {
    name: "update: another person's token is 404",
    method: 'PATCH',
    path: '/tokens/{b1}',
    body: { label: 'x' },
    status: 404,
    code: 'not_found',
  },
  {
    name: 'update: cross-origin',
    method: 'PATCH',
    path: '/tokens/{a1}',
    body: { label: 'x' },
    origin: 'http://evil.test',
    status: 403,
    code: 'forbidden',
  },
  // POST /tokens/:id/revoke
  {
    name: 'revoke: 200 with the revoked view',
    method: 'POST',
    path: '/tokens/{a1}/revoke',
    body: { reason: 'leaked' },
    status: 200,
    check: (j) => expect(j).toMatchObject({ status: 'revoked', revokedReason: 'leaked' }),
  },
  {
    name: 'revoke: idempotent, no body',
    method: 'POST',
    path: '/tokens/{r}/revoke',
    status: 200,
    check: (j) => expect(j.status).toBe('revoked'),
  },
  {
    name: 'revoke: bad reason',
    method: 'POST',
    path: '/tokens/{a1}/revoke',
    body: { reason: 5 },
    status: 400,
    code: 'invalid_request',
    fields: ['reason'],
  },
  {
    name: "revoke: another person's token is 404",
    method: 'POST',
    path: '/tokens/{b1}/revoke',
    body: {},
    status: 404,
    code: 'not_found',
  },
  // POST /tokens/:id/rotate
  {
    name: 'rotate: 201 with a new secret and the old expiry',
    method: 'POST',
    path: '/tokens/{a1}/rotate',
    body: { graceMs: 60_000 },
    status: 201,
    check: (j, w) => {
      expect(j.token).toMatch(/^acme_sk_/);
      expect(j.previous).toEqual({ id: w.ids.a1, expiresAt: '2026-01-01T00:01:00.000Z' });
      expect(j.record).toMatchObject({ rotatedFromId: w.ids.a1, label: 'alice ci' });
    },
  },
  {
    name: 'rotate: a revoked token is a conflict',
    method: 'POST',
    path: '/tokens/{r}/rotate',
    body: {},
    status: 409,
    code: 'conflict',
  },
  {
    name: 'rotate: negative grace',
    method: 'POST',
    path: '/tokens/{a1}/rotate',
    body: { graceMs: -1 },
    status: 400,
    code: 'invalid_request',
    fields: ['graceMs'],
  },
  {
    name: "rotate: another person's token is 404",
    method: 'POST',
    path: '/tokens/{b1}/rotate',
    body: {},
    status: 404,
    code: 'not_found',
  },
  // POST /tokens/revoke-all
  {
    name: 'revoke-all: own tokens',
    method: 'POST',
    path: '/tokens/revoke-all',
    body: { target: { ownerId: 'alice' }, reason: 'leak' },
    status: 200,
    check: (j) => expect(j).toEqual({ count: 1 }),
  },
  {
    name: 'revoke-all: the confirmed count',
    method: 'POST',
    path: '/tokens/revoke-all',
    body: { target: { ownerId: 'alice' }, reason: 'leak', expectCount: 1 },
    status: 200,
    check: (j) => expect(j).toEqual({ count: 1 }),
  },
  {
    name: 'revoke-all: count changed, nothing revoked',
    method: 'POST',
    path: '/tokens/revoke-all',
    body: { target: { ownerId: 'alice' }, reason: 'leak', expectCount: 3 },
    status: 409,
    code: 'count_changed',
    check: async (j, w) => {
      expect(j).toMatchObject({ expected: 3, actual: 1 });
      expect((await w.keycard.get(w.ids.a1))!.revokedAt).toBeNull();
    },
  },
  {
    name: 'revoke-all: a workspace by its manager',
    method: 'POST',
    path: '/tokens/revoke-all',
    body: { target: { workspaceId: 'w1' }, reason: 'offboarding' },
    as: 'admin',
    status: 200,
    check: (j) => expect(j).toEqual({ count: 1 }),
  },
  {
    name: "revoke-all: someone else's tokens are 404",
    method: 'POST',
    path: '/tokens/revoke-all',
    body: { target: { ownerId: 'bob' }, reason: 'x' },
    status: 404,
    code: 'not_found',
  },
  {
    name: 'revoke-all: reason and target missing',
    method: 'POST',
    path: '/tokens/revoke-all',
    body: { expectCount: -1 },
    status: 400,
    code: 'invalid_request',
    fields: ['target', 'reason', 'expectCount'],
  },
  // GET /scopes
  {
    name: 'scopes: filtered to what the caller may grant',
    method: 'GET',
    path: '/scopes',
    status: 200,
    check: (j) => {
      expect((j.scopes as { name: string }[]).map((s) => s.name)).toEqual([
        'read',
        'comments',
        'tickets:write',
        'manage',
      ]);
      expect((j.scopes as unknown[])[2]).toEqual({
        name: 'tickets:write',
        description: 'Write tickets',
        implies: ['read', 'comments'],
        closure: ['tickets:write', 'read', 'comments'],
      });
      expect(j.presets).toEqual([{ name: 'read-only', scopes: ['read'] }]);
      expect(j.defaults).toEqual(['read']);
      expect(j.resourceTypes).toEqual(['company', 'project']);
    },
  },
  { name: 'scopes: no session', method: 'GET', path: '/scopes', as: null, status: 401, code: 'unauthenticated' },
  // GET /tokens/:id/activity
  {
    name: 'activity: no audit store is 501',
    method: 'GET',
    path: '/tokens/{a1}/activity',
    status: 501,
    code: 'not_implemented',
  },
  {
    name: 'activity: bad since and outcome',
    method: 'GET',
    path: '/tokens/{a1}/activity?since=yesterday&outcome=maybe',
    status: 400,
    code: 'invalid_request',
    fields: ['since', 'outcome'],
  },
  {
    name: "activity: another person's token is 404",
    method: 'GET',
    path: '/tokens/{b1}/activity',
    status: 404,
    code: 'not_found',
  },
  // routing
  { name: 'an unknown route', method: 'GET', path: '/nope', status: 404, code: 'not_found' },
  { name: 'a wrong method', method: 'DELETE', path: '/tokens/{a1}', status: 405, code: 'method_not_allowed' },
];

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
    if (row.status === 405) expect(res.headers.get('allow')).toBe('GET, PATCH');
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
    expect(() => setup({ bogus: 1 } as never)).toThrow(/unknown option bogus/);
    expect(w.logs).toEqual([]);
  });
});
