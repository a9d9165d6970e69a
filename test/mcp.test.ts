/**
 * Issue 6, "Done when": the example server of examples/mcp (tickets REST API + MCP endpoint over
 * one keycard) on 127.0.0.1, driven by the MCP SDK's own Client and StreamableHTTPClientTransport.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLinesSink, memoryAuditSink, type Keycard, type RequestAuditEvent } from '../src/index.ts';
import { identityOf, mcpVerifier } from '../src/adapters/mcp/index.ts';
import { countingStore } from './helpers.ts';
import {
  countingLimiter,
  loadExample,
  mcpClient,
  mcpHeaders,
  openStream,
  rawSession,
  until,
  within,
} from './mcp-helpers.ts';

interface ExampleApp {
  keycard: Keycard;
  start(options: { port: number; host: string }): Promise<{ url: string; stop(): Promise<void> }>;
}
const { createApp } = (await loadExample()) as { createApp(options: Record<string, unknown>): ExampleApp };

const sink = memoryAuditSink();
const logs: string[] = [];
const errors: unknown[] = [];
const toolCalls: { name: string; args: unknown; extra: Record<string, unknown> }[] = [];
const secrets: string[] = [];
const counted = countingStore();
const limiter = countingLimiter();
const clients: { close(): Promise<void> }[] = [];

let keycard: Keycard;
let base: string;
let stop: () => Promise<void>;

const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;
const requestEvents = () =>
  sink.events.filter((e): e is RequestAuditEvent => e.type === 'request.allowed' || e.type === 'request.denied');

async function issue(label: string, scopes: string[], extra: Record<string, unknown> = {}) {
  const issued = await keycard.issue({ ownerId: 'u_jason', label, scopes, ...extra });
  secrets.push(issued.token);
  return issued;
}
async function connect(token: string) {
  const c = await mcpClient(base, token, errors);
  clients.push(c.client);
  return c;
}
const rest = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });

beforeAll(async () => {
  const ex = createApp({
    keycard: {
      store: counted.store,
      limiter: limiter.limiter,
      cacheSize: 0, // every request really looks the token up
      audit: [sink, jsonLinesSink((line) => logs.push(line))],
      onError: (e: unknown) => errors.push(e),
      onWarning: (m: string) => logs.push(m),
    },
    log: (line: string) => logs.push(line),
    onToolCall: (name: string, args: unknown, extra: Record<string, unknown>) => toolCalls.push({ name, args, extra }),
    publicUrl: 'https://tickets.example',
  });
  keycard = ex.keycard;
  const started = await ex.start({ port: 0, host: '127.0.0.1' });
  base = started.url;
  stop = started.stop;
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await stop();
});

describe('keycard/mcp on the example server, through the SDK client', () => {
  it('connects, lists tools and calls one with a good token; AuthInfo holds the id, the closure and a near expiry', async () => {
    const { token, record } = await issue('triage', ['tickets:write', 'tickets:assign'], { expiresIn: '30d' });
    const { client } = await connect(token);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['assign', 'comment', 'create_ticket', 'list_tickets']);
    const listed = await client.callTool({ name: 'list_tickets', arguments: { company: 'c1' } });
    expect(listed.isError).toBeFalsy();
    expect((JSON.parse(text(listed)) as { companyId: string }[]).every((t) => t.companyId === 'c1')).toBe(true);
    const created = await client.callTool({
      name: 'create_ticket',
      arguments: { company: 'c1', project: 'p1', title: 'From MCP' },
    });
    expect(JSON.parse(text(created))).toMatchObject({ tokenId: record.id, attribution: 'Jason (triage) · via MCP' });

    const info = toolCalls.at(-1)!.extra.authInfo as {
      token: string;
      clientId: string;
      scopes: string[];
      expiresAt: number;
      extra: Record<string, unknown>;
    };
    expect(info.token).toBe(record.id);
    expect(info.clientId).toBe(record.id);
    expect([...info.scopes].sort()).toEqual(['comments', 'read', 'tickets:assign', 'tickets:write']); // the closure
    expect(info.expiresAt).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    expect(info.expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60); // re-check interval, not 30 days
    expect(info.extra).toEqual({
      label: 'triage',
      ownerId: 'u_jason',
      kind: 'personal',
      workspaceId: null,
      restrictions: null,
    });
  });

  it("a token granted only `comments` passes the SDK's own requireBearerAuth({ requiredScopes: ['read'] }) behind the gate", async () => {
    const { token } = await issue('slack bot', ['comments']);
    const { client } = await connect(token);
    const r = await client.callTool({ name: 'comment', arguments: { ticket: 't1', body: 'Seen again' } });
    expect(r.isError).toBeFalsy();
    expect((toolCalls.at(-1)!.extra.authInfo as { scopes: string[] }).scopes.sort()).toEqual(['comments', 'read']);
  });

  it('mcpVerifier alone (no gate) serves requireBearerAuth through keycard.verify()', async () => {
    const { token, record } = await issue('sdk only', ['comments']);
    const app = express();
    app.get('/sdk', requireBearerAuth({ verifier: mcpVerifier(keycard), requiredScopes: ['read'] }), (req, res) => {
      res.json({ token: req.auth?.token, scopes: req.auth?.scopes });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sdk`;
    try {
      const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(await ok.json()).toEqual({ token: record.id, scopes: expect.arrayContaining(['comments', 'read']) });
      await keycard.revoke(record.id);
      const denied = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(denied.status).toBe(401);
      expect(await denied.json()).toEqual({ error: 'invalid_token', error_description: 'Token revoked' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a token that never expires is accepted, with an AuthInfo expiry inside the re-check interval', async () => {
    const { token, record } = await issue('forever', ['read'], { expiresIn: 'never' });
    expect(record.expiresAt).toBeNull();
    const { client } = await connect(token);
    expect((await client.callTool({ name: 'list_tickets', arguments: {} })).isError).toBeFalsy();
    const info = toolCalls.at(-1)!.extra.authInfo as { expiresAt: number };
    expect(Number.isFinite(info.expiresAt)).toBe(true);
    expect(info.expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
  });

  it('a tool call lacking the scope fails with a tool error naming it, and the tool is absent from tools/list', async () => {
    const { token, record } = await issue('dashboard', ['read']);
    const { client } = await connect(token);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['list_tickets']);
    const before = toolCalls.length;
    const r = await client.callTool({
      name: 'create_ticket',
      arguments: { company: 'c1', project: 'p1', title: 'Nope' },
    });
    expect(r).toEqual({ content: [{ type: 'text', text: 'Token missing scope: tickets:write' }], isError: true });
    expect(toolCalls.length).toBe(before); // the handler never ran
    const denial = await until(
      () => requestEvents().find((e) => e.tokenId === record.id && e.type === 'request.denied'),
      'the denial event',
    );
    expect(denial).toMatchObject({
      surface: 'mcp',
      rpcMethod: 'tools/call',
      tool: 'create_ticket',
      reason: 'insufficient_scope',
      missing: ['tickets:write'],
    });
  });

  it('restrictions apply inside tools: identityOf(extra) → assert and filter', async () => {
    const { token } = await issue('website agent', ['tickets:write'], {
      restrictions: { company: ['c1'], project: ['p1'] },
    });
    const { client } = await connect(token);
    const outside = await client.callTool({
      name: 'create_ticket',
      arguments: { company: 'c1', project: 'p2', title: 'Outside' },
    });
    expect(outside).toMatchObject({ isError: true, content: [{ text: 'Token not allowed for project p2' }] });
    const rows = JSON.parse(text(await client.callTool({ name: 'list_tickets', arguments: {} }))) as {
      projectId: string;
    }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((t) => t.projectId === 'p1')).toBe(true);
    expect(identityOf(toolCalls.at(-1)!.extra as never)?.restrictions).toEqual({ company: ['c1'], project: ['p1'] });
  });

  it('REST and MCP with one token: one audit trail with the same token id and their own surfaces; one lookup, one charge, one event per MCP request', async () => {
    const { token, record } = await issue('both doors', ['tickets:write']);
    const { client, exchanges } = await connect(token);
    await until(() => exchanges.some((x) => x.method === 'GET'), "the client's GET stream"); // quiet before counting
    const mine = () => requestEvents().filter((e) => e.tokenId === record.id);
    await until(() => mine().length === exchanges.length, 'the connect events');

    const lookups = counted.counts.findByHash ?? 0;
    const charges = limiter.charges();
    const events = mine().length;
    await client.listTools();
    await client.callTool({ name: 'list_tickets', arguments: {} });
    await client.callTool({ name: 'comment', arguments: { ticket: 't1', body: 'Via MCP' } });
    await client.ping();
    expect((counted.counts.findByHash ?? 0) - lookups).toBe(4);
    expect(limiter.charges() - charges).toBe(4);
    await until(() => mine().length - events >= 4, 'four audit events');
    expect(mine().length - events).toBe(4);

    const res = await rest('/api/v1/tickets', token);
    expect(res.status).toBe(200);
    const http = await until(() => mine().find((e) => e.surface === 'http'), 'the REST event');
    expect(http).toMatchObject({ type: 'request.allowed', tokenId: record.id, method: 'GET', path: '/api/v1/tickets' });
    const viaMcp = mine().find((e) => e.surface === 'mcp' && e.tool === 'comment');
    expect(viaMcp).toMatchObject({
      type: 'request.allowed',
      tokenId: record.id,
      method: 'POST',
      path: '/mcp',
      rpcMethod: 'tools/call',
    });
    expect(mine().find((e) => e.rpcMethod === 'tools/list')).toMatchObject({ surface: 'mcp', tokenId: record.id });
  });

  it('after revoke(): the next REST call and the next MCP call on an earlier session get 401, and an open stream of the token is closed', async () => {
    const { token, record } = await issue('to revoke', ['tickets:write']);
    const { client, exchanges } = await connect(token);
    expect((await client.callTool({ name: 'list_tickets', arguments: {} })).isError).toBeFalsy();
    const sid = await rawSession(base, token);
    const stream = await openStream(base, token, sid);
    expect(stream.isOpen()).toBe(true);

    await keycard.revoke(record.id, { reason: 'agent retired' });

    const res = await rest('/api/v1/tickets', token);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'token_revoked' });
    await expect(client.callTool({ name: 'list_tickets', arguments: {} })).rejects.toMatchObject({ code: 401 });
    const last = exchanges.filter((x) => x.method === 'POST').at(-1)!;
    expect(last.status).toBe(401);
    expect(last.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="Token revoked"',
    );
    expect(JSON.parse(last.body!)).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'Token revoked',
      code: 'token_revoked',
    });
    await within(stream.ended, 'the SSE stream to close');
    expect(stream.isOpen()).toBe(false);
  });

  it('expiry ends the token’s sessions and streams too (an update that moves expiry near re-arms the timer)', async () => {
    const { token, record } = await issue('short lived', ['read'], { expiresIn: '30d' });
    const sid = await rawSession(base, token);
    const stream = await openStream(base, token, sid);
    await keycard.update(record.id, { expiresAt: Date.now() + 50 });
    await within(stream.ended, 'the SSE stream to close');
    const ping = (t: string) =>
      fetch(`${base}/mcp`, {
        method: 'POST',
        headers: mcpHeaders(t, sid),
        body: '{"jsonrpc":"2.0","id":9,"method":"ping"}',
      });
    await until(async () => (await ping(token)).status === 401, 'a 401');
    // The app's own onclose ran too (the SDK and keycard chain it): the session is gone for everyone.
    const other = await issue('other', ['read']);
    expect((await ping(other.token)).status).toBe(404);
  });

  it("token B on token A's session is refused with 403 forbidden_resource; A keeps its session", async () => {
    const a = await issue('agent A', ['read']);
    const b = await issue('agent B', ['tickets:write']);
    const sid = await rawSession(base, a.token);
    const ping = (token: string) =>
      fetch(`${base}/mcp`, {
        method: 'POST',
        headers: mcpHeaders(token, sid),
        body: '{"jsonrpc":"2.0","id":2,"method":"tools/list"}',
      });
    const refused = await ping(b.token);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: `Token not allowed for session ${sid}`,
      code: 'forbidden_resource',
    });
    await until(
      () =>
        requestEvents().some(
          (e) => e.tokenId === b.record.id && e.type === 'request.denied' && e.reason === 'forbidden_resource',
        ),
      'the refusal audited as denied',
    );
    expect(requestEvents().filter((e) => e.tokenId === b.record.id && e.type === 'request.allowed')).toEqual([]);
    const stream = await fetch(`${base}/mcp`, {
      headers: { ...mcpHeaders(b.token, sid), accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(403);
    await stream.body?.cancel();
    const own = await ping(a.token);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('list_tickets');
  });

  it('a token over its limit gets HTTP 429 with Retry-After from keycard (not the SDK’s 400)', async () => {
    const { token } = await issue('greedy', ['read'], { rateLimit: { limit: 2, window: 60 } });
    const { client, exchanges } = await connect(token); // initialize + notifications/initialized use the budget
    await expect(client.listTools()).rejects.toMatchObject({ code: 429 });
    const limited = exchanges.find((x) => x.method === 'POST' && x.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('ratelimit-policy')).toBe('"default";q=2;w=60');
    expect(JSON.parse(limited.body!)).toMatchObject({ status: 429, code: 'rate_limited' });
  });

  it('API keys only: a missing token gets 401 pointing at the settings page, and no OAuth metadata is served', async () => {
    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error_description="Create a token at https://tickets.example/settings/tokens"',
    );
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'Missing bearer token; create one at https://tickets.example/settings/tokens',
      code: 'missing_token',
    });
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-authorization-server',
    ]) {
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    }
  });

  it('no tool-handler argument, log line, audit event or error produced here contains a secret', async () => {
    expect(secrets.length).toBeGreaterThan(5);
    expect(toolCalls.length).toBeGreaterThan(3);
    expect(logs.length).toBeGreaterThan(10);
    expect(errors.length).toBeGreaterThan(0); // the 401/403/429 client errors, at least
    const seen = JSON.stringify({
      toolCalls: toolCalls.map(({ name, args, extra }) => ({
        name,
        args,
        authInfo: extra.authInfo,
        requestInfo: extra.requestInfo,
      })),
      logs,
      events: sink.events,
      errors: errors.map((e) =>
        e instanceof Error ? { name: e.name, message: e.message, stack: e.stack, cause: String(e.cause) } : String(e),
      ),
    });
    for (const s of secrets) expect(seen).not.toContain(s);
    expect(seen).not.toMatch(/toado_sk_1[0-9A-Za-z]{38}/);
    // The transport's request info reaches tools without the Authorization header.
    const headers = (toolCalls[0]!.extra.requestInfo as { headers: Record<string, string> }).headers;
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).toHaveProperty('mcp-session-id');
  });
});
