/**
 * SPEC §11/§14: a token view's `lastUsedSurface` comes from the audit store's usage roll-up when
 * the management handler is given one: a token last used over MCP says `mcp`, in every answer that
 * holds a token view (list, GET, PATCH, revoke), and the activity route reads the same store.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, memoryAuditStore } from '../../src/index.ts';
import { toadoScopes } from '../helpers.ts';
import { until } from '../mcp-helpers.ts';

describe('lastUsedSurface from the audit store', () => {
  it('is null before any use, then the surface of the latest allowed request', async () => {
    const audit = memoryAuditStore();
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), audit });
    const handler = createManagementHandler(keycard, {
      authorize: () => ({ kind: 'user', id: 'u_1', scopes: ['read'] }),
      auditStore: audit,
    });
    const { token, record } = await keycard.issue({ ownerId: 'u_1', label: 'agent', scopes: ['read'] });
    const get = async () =>
      (await (await handler(new Request(`http://127.0.0.1/tokens/${record.id}`))).json()) as {
        lastUsedSurface: string | null;
        lastUsedAt: string | null;
      };
    expect((await get()).lastUsedSurface).toBeNull();

    const req = { method: 'GET', url: 'http://127.0.0.1/api/tickets', headers: { authorization: `Bearer ${token}` } };
    expect((await keycard.authenticate(req)).ok).toBe(true);
    // The audit queue delivers after the request: wait for it (bounded), not for a fixed time.
    await until(async () => (await get()).lastUsedSurface === 'http', 'the http use to be rolled up');

    expect(
      (await keycard.authenticate({ ...req, headers: { ...req.headers, 'x-request-id': 'mcp-1' } }, { surface: 'mcp' }))
        .ok,
    ).toBe(true);
    await until(async () => (await get()).lastUsedSurface === 'mcp', 'the mcp use to be rolled up');
    const list = (await (await handler(new Request('http://127.0.0.1/tokens'))).json()) as {
      data: { id: string; lastUsedSurface: string | null }[];
    };
    expect(list.data.find((t) => t.id === record.id)!.lastUsedSurface).toBe('mcp');

    const activity = (await (await handler(new Request(`http://127.0.0.1/tokens/${record.id}/activity`))).json()) as {
      data: { type: string; surface: string }[];
    };
    expect(activity.data.map((e) => [e.type, e.surface ?? null])).toEqual([
      ['request.allowed', 'mcp'],
      ['request.allowed', 'http'],
      ['token.issued', null],
    ]);
    await keycard.close();
  });
});

describe('lastUsedSurface in the answers of the writing routes', () => {
  /** A token used once over MCP, its use rolled up, and the GET view that shows it. */
  async function usedOverMcp() {
    const audit = memoryAuditStore();
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), audit });
    const handler = createManagementHandler(keycard, {
      authorize: () => ({ kind: 'user', id: 'u_1', scopes: ['read', 'write'] }),
      auditStore: audit,
    });
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await handler(
        new Request(`http://127.0.0.1${path}`, {
          method,
          headers: { origin: 'http://127.0.0.1', 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const { token, record } = await keycard.issue({ ownerId: 'u_1', label: 'agent', scopes: ['read'] });
    const req = { method: 'GET', url: 'http://127.0.0.1/api/tickets', headers: { authorization: `Bearer ${token}` } };
    expect((await keycard.authenticate(req, { surface: 'mcp' })).ok).toBe(true);
    const seen = await until(async () => {
      const v = (await call('GET', `/tokens/${record.id}`)).body;
      return v['lastUsedSurface'] === 'mcp' ? v : null;
    }, 'the mcp use to be rolled up');
    return { keycard, call, id: record.id, seen };
  }

  it('PATCH /tokens/:id answers the surface GET shows', async () => {
    const { keycard, call, id, seen } = await usedOverMcp();
    const r = await call('PATCH', `/tokens/${id}`, { label: 'agent (renamed)' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ label: 'agent (renamed)', lastUsedSurface: 'mcp', lastUsedAt: seen['lastUsedAt'] });
    await keycard.close();
  });

  it('POST /tokens/:id/revoke answers the surface GET shows, and so does a second revoke', async () => {
    const { keycard, call, id, seen } = await usedOverMcp();
    for (let i = 0; i < 2; i++) {
      const r = await call('POST', `/tokens/${id}/revoke`, { reason: 'leaked' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'revoked', lastUsedSurface: 'mcp', lastUsedAt: seen['lastUsedAt'] });
    }
    await keycard.close();
  });

  it('POST /tokens/:id/rotate: the new token, never used, says so (null), and its old one still shows mcp', async () => {
    const { keycard, call, id } = await usedOverMcp();
    const r = await call('POST', `/tokens/${id}/rotate`, { graceMs: 60_000 });
    expect(r.status).toBe(201);
    expect(r.body['record']).toMatchObject({ rotatedFromId: id, lastUsedAt: null, lastUsedSurface: null });
    expect((await call('GET', `/tokens/${id}`)).body).toMatchObject({ lastUsedSurface: 'mcp' });
    await keycard.close();
  });
});
