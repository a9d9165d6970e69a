/**
 * Comma's two pages (shared/seeds/000, 001), walked as Comma's engineer would build them from
 * docs/ only: one `comma_sk_…` token for the REST API (/api/v1/*, real Express) and the MCP server
 * (/api/mcp, the official SDK client), created behind the app's session through the management API
 * (keycard/client over HTTP). Each `it` is a feature of the pages. The routines case runs the
 * docs/lifecycle.md snippet that shows how to pause a token's routines: before it existed, the
 * only example listened to `token.revoked`, which "Revoke all" does not fire per token, so a
 * routine whose token was mass-revoked kept running.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expressGuard, expressHandler, type AuthenticatedRequest } from '../src/adapters/express.ts';
import { identityOf, mcpGate } from '../src/adapters/mcp/index.ts';
import type { ManagementClient } from '../src/client/index.ts';
import { createKeycard, createManagementHandler, defineScopes, describeActor, memoryAuditStore } from '../src/index.ts';
import { mountMcp, serveWalk } from './seeds-fixture.ts';
import { runSnippet, snippetsOf } from './snippets.ts';

const ALL = ['reports:read', 'reports:write', 'comments:read', 'comments:write', 'routines', 'connections', 'sharing'];
const scopes = defineScopes(
  {
    'reports:read': { description: 'List, search, and read report content, revisions, and diffs.' },
    'reports:write': { description: 'Create and edit reports; upload assets; request reviews.' },
    'comments:read': { description: 'Read comment threads and replies.' },
    'comments:write': { description: 'Post, reply to, and resolve comments.' },
    routines: { description: 'Manage routines, skills, reviewers, and notifications.' },
    connections: { description: 'Manage integrations and connectors.' },
    sharing: { description: 'Change who can access a report.' },
  },
  { defaults: ['reports:write', 'comments:write', 'comments:read'] },
);

const owners = new Map<string, string[]>([['u_ana', ALL]]);
const audit = memoryAuditStore();
const keycard = createKeycard({
  prefix: 'comma',
  scopes,
  audit,
  settingsUrl: 'https://comma.example/settings/tokens',
  resolveOwner: (id) => (owners.has(id) ? { status: 'active', scopes: owners.get(id)! } : { status: 'gone' }),
});
const gate = mcpGate(keycard, { tools: { list_reports: { scope: 'reports:read' } } });
let base = '';
let api: ManagementClient;
let close: () => Promise<void>;

beforeAll(async () => {
  const manage = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    auditStore: audit,
    authorize: async (req) =>
      req.headers.get('cookie') === 'sid=ana' ? { kind: 'user', id: 'u_ana', scopes: owners.get('u_ana')! } : null,
  });
  const guard = expressGuard(keycard);
  const app = express();
  app.use('/api/tokens', expressHandler(manage));
  app.use('/api/v1', guard());
  app.get('/api/v1/reports', guard({ scope: 'reports:read' }), (_req, res) => void res.json({ reports: [] }));
  app.post('/api/v1/reports', guard({ scope: 'reports:write' }), (req: AuthenticatedRequest, res) => {
    res.status(201).json({ by: describeActor(req.keycard, { surface: 'http', name: () => 'Ana' }) });
  });
  mountMcp(app, '/api/mcp', gate, async (transport, req) => {
    const server = new McpServer({ name: 'comma', version: '1.0.0' });
    server.registerTool('list_reports', {}, async (extra) => ({
      content: [{ type: 'text', text: identityOf(extra)!.label }],
    }));
    await gate.connect(server, transport, req.keycard);
  });
  ({ base, api, close } = await serveWalk(app, 'ana', keycard, gate));
});
afterAll(() => close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const reports = (token: string, method = 'GET') => fetch(`${base}/api/v1/reports`, { method, headers: bearer(token) });

describe('Comma: API tokens & authentication', () => {
  it('New token: a comma_sk_… secret shown once, the defaults reports:write, comments:write, comments:read', async () => {
    const { token, record } = await api.create({ label: 'claude-code' });
    expect(token).toMatch(/^comma_sk_[0-9A-Za-z]{39}$/);
    expect([...record.scopes].sort()).toEqual(['comments:read', 'comments:write', 'reports:write']);
    expect(JSON.stringify(await api.get(record.id))).not.toContain(token);
    expect(JSON.stringify(await api.list())).not.toContain(token);
  });

  it('a missing scope is 403 "Token missing scope: …"; the write records which agent', async () => {
    const { token } = await api.create({ label: 'publisher' });
    const denied = await reports(token);
    expect([denied.status, ((await denied.json()) as { detail: string }).detail]).toEqual([
      403,
      'Token missing scope: reports:read',
    ]);
    const ok = await reports(token, 'POST');
    expect([ok.status, await ok.json()]).toEqual([201, { by: 'Ana (publisher) · via HTTP' }]);
  });

  it('the token never does more than its owner can now', async () => {
    const { token } = await api.create({ label: 'sharer', scopes: ['sharing', 'reports:read'] });
    owners.set('u_ana', ['reports:read']);
    await keycard.invalidateOwner('u_ana');
    try {
      const v = await keycard.verify(token);
      expect(v.ok && [v.identity.has('sharing'), v.identity.has('reports:read')]).toEqual([false, true]);
    } finally {
      owners.set('u_ana', ALL);
      await keycard.invalidateOwner('u_ana');
    }
  });

  it('an expired token is 401 token_expired', async () => {
    const { token } = await api.create({
      label: 'short',
      scopes: ['reports:read'],
      // 2 s ahead: the create must land before the token expires, even on a loaded machine.
      expiresAt: new Date(Date.now() + 2_000).toISOString(),
    });
    await new Promise((r) => setTimeout(r, 2_100));
    const res = await reports(token);
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([401, 'token_expired']);
  });

  it('60 requests a minute per token by default, then 429 with Retry-After; a tighter limit sits on the record', async () => {
    const { token } = await api.create({ label: 'busy', scopes: ['reports:read'] });
    for (let i = 0; i < 60; i++) expect((await reports(token)).status).toBe(200);
    const refused = await reports(token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const tight = await api.create({
      label: 'experimental skill',
      scopes: ['reports:read'],
      rateLimit: { limit: 5, window: 60 },
    });
    expect((await api.get(tight.record.id)).rateLimit).toEqual({ limit: 5, window: 60 });
  });

  it('one token for REST and MCP; revoking it in settings shuts both in the same motion', async () => {
    const { token, record } = await api.create({ label: 'mcp agent', scopes: ['reports:read'] });
    const client = new Client({ name: 'claude-code', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/api/mcp`), { requestInit: { headers: bearer(token) } }),
    );
    expect((await client.callTool({ name: 'list_reports', arguments: {} })).content).toEqual([
      { type: 'text', text: 'mcp agent' },
    ]);
    expect((await reports(token)).status).toBe(200);
    await api.revoke(record.id, { reason: 'agent retired' });
    expect((await reports(token)).status).toBe(401);
    await expect(client.listTools()).rejects.toThrow();
    await client.close();
  });

  it('an MCP client without a token is told where tokens come from', async () => {
    const res = await fetch(`${base}/api/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('https://comma.example/settings/tokens');
  });
});

describe('Comma: scoped tokens for AI agents', () => {
  it('routines pause when their token is revoked, by one revoke or by Revoke all (docs/lifecycle.md › routines-pause)', async () => {
    const snippet = snippetsOf('docs/lifecycle.md').find((s) => s.name === 'routines-pause');
    expect(snippet, 'docs/lifecycle.md shows how to pause a token’s routines, Revoke all included').toBeDefined();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await expect(runSnippet(snippet!)).resolves.toBeUndefined();
    } finally {
      log.mockRestore();
    }
  });

  it('every call records the token: the activity answers "which agent did this"', async () => {
    const { token, record } = await api.create({ label: 'coverage bot', scopes: ['reports:write'] });
    expect((await reports(token, 'POST')).status).toBe(201);
    await keycard.flush();
    const { data } = await api.activity(record.id);
    expect(data.find((e) => e.type === 'request.allowed')).toMatchObject({
      tokenId: record.id,
      label: 'coverage bot',
      surface: 'http',
    });
    const [event] = (await audit.query({ tokenId: record.id, types: ['request.allowed'] })).events;
    expect(describeActor(event!, { name: () => 'Ana' })).toBe('Ana (coverage bot) · via HTTP');
  });

  it('ramp-up: a new agent starts tight and is loosened from settings as it proves itself, up to the default, not past it', async () => {
    const { token, record } = await api.create({
      label: 'new agent',
      scopes: ['reports:read'],
      rateLimit: { limit: 2, window: 60 },
    });
    expect((await reports(token)).headers.get('ratelimit-policy')).toBe('"default";q=2;w=60');
    expect((await api.update(record.id, { rateLimit: { limit: 30, window: 60 } })).rateLimit).toEqual({
      limit: 30,
      window: 60,
    });
    expect((await reports(token)).headers.get('ratelimit-policy')).toBe('"default";q=30;w=60');
    await expect(api.update(record.id, { rateLimit: { limit: 600, window: 60 } })).rejects.toMatchObject({
      status: 403,
      code: 'scope_escalation',
    });
    expect((await api.update(record.id, { rateLimit: null })).rateLimit).toBeNull(); // the default again
  });

  it('Revoke all with the count docs/management.md says to confirm: the default listing, expired tokens revoked but not counted', async () => {
    const expired = await api.create({
      label: 'old laptop',
      scopes: ['reports:read'],
      expiresAt: new Date(Date.now() + 2_000).toISOString(), // see 'an expired token is 401'
    });
    await new Promise((r) => setTimeout(r, 2_100));
    let live = 0;
    let cursor: string | undefined;
    do {
      const page = await api.list(cursor ? { cursor } : {});
      live += page.data.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(live).toBeGreaterThan(0);
    expect(await api.revokeAll({ target: { ownerId: 'u_ana' }, reason: 'laptop stolen', expectCount: live })).toEqual({
      count: live,
    });
    expect((await api.get(expired.record.id)).revokedAt).not.toBeNull(); // revoked too, not counted
  });
});
