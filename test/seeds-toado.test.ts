/**
 * Toado's page (shared/seeds/002), walked as Toado's engineer would build it from docs/ only, on
 * real Express with the MCP endpoint beside the REST API: implied scopes and the use-case presets,
 * company/project restrictions that filter listings and refuse foreign writes, "Jason
 * (claude-code on macbook) · via MCP" on every write, 600 reads and 60 writes a minute per token
 * (per company through the workspace resolver), side-by-side and cut-over rotation, and the
 * settings page in real Chromium: a token created there, its MCP client config copied from the
 * reveal and used as Claude Code would (`${TOADO_API_TOKEN}` expanded from the environment) by the
 * official SDK client. That config had no `"type": "http"`, which Claude Code's `.mcp.json` needs
 * for a URL server (without it the server fails the schema and is silently left out): the copy
 * case failed before the reveal added it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expressGuard, type AuthenticatedRequest } from '../src/adapters/express.ts';
import { identityOf, mcpGate } from '../src/adapters/mcp/index.ts';
import type { ManagementClient } from '../src/client/index.ts';
import { createKeycard, createManagementHandler, defineScopes, describeActor, type Identity } from '../src/index.ts';
import { mountMcp, serveWalk, settingsApp } from './seeds-fixture.ts';
import { hasChromium, launch } from './ui/browser.ts';

const scopes = defineScopes(
  {
    read: { description: 'Read everything' },
    comments: { implies: ['read'], description: 'Post comments' },
    'tickets:write': { implies: ['read', 'comments'], description: 'Create, edit, archive, restore, move tickets' },
    'tickets:assign': { implies: ['read'], description: 'Assign and unassign users on tickets' },
  },
  {
    presets: {
      'Claude Code triage agent': ['read', 'comments', 'tickets:write', 'tickets:assign'],
      'Read-only reporting / dashboards': ['read'],
      'Slack bot that posts comments': ['read', 'comments'],
      'External system that updates ticket status': ['read', 'comments', 'tickets:write'],
      'Per-project agent with no assignment power': ['read', 'comments', 'tickets:write'],
    },
    defaults: ['read'],
  },
);
const companyPlans = new Map([['c_big', { read: { limit: 1200, window: 60 }, write: { limit: 120, window: 60 } }]]);
const keycard = createKeycard({
  prefix: 'toado',
  scopes,
  resources: ['company', 'project'],
  rateLimit: { read: { limit: 600, window: 60 }, write: { limit: 60, window: 60 } },
  workspaceRateLimit: (companyId) => companyPlans.get(companyId) ?? null,
  settingsUrl: 'https://toado.example/settings/tokens',
});
const tickets = [
  { id: 't1', company: 'c1', project: 'p1' },
  { id: 't2', company: 'c1', project: 'p2' },
  { id: 't3', company: 'c2', project: 'p3' },
];
const pathOf = (t: (typeof tickets)[number]) => ({ company: t.company, project: t.project });
const comment = (id: Identity, ticket: string, via: 'http' | 'mcp') => {
  const row = tickets.find((t) => t.id === ticket)!;
  id.assert(pathOf(row), 'write');
  return describeActor(id, { surface: via, name: (owner) => ({ u_jason: 'Jason' })[owner] ?? owner });
};
const gate = mcpGate(keycard, { tools: { list_tickets: { scope: 'read' }, add_comment: { scope: 'comments' } } });
let base = '';
let api: ManagementClient;
let close: () => Promise<void>;

beforeAll(async () => {
  const manage = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    authorize: async (req) =>
      req.headers.get('cookie')?.includes('sid=jason')
        ? { kind: 'user', id: 'u_jason', scopes: ['tickets:write', 'tickets:assign'] }
        : null,
  });
  const guard = expressGuard(keycard);
  const app = await settingsApp(manage, '/settings/tokens', 'base-path="/api/tokens" env-name="TOADO_API_TOKEN"');
  app.use('/api/v1', guard());
  app.get(
    '/api/v1/tickets',
    guard({ scope: 'read' }),
    (req: AuthenticatedRequest, res) => void res.json(req.keycard.filter(tickets, pathOf)),
  );
  app.post(
    '/api/v1/tickets/:id/comments',
    guard({ scope: 'comments' }),
    (req: AuthenticatedRequest<{ id: string }>, res) => {
      res.status(201).json({ by: comment(req.keycard, req.params.id, 'http') });
    },
  );
  mountMcp(app, '/mcp', gate, async (transport, req) => {
    const server = new McpServer({ name: 'toado', version: '1.0.0' });
    server.registerTool('list_tickets', {}, async (extra) => ({
      content: [
        {
          type: 'text',
          text: identityOf(extra)!
            .filter(tickets, pathOf)
            .map((t) => t.id)
            .join(),
        },
      ],
    }));
    server.registerTool('add_comment', { inputSchema: { ticket: z.string() } }, async ({ ticket }, extra) => ({
      content: [{ type: 'text', text: comment(identityOf(extra)!, ticket, 'mcp') }],
    }));
    await gate.connect(server, transport, req.keycard);
  });
  ({ base, api, close } = await serveWalk(app, 'jason', keycard, gate));
});
afterAll(() => close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const list = (token: string) => fetch(`${base}/api/v1/tickets`, { headers: bearer(token) });
const mcpClient = async (headers: Record<string, string>, url = `${base}/mcp`) => {
  const client = new Client({ name: 'claude-code', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
};
const text = (r: Awaited<ReturnType<Client['callTool']>>) => (r.content as { text: string }[])[0]!.text;

describe('Toado: API tokens', () => {
  it('scopes imply: comments includes read, tickets:write includes read and comments; the use cases are presets', async () => {
    const { record } = await api.create({ label: 'status sync', scopes: ['tickets:write'] });
    expect([...record.effectiveScopes].sort()).toEqual(['comments', 'read', 'tickets:write']);
    expect((await api.scopes()).presets.map((p) => p.name)).toEqual(Object.keys(scopes.presets));
  });

  it('a restricted token lists only its rows, is refused elsewhere, and its writes say who and how', async () => {
    const { token } = await api.create({
      label: 'claude-code on macbook',
      scopes: ['comments'],
      restrictions: { company: ['c1'], project: ['p1'] },
    });
    expect(await (await list(token)).json()).toEqual([tickets[0]]);
    const foreign = await fetch(`${base}/api/v1/tickets/t2/comments`, { method: 'POST', headers: bearer(token) });
    expect([foreign.status, ((await foreign.json()) as { detail: string }).detail]).toEqual([
      403,
      'Token not allowed for project p2',
    ]);
    const ok = await fetch(`${base}/api/v1/tickets/t1/comments`, { method: 'POST', headers: bearer(token) });
    expect(await ok.json()).toEqual({ by: 'Jason (claude-code on macbook) · via HTTP' });
    const client = await mcpClient(bearer(token));
    expect(text(await client.callTool({ name: 'list_tickets', arguments: {} }))).toBe('t1');
    expect(text(await client.callTool({ name: 'add_comment', arguments: { ticket: 't1' } }))).toBe(
      'Jason (claude-code on macbook) · via MCP',
    );
    expect(await client.callTool({ name: 'add_comment', arguments: { ticket: 't3' } })).toMatchObject({
      isError: true,
    });
    await client.close();
  });

  it('600 reads and 60 writes a minute per token, configurable per company', async () => {
    const { token } = await api.create({ label: 'slack bot', scopes: ['comments'] });
    expect((await list(token)).headers.get('ratelimit-policy')).toBe('"read";q=600;w=60');
    const write = await fetch(`${base}/api/v1/tickets/t1/comments`, { method: 'POST', headers: bearer(token) });
    expect(write.headers.get('ratelimit-policy')).toBe('"write";q=60;w=60');
    const big = await api.create({ label: 'big co bot', scopes: ['read'], workspaceId: 'c_big' });
    expect((await list(big.token)).headers.get('ratelimit-policy')).toBe('"read";q=1200;w=60');
  });

  it('rotation side by side (both work, then the old is revoked) and cut-over (the old is refused at once)', async () => {
    const old = await api.create({ label: 'ci', scopes: ['read'] });
    const next = await api.rotate(old.record.id, { graceMs: 60_000 });
    expect([(await list(old.token)).status, (await list(next.token)).status]).toEqual([200, 200]);
    await api.revoke(old.record.id, { reason: 'rotated' });
    expect([(await list(old.token)).status, (await list(next.token)).status]).toEqual([401, 200]);
    await api.revoke(next.record.id, { reason: 'cut-over' });
    const fresh = await api.create({ label: 'ci', scopes: ['read'] });
    expect([(await list(next.token)).status, (await list(fresh.token)).status]).toEqual([401, 200]);
  });
});

describe.skipIf(!hasChromium)('Toado: Settings › API tokens in a real browser', () => {
  it('New token → the reveal’s MCP config works as Claude Code’s .mcp.json with TOADO_API_TOKEN; Revoke ends it', async () => {
    const browser = await launch();
    try {
      const context = await browser.newContext({ timezoneId: 'UTC' }); // calendar-day badges: no daylight saving
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
      await context.addCookies([{ name: 'sid', value: 'jason', url: base }]);
      const page = await context.newPage();
      await page.goto(`${base}/settings/tokens`);
      await page.getByRole('button', { name: 'New token', exact: true }).click();
      const form = page.getByRole('dialog', { name: 'New token', exact: true });
      await form.getByRole('textbox', { name: 'Label', exact: true }).fill('claude-code on my-laptop');
      await form.getByRole('combobox', { name: 'Use case' }).selectOption('Claude Code triage agent');
      await form.getByRole('textbox', { name: 'Limit to company' }).fill('c1');
      await form.getByRole('textbox', { name: 'Limit to project' }).fill('p1');
      await form.getByRole('button', { name: 'Create token', exact: true }).click();
      const reveal = page.getByRole('dialog', { name: 'Copy your new token', exact: true });
      const copy = async (name: string) => {
        await reveal.getByRole('button', { name, exact: true }).click();
        return page.evaluate(() => navigator.clipboard.readText());
      };
      const envLine = await copy('Copy env line');
      const [envName, secret] = envLine.split('=') as [string, string];
      expect(envName).toBe('TOADO_API_TOKEN');
      const config = JSON.parse(await copy('Copy MCP config')) as {
        mcpServers: Record<string, { type?: string; url: string; headers: Record<string, string> }>;
      };
      const [entry] = Object.values(config.mcpServers);
      // Claude Code's .mcp.json: a URL server needs "type": "http"; ${VAR} is expanded from the environment.
      expect(entry).toEqual({
        type: 'http',
        url: `${base}/mcp`,
        headers: { Authorization: 'Bearer ${TOADO_API_TOKEN}' },
      });
      const expand = (v: string) =>
        v.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => ({ [envName]: secret })[name] ?? '');
      const headers = Object.fromEntries(Object.entries(entry!.headers).map(([k, v]) => [k, expand(v)]));
      const client = await mcpClient(headers, entry!.url);
      expect(text(await client.callTool({ name: 'add_comment', arguments: { ticket: 't1' } }))).toBe(
        'Jason (claude-code on my-laptop) · via MCP',
      );
      await page.keyboard.press('Escape');
      await reveal.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Revoke claude-code on my-laptop', exact: true }).click();
      const confirm = page.getByRole('dialog', { name: 'Revoke claude-code on my-laptop?', exact: true });
      await confirm.getByRole('button', { name: 'Revoke token', exact: true }).click();
      await confirm.waitFor({ state: 'detached' });
      await expect(client.listTools()).rejects.toThrow();
      expect((await list(secret)).status).toBe(401);
      await client.close();
    } finally {
      await browser.close();
    }
  });
});
