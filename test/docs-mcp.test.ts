/**
 * docs/mcp.md, claims that no other test held (a docs truth audit): what each MCP message is
 * charged to, the JSON POST no parser read, the refusals' cache headers and silence about the
 * refused value, the request URL a tool handler sees, a scope narrowed mid-session, a rotated
 * token on its predecessor's session, and the loopback check of a server listening on `::`. Real
 * Express on 127.0.0.1, the SDK's McpServer and StreamableHTTPServerTransport, raw fetch for the
 * exact answers.
 */
import express, { type ErrorRequestHandler } from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { isKeycardError, type KeycardOptions } from '../src/index.ts';
import { mcpGate, type McpGate, type McpOptions } from '../src/adapters/mcp/index.ts';
import { countedKeycard, mcpHeaders } from './mcp-helpers.ts';
import { listen, mountMcp } from './seeds-fixture.ts';
import { leaks } from './secret-encodings.ts';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops.splice(0)) await s();
});

const rpc = (id: number, method: string, params: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
});
const initialize = rpc(1, 'initialize', {
  protocolVersion: LATEST_PROTOCOL_VERSION,
  capabilities: {},
  clientInfo: { name: 'raw', version: '1' },
});
const call = (id: number, name: string) => rpc(id, 'tools/call', { name, arguments: {} });

/** Tools with every combination of gate `class` and SDK `readOnlyHint` (docs/mcp.md, "Budgets"). */
const TOOLS: Record<string, { hint?: true; class?: 'read' | 'write' }> = {
  peek: { hint: true }, // read-only by its annotation, no class
  touch: {}, // neither: a write
  forced: { hint: true, class: 'write' }, // the class wins over the hint
  cheap: { class: 'read' },
};

interface Served {
  base: string;
  port: number;
  gate: McpGate;
  sink: ReturnType<typeof countedKeycard>['sink'];
  counts: ReturnType<typeof countedKeycard>['counts'];
  charges: () => number;
  keycard: ReturnType<typeof countedKeycard>['keycard'];
  urls: string[];
  errors: unknown[];
}

/** The gate (after `express.json()` unless `parse: false`) in front of a server with {@link TOOLS}. */
async function serve(
  o: { parse?: boolean; gate?: McpOptions; keycard?: Partial<KeycardOptions<string>> } = {},
): Promise<Served> {
  const { keycard, sink, counts, charges } = countedKeycard({
    rateLimit: { read: { limit: 1000, window: 60 }, write: { limit: 1000, window: 60 } },
    ...o.keycard,
  });
  const tools = Object.fromEntries(Object.entries(TOOLS).map(([n, t]) => [n, t.class ? { class: t.class } : {}]));
  const gate = mcpGate(keycard, { tools, onWarning: () => {}, ...o.gate });
  const [urls, errors]: [string[], unknown[]] = [[], []];
  const build = () => {
    const server = new McpServer({ name: 'docs', version: '1.0.0' });
    for (const [name, t] of Object.entries(TOOLS))
      server.registerTool(name, t.hint ? { annotations: { readOnlyHint: true } } : {}, async (extra) => {
        urls.push(String(extra.requestInfo?.url), JSON.stringify(extra.requestInfo?.headers));
        return { content: [{ type: 'text', text: name }] };
      });
    return server;
  };
  const app = express();
  if (o.parse === false) {
    app.use('/mcp', gate, (_req, res) => void res.status(200).json({ reached: 'the transport' }));
  } else {
    mountMcp(app, '/mcp', gate, (created, req) => gate.connect(build(), created, req.keycard));
  }
  app.use(((err, _req, res, _next) => {
    errors.push(err);
    res.status(500).end();
  }) as ErrorRequestHandler);
  const { port, base, close } = await listen(app);
  stops.push(async () => {
    await gate.close();
    await close();
    await keycard.close();
  });
  return { base, port, gate, sink, counts, charges, keycard, urls, errors };
}

/** POSTs one message; answers the status, the policy charged and the whole body. */
async function post(s: Served, token: string, body: unknown, sid?: string, url = '/mcp') {
  const res = await fetch(`${s.base}${url}`, {
    method: 'POST',
    headers: mcpHeaders(token, sid),
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    policy: res.headers.get('ratelimit-policy'),
    sid: res.headers.get('mcp-session-id'),
    text: await res.text(),
  };
}
const READ = '"read";q=1000;w=60';
const WRITE = '"write";q=1000;w=60';

describe('docs/mcp.md "Budgets": what each message is charged to', () => {
  it('initialize, ping, tools/list, notifications, the GET stream and DELETE are reads; a tools/call by its class, else its hint, else a write', async () => {
    const s = await serve();
    const { token } = await s.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const init = await post(s, token, initialize);
    expect([init.status, init.policy]).toEqual([200, READ]);
    const sid = init.sid!;
    const note = await post(s, token, { jsonrpc: '2.0', method: 'notifications/initialized' }, sid);
    expect([note.status, note.policy]).toEqual([202, READ]);
    // Before any tools/list answer: the read-only hint is not known yet, so the scarcer guess.
    expect((await post(s, token, call(2, 'peek'), sid)).policy).toBe(WRITE);
    expect((await post(s, token, call(3, 'cheap'), sid)).policy).toBe(READ); // its class
    expect((await post(s, token, rpc(4, 'ping'), sid)).policy).toBe(READ);
    const list = await post(s, token, rpc(5, 'tools/list'), sid);
    expect(list.policy).toBe(READ);
    expect(list.text).toContain('"readOnlyHint":true');
    const after: Record<string, string | null> = {};
    for (const [i, name] of Object.keys(TOOLS).entries())
      after[name] = (await post(s, token, call(10 + i, name), sid)).policy;
    expect(after).toEqual({ peek: READ, touch: WRITE, forced: WRITE, cheap: READ });
    const stream = new AbortController();
    const get = await fetch(`${s.base}/mcp`, {
      headers: { ...mcpHeaders(token, sid), accept: 'text/event-stream' },
      signal: stream.signal,
    });
    expect([get.status, get.headers.get('ratelimit-policy')]).toEqual([200, READ]);
    stream.abort();
    const del = await fetch(`${s.base}/mcp`, { method: 'DELETE', headers: mcpHeaders(token, sid) });
    await del.text();
    expect([del.status, del.headers.get('ratelimit-policy')]).toEqual([200, READ]);
    // Every request of this walk was charged once, each to the budget its answer names.
    expect(s.charges()).toBe(12);
  });
});

describe('docs/mcp.md: "The body must be parsed before the gate"', () => {
  it('a JSON POST no parser read is KeycardError(invalid_config) before any token is read; nothing reaches the transport', async () => {
    const s = await serve({ parse: false });
    const { token } = await s.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const [lookups, events] = [s.counts.findByHash ?? 0, s.sink.events.length];
    for (const body of [initialize, [call(1, 'touch'), call(2, 'touch')]]) {
      const res = await post(s, token, body);
      expect(res.status).toBe(500); // this app's error handler, not the transport's 200
      expect(res.text).not.toContain('reached');
    }
    expect(s.errors).toHaveLength(2);
    for (const e of s.errors) {
      expect(isKeycardError(e) && e.code).toBe('invalid_config');
      expect((e as Error).message).toBe('mcpGate reads the JSON-RPC message: mount express.json() before it');
    }
    expect([(s.counts.findByHash ?? 0) - lookups, s.charges(), s.sink.events.length - events]).toEqual([0, 0, 0]);
  });
});

describe('docs/mcp.md: the refusals before any token is read', () => {
  it('a batch, a foreign Host and a foreign Origin get Cache-Control: no-store and nosniff, and the refused value is never echoed', async () => {
    const s = await serve();
    const { token } = await s.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const marker = 'rebind-7f3a9c.example';
    const events = s.sink.events.length; // the issue
    const { request } = await import('node:http');
    const send = (headers: Record<string, string>, body: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: s.port,
            method: 'POST',
            path: '/mcp',
            headers: { ...mcpHeaders(token), ...headers },
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const answers = [
      await send({}, JSON.stringify([initialize])),
      await send({ host: `${marker}:${s.port}` }, JSON.stringify(initialize)),
      await send({ origin: `http://${marker}` }, JSON.stringify(initialize)),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 403, 403]);
    for (const a of answers) {
      expect(a.headers).toMatchObject({
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      expect(a.headers).not.toHaveProperty('ratelimit-policy');
      expect(a.body).not.toContain('rebind');
      expect(Object.values(a.headers).join(' ')).not.toContain('rebind');
    }
    expect([s.counts.findByHash ?? 0, s.charges(), s.sink.events.length - events]).toEqual([0, 0, 0]);
  });
});

describe('docs/mcp.md "What handlers see": the secret never enters tool code', () => {
  it('with allowQueryToken, a tool handler’s requestInfo has neither Authorization nor access_token in its URL', async () => {
    const s = await serve({ keycard: { allowQueryToken: true } });
    const { token } = await s.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const viaQuery = async (body: unknown, sid?: string) => {
      const res = await fetch(`${s.base}/mcp?tenant=t1&access_token=${token}`, {
        method: 'POST',
        headers: Object.fromEntries(Object.entries(mcpHeaders(token, sid)).filter(([k]) => k !== 'authorization')),
        body: JSON.stringify(body),
      });
      return { status: res.status, sid: res.headers.get('mcp-session-id'), text: await res.text() };
    };
    const init = await viaQuery(initialize);
    expect(init.status).toBe(200);
    await viaQuery({ jsonrpc: '2.0', method: 'notifications/initialized' }, init.sid!);
    const called = await viaQuery(call(2, 'touch'), init.sid!);
    expect(called.status).toBe(200);
    // And over the header: the header is gone.
    expect((await post(s, token, call(3, 'touch'), init.sid!, '/mcp?tenant=t1')).status).toBe(200);
    expect(s.urls).toHaveLength(4);
    expect(new URL(s.urls[0]!).searchParams.get('tenant')).toBe('t1'); // the rest of the URL is kept
    expect(new URL(s.urls[0]!).searchParams.has('access_token')).toBe(false);
    expect(JSON.parse(s.urls[3]!)).not.toHaveProperty('authorization');
    expect(leaks(s.urls.join('\n'), token)).toBeNull();
  });
});

describe('docs/mcp.md: scopes and sessions follow the token as it changes', () => {
  const scoped = { tools: { touch: { scope: 'tickets:write' }, peek: { scope: 'read' } } };
  const names = (text: string) => [...text.matchAll(/"name":"(\w+)"/g)].map((m) => m[1]).sort();

  it('a token narrowed by update() mid-session loses the tool at the next listing, and its call is a tool error the handler never sees', async () => {
    const s = await serve({ gate: scoped, keycard: { cacheSize: 100 } });
    const { token, record } = await s.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['tickets:write'] });
    const sid = (await post(s, token, initialize)).sid!;
    await post(s, token, { jsonrpc: '2.0', method: 'notifications/initialized' }, sid);
    expect(names((await post(s, token, rpc(2, 'tools/list'), sid)).text)).toEqual(['cheap', 'forced', 'peek', 'touch']);
    expect((await post(s, token, call(3, 'touch'), sid)).text).toContain('"text":"touch"');
    const ran = s.urls.length;
    await s.keycard.update(record.id, { scopes: ['read'] });
    expect(names((await post(s, token, rpc(4, 'tools/list'), sid)).text)).toEqual(['cheap', 'forced', 'peek']);
    const denied = await post(s, token, call(5, 'touch'), sid);
    expect(denied.status).toBe(200);
    expect(denied.text).toContain('"isError":true');
    expect(denied.text).toContain('Token missing scope: tickets:write');
    expect(s.urls).toHaveLength(ran); // the handler did not run
    expect(s.sink.events.filter((e) => e.type === 'request.denied')).toMatchObject([
      { tokenId: record.id, reason: 'insufficient_scope', tool: 'touch', missing: ['tickets:write'] },
    ]);
  });

  it('the rotation of the token that opened a session is refused on it (403, Token not allowed for session <id>); the old one keeps it in its grace', async () => {
    const s = await serve({ gate: scoped });
    const old = await s.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const sid = (await post(s, old.token, initialize)).sid!;
    await post(s, old.token, { jsonrpc: '2.0', method: 'notifications/initialized' }, sid);
    const next = await s.keycard.rotate(old.record.id, { graceMs: 60_000 });
    const refused = await post(s, next.token, rpc(2, 'ping'), sid);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({
      code: 'forbidden_resource',
      detail: `Token not allowed for session ${sid}`,
    });
    expect((await post(s, old.token, rpc(3, 'ping'), sid)).status).toBe(200);
    // After a rotation the client opens a new session, with the new token.
    expect((await post(s, next.token, initialize)).status).toBe(200);
  });
});

describe('docs/mcp.md "DNS rebinding": the default check follows the connection, not the listening address', () => {
  it('listening on every address (app.listen(port)): a forged Host through 127.0.0.1 or ::1 is refused, through a public address it is not checked', async () => {
    const { networkInterfaces } = await import('node:os');
    const { request } = await import('node:http');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i?.family === 'IPv4' && !i.internal)?.address;
    const { keycard } = countedKeycard();
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const app = express();
    const gate = mcpGate(keycard, { onWarning: () => {} });
    app.use('/mcp', express.json(), gate, (_req, res) => void res.json({ reached: true }));
    const server = app.listen(0); // '::', dual-stack: IPv4 peers arrive as ::ffff:a.b.c.d
    await new Promise((r) => server.once('listening', r));
    stops.push(async () => {
      await new Promise((r) => void server.close(() => r(null)));
      await keycard.close();
    });
    const port = (server.address() as { port: number }).port;
    const status = (address: string) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify(rpc(1, 'ping'));
        const req = request(
          {
            host: address,
            port,
            method: 'POST',
            path: '/mcp',
            headers: { ...mcpHeaders(token), host: 'rebound.example' },
          },
          (res) => void res.resume().on('end', () => resolve(res.statusCode!)),
        );
        req.on('error', reject);
        req.end(body);
      });
    expect(await status('127.0.0.1')).toBe(403);
    expect(await status('::1')).toBe(403);
    if (external) expect(await status(external)).toBe(200); // a public server is reached directly anyway
  });
});
