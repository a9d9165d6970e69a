/**
 * Issue 11, items 1, 10 (MCP sessions) and 15: the MCP gate fails closed. JSON-RPC batches are
 * refused; a rebound Host/Origin is refused before any token is read; a restriction denial inside
 * a tool is audited as a denial; a token's sessions are capped and idle ones closed. Driven by
 * the SDK's own Client and StreamableHTTPClientTransport against real Express on 127.0.0.1 (the
 * app: test/mcp-app.ts; another issuer's token on a bound session: test/mcp-foreign.test.ts).
 */
import { request as httpRequest } from 'node:http';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, isKeycardError } from '../src/index.ts';
import { mcpGate, mcpVerifier, type McpOptions } from '../src/adapters/mcp/index.ts';
import { coreSays, coreWrongType, expectConfigError } from './config-errors.ts';
import { toadoScopes } from './helpers.ts';
import { requestEvents, start, stopApps, type App } from './mcp-app.ts';
import { expectedWarning, mcpClient, mcpHeaders, rawSession, until } from './mcp-helpers.ts';

const closers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const c of closers) await c.close().catch(() => {});
  await stopApps();
});
const call = (id: number, name: string, args: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});
async function connect(a: App, token: string) {
  const c = await mcpClient(a.base, token, []);
  closers.push(c.client);
  return c;
}

/** A POST with any Host (fetch cannot set one). */
function post(
  port: number,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string; nosniff: string | string[] | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/mcp',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode!, body: text, nosniff: res.headers['x-content-type-options'] }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('item 1: JSON-RPC batches are refused with 400 and a JSON-RPC error, before anything runs', () => {
  for (const bind of ['gate', 'server'] as const) {
    it(`a batch of 30 tools/call writes nothing, charges nothing, audits nothing (session from ${bind}.connect)`, async () => {
      const a = await start({}, bind);
      const { token } = await a.keycard.issue({ ownerId: 'u1', label: 'writer', scopes: ['tickets:write'] });
      const reader = await a.keycard.issue({ ownerId: 'u1', label: 'reader', scopes: ['read'] });
      for (const t of [token, reader.token]) {
        const sid = await rawSession(a.base, t);
        const [lookups, charges, events, writes] = [a.lookups(), a.charges(), a.sink.events.length, a.writes()];
        const batch = Array.from({ length: 30 }, (_, i) =>
          call(i + 10, 'create_ticket', { company: 'c1', project: 'p1' }),
        );
        const res = await fetch(`${a.base}/mcp`, {
          method: 'POST',
          headers: mcpHeaders(t, sid),
          body: JSON.stringify(batch),
        });
        expect(res.status).toBe(400);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(await res.json()).toEqual({
          jsonrpc: '2.0',
          error: { code: -32600, message: 'JSON-RPC batches are not accepted: send one message per request' },
          id: null,
        });
        expect(a.writes()).toBe(writes);
        expect([a.lookups() - lookups, a.charges() - charges, a.sink.events.length - events]).toEqual([0, 0, 0]);
        // The same call alone is checked: the reader gets its 403 (server.connect) or tool error (gate.connect).
        const alone = await fetch(`${a.base}/mcp`, {
          method: 'POST',
          headers: mcpHeaders(t, sid),
          body: JSON.stringify(call(99, 'create_ticket', { company: 'c1', project: 'p1' })),
        });
        await alone.text();
        expect(alone.status).toBe(t === token ? 200 : bind === 'server' ? 403 : 200);
      }
      expect(a.writes()).toBe(1); // the writer's single call
    });
  }
});

describe('item 15: Host and Origin allow-lists (DNS rebinding), before any token is read', () => {
  it('on loopback by default: only localhost names; a forged Host or Origin gets 403 with no lookup and no event', async () => {
    const a = await start();
    const { token } = await a.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const h = { ...mcpHeaders(token), host: `127.0.0.1:${a.port}` };
    for (const forged of <Record<string, string>[]>[
      { host: `evil.example:${a.port}` },
      { host: 'localhost.evil.example' },
      { host: 'user@localhost' },
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: `http://127.0.0.1.evil.example:${a.port}` },
    ]) {
      const [lookups, events] = [a.lookups(), a.sink.events.length];
      const res = await post(a.port, { ...h, ...forged }, initialize);
      expect(res.status, JSON.stringify(forged)).toBe(403);
      expect(res.nosniff).toBe('nosniff');
      expect(JSON.parse(res.body)).toMatchObject({
        jsonrpc: '2.0',
        error: { code: -32000, message: forged.host === undefined ? 'Origin not allowed' : 'Host not allowed' },
        id: null,
      });
      expect([a.lookups() - lookups, a.sink.events.length - events]).toEqual([0, 0]);
    }
    for (const ok of <Record<string, string>[]>[
      { host: `localhost:${a.port}` },
      { host: `[::1]:${a.port}` },
      { origin: `http://localhost:${a.port}` },
      { origin: 'https://127.0.0.1' },
      {},
    ]) {
      expect((await post(a.port, { ...h, ...ok }, initialize)).status, JSON.stringify(ok)).toBe(200);
    }
  });

  it('allowedHosts / allowedOrigins replace the default; "any" turns a check off', async () => {
    const a = await start({
      allowedHosts: ['mcp.example', 'api.example:8443'],
      allowedOrigins: ['https://app.example'],
    });
    const { token } = await a.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const status = async (extra: Record<string, string>) =>
      (await post(a.port, { ...mcpHeaders(token), ...extra }, initialize)).status;
    expect(await status({ host: 'mcp.example' })).toBe(200);
    expect(await status({ host: 'MCP.example:443' })).toBe(200);
    expect(await status({ host: 'api.example:8443' })).toBe(200);
    expect(await status({ host: 'api.example' })).toBe(403);
    expect(await status({ host: `127.0.0.1:${a.port}` })).toBe(403);
    expect(await status({ host: 'mcp.example', origin: 'https://app.example' })).toBe(200);
    expect(await status({ host: 'mcp.example', origin: 'http://localhost' })).toBe(403);
    const open = await start({ allowedHosts: 'any', allowedOrigins: 'any' });
    const t = (await open.keycard.issue({ ownerId: 'u1', label: 'x', scopes: ['read'] })).token;
    expect(
      (await post(open.port, { ...mcpHeaders(t), host: 'evil.example', origin: 'http://evil.example' }, initialize))
        .status,
    ).toBe(200);
  });
});

describe('item 15: a restriction denial inside a tool is audited as a denial, as over REST', () => {
  it('identityOf(extra).assert throwing forbidden_resource gives a request.denied event with the tool name', async () => {
    const a = await start();
    const { token, record } = await a.keycard.issue({
      ownerId: 'u1',
      label: 'agent',
      scopes: ['tickets:write'],
      restrictions: { company: ['c1'], project: ['p1'] },
    });
    const { client } = await connect(a, token);
    const r = await client.callTool({ name: 'create_ticket', arguments: { company: 'c1', project: 'p2' } });
    expect(r).toMatchObject({ isError: true, content: [{ text: 'Token not allowed for project p2' }] });
    const denial = await until(
      () => requestEvents(a).find((e) => e.tokenId === record.id && e.type === 'request.denied'),
      'the denial event',
    );
    expect(denial).toMatchObject({
      surface: 'mcp',
      rpcMethod: 'tools/call',
      tool: 'create_ticket',
      reason: 'forbidden_resource',
    });
    expect(
      (await client.callTool({ name: 'create_ticket', arguments: { company: 'c1', project: 'p1' } })).isError,
    ).toBeFalsy();
    expect(requestEvents(a).filter((e) => e.tokenId === record.id && e.type === 'request.denied')).toHaveLength(1);
  });
});

describe('item 10: MCP sessions are capped per token and closed when idle', () => {
  it('by default 16 sessions per token: the 17th closes the least recently used one (SDK clients)', async () => {
    const a = await start();
    const { token } = await a.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const other = await a.keycard.issue({ ownerId: 'u1', label: 'other', scopes: ['read'] });
    const theirs = await connect(a, other.token);
    const clients = [];
    for (let i = 0; i < 16; i++) clients.push((await connect(a, token)).client);
    await clients[0]!.listTools(); // now clients[1] is the least recently used
    clients.push((await connect(a, token)).client);
    await expect(clients[1]!.listTools()).rejects.toMatchObject({ code: 404 });
    await until(() => a.sessions.size === 17, '16 sessions of the token and 1 of the other');
    for (const c of [clients[0]!, clients[2]!, clients[16]!, theirs.client])
      expect((await c.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('maxSessionsPerToken: 1 keeps only the newest session', async () => {
    const a = await start({ maxSessionsPerToken: 1 });
    const { token } = await a.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const first = await connect(a, token);
    const second = await connect(a, token);
    await expect(first.client.listTools()).rejects.toMatchObject({ code: 404 });
    expect((await second.client.listTools()).tools.length).toBe(1);
  });

  it('sessionIdleSeconds: a session with no request for that long is closed (SDK client, real clock)', async () => {
    const a = await start({ sessionIdleSeconds: 1 });
    const { token } = await a.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const { client } = await connect(a, token);
    expect((await client.listTools()).tools.length).toBe(1);
    const sid = [...a.sessions.keys()][0]!;
    await until(() => !a.sessions.has(sid), 'the idle session to close', 10_000);
    await expect(client.listTools()).rejects.toMatchObject({ code: 404 });
  });

  it('options are validated once: unknown keys and bad values throw invalid_config naming each field', async () => {
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes() });
    const thrown = (o: unknown) => {
      try {
        mcpGate(kc, { onWarning: expectedWarning, ...(o as McpOptions) });
      } catch (e) {
        return isKeycardError(e) ? `${e.code}: ${e.message}` : String(e);
      }
      return 'no throw';
    };
    expect(thrown({ maxSessionsPerToken: 0, sessionIdleSeconds: 'x' })).toMatch(
      /^invalid_config: .*maxSessionsPerToken.*sessionIdleSeconds/,
    );
    expect(thrown({ allowedHost: ['x'] })).toMatch(/mcpGate: allowedHost: unknown option/);
    expect(thrown({ allowedOrigins: 'all' })).toMatch(/allowedOrigins/);
    expect(thrown({})).toBe('no throw');
    // A tool's scope nested in itself: named at start, as the guards' requirements are, not a RangeError.
    const cycle: { anyOf: unknown[] } = { anyOf: ['read'] };
    cycle.anyOf.push(cycle);
    expect(thrown({ tools: { list_tickets: { scope: cycle } } })).toBe(
      'invalid_config: scope: more than 64 allOf/anyOf groups, or one nested in itself',
    );
    await kc.close();
  });

  it("bad options are one error in the core's wording, naming every bad field, quoting no secret", async () => {
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes() });
    const secret = 'acme_sk_secretsecretsecret';
    const options = {
      onWarning: expectedWarning,
      recheckSeconds: 'soon',
      maxSessionsPerToken: 0,
      token: secret,
      allowedHost: ['x'],
    };
    await expectConfigError(() => mcpGate(kc, options as never), {
      where: 'mcpGate',
      invalid: ['recheckSeconds', 'maxSessionsPerToken'],
      unknown: ['token', 'allowedHost'],
      secrets: [secret],
      message: [
        `mcpGate: ${coreWrongType('recheckSeconds', 'soon', 'number')}`,
        'maxSessionsPerToken: Too small: expected number to be >=1',
        coreSays({ token: secret, allowedHost: 1 }),
      ].join('; '),
    });
    // mcpVerifier reads only recheckSeconds, and names itself.
    await expectConfigError(() => mcpVerifier(kc, { recheckSeconds: 0, token: secret } as never), {
      where: 'mcpVerifier',
      invalid: ['recheckSeconds'],
      unknown: ['token'],
      secrets: [secret],
      message: `mcpVerifier: recheckSeconds: Too small: expected number to be >=1; ${coreSays({ token: 1 })}`,
    });
    await kc.close();
  });
});
