/** The table rows of one token's routes, revoke-all, scopes, activity, openapi and the fallbacks: each success and error code. */
import { expect } from 'vitest';
import type { Row } from './route-world.ts';

export const rows: Row[] = [
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
