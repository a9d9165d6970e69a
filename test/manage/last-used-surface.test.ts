/**
 * SPEC §11/§14: a token view's `lastUsedSurface` comes from the audit store's usage roll-up when
 * the management handler is given one: a token last used over MCP says `mcp`, and the activity
 * route reads the same store.
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
