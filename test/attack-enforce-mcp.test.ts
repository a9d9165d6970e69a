/**
 * The MCP gate's law over generated JSON-RPC bodies, through the real SDK server (McpServer and
 * StreamableHTTPServerTransport) behind mcpGate on Express on 127.0.0.1: a token lacking
 * `tickets:write` never runs `create_ticket`, whatever the message looks like (odd ids,
 * notifications, method-name and tool-name variants, nested or huge params, batches, another
 * token's session), whether sessions are bound with gate.connect or plain server.connect; no
 * answer is a 5xx or echoes the secret.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, stopApps, type App } from './mcp-app.ts';
import { mcpHeaders, rawSession } from './mcp-helpers.ts';

const RUNS = Number(process.env['ATTACK_RUNS'] ?? 100);
afterAll(stopApps);

const ids = fc.constantFrom<unknown>(1, 0, -1, 1.5, 'x', '', null, undefined, {}, [], 'a'.repeat(5000), 2 ** 60);
const methods = fc.constantFrom(
  'tools/call',
  'tools/call',
  'TOOLS/CALL',
  'tools/call ',
  ' tools/call',
  'tools\u0000/call',
  'tools/cal\u200bl',
  'notifications/tools/call',
  'tools/list',
  'ping',
  'constructor',
  '__proto__',
);
const names = fc.constantFrom<unknown>(
  'create_ticket',
  'create_ticket',
  'Create_Ticket',
  'create_ticket ',
  'create_ticket\u0000',
  'create\u200b_ticket',
  ['create_ticket'],
  { toString: 'create_ticket' },
  'list_tickets',
  'constructor',
  '__proto__',
  'hasOwnProperty',
);
const nested = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.string(), tie('tree'), { maxKeys: 3 }),
  ),
})).tree;
const message = fc.record(
  {
    jsonrpc: fc.constantFrom<unknown>('2.0', '2.0', '1.0', 2),
    id: ids,
    method: methods,
    params: fc.record(
      {
        name: names,
        arguments: fc.oneof(fc.constant({ company: 'c1', project: 'p1' }), nested),
        _meta: nested,
        task: fc.constant({ ttl: 1000 }),
      },
      { requiredKeys: ['name'] },
    ),
  },
  { requiredKeys: ['method', 'params'] },
);
const bodies = fc.oneof(
  { weight: 4, arbitrary: message.map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.array(message, { minLength: 1, maxLength: 3 }).map((m) => JSON.stringify(m)) },
  {
    weight: 1,
    // The same message with a duplicated key: JSON.parse keeps the last, for the gate and the SDK alike.
    arbitrary: message.map((m) =>
      JSON.stringify(m)
        .replace('"method":', '"method":"ping","method":')
        .replace('"name":', '"name":"list_tickets","name":'),
    ),
  },
);
const sessionChoice = fc.constantFrom('own', 'own', 'other', 'none', 'garbage');
const contentTypes = fc.constantFrom(
  'application/json',
  'application/json',
  'Application/JSON; charset=utf-8',
  'application/json;',
  'text/plain',
  'application/json-rpc',
);

for (const bind of ['gate', 'server'] as const) {
  describe(`sessions bound with ${bind === 'gate' ? 'gate.connect' : 'server.connect'}`, () => {
    let app: App;
    let reader: string;
    let own: string;
    let other: string;
    let writer: string;
    beforeAll(async () => {
      app = await start({}, bind);
      reader = (await app.keycard.issue({ ownerId: 'u1', label: 'reader', scopes: ['read'] })).token;
      writer = (await app.keycard.issue({ ownerId: 'u2', label: 'writer', scopes: ['tickets:write'] })).token;
      own = await rawSession(app.base, reader);
      other = await rawSession(app.base, writer);
    });

    it('the control: the writer runs create_ticket with the plain message', async () => {
      const before = app.writes();
      const res = await fetch(`${app.base}/mcp`, {
        method: 'POST',
        headers: mcpHeaders(writer, other),
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: { name: 'create_ticket', arguments: { company: 'c1', project: 'p1' } },
        }),
      });
      expect(res.status).toBe(200);
      await res.text();
      expect(app.writes()).toBe(before + 1);
    });

    it(`a reader never runs create_ticket: ${RUNS} generated messages`, async () => {
      await fc.assert(
        fc.asyncProperty(bodies, sessionChoice, contentTypes, async (body, session, type) => {
          const sid = { own, other, none: undefined, garbage: 'x'.repeat(40) }[session];
          const before = app.writes();
          const res = await fetch(`${app.base}/mcp`, {
            method: 'POST',
            headers: { ...mcpHeaders(reader, sid), 'content-type': type },
            body,
          });
          const text = await res.text();
          const context = `${res.status} ${session} ${type} ${body.slice(0, 300)}`;
          expect(res.status, context).toBeLessThan(500);
          expect(text, context).not.toContain(reader.slice(8));
          expect(app.writes(), context).toBe(before);
        }),
        { numRuns: RUNS },
      );
    });
  });
}

/**
 * Sends `name(token)` as a tool name or a JSON-RPC method over a real session; answers the audit
 * trail (flushed) as JSON and the token.
 */
async function auditOfName(field: 'tool' | 'method', name: (token: string) => string) {
  const app = await start({}, 'gate');
  const token = (await app.keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] })).token;
  const sid = await rawSession(app.base, token);
  const hidden = name(token);
  const message =
    field === 'tool'
      ? { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: hidden, arguments: {} } }
      : { jsonrpc: '2.0', id: 9, method: hidden, params: {} };
  const res = await fetch(`${app.base}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(token, sid),
    body: JSON.stringify(message),
  });
  expect(res.status).toBeLessThan(500);
  await res.text();
  await app.keycard.close(); // flushes the audit trail
  return { events: JSON.stringify(app.sink.events), token, length: hidden.length };
}

describe('a client-sent tool or method name is masked before it is cut', () => {
  // The audit keeps 128 characters of a name: cut first, a token ending past them loses only
  // its last checksum character, and the rest (the whole secret body) stays unmasked.
  it.each(['tool', 'method'] as const)(
    'a token at the end of a long %s name never reaches the audit',
    async (field) => {
      const { events, token } = await auditOfName(field, (t) => `${'x'.repeat(128 - t.length + 1)}${t}`);
      expect(events).toContain(field === 'tool' ? '"tool":"xx' : '"rpcMethod":"xx');
      expect(events).not.toContain(token.slice(8, -1));
    },
  );

  // Masking 100 KB cost ~20 ms of CPU per request before authentication: a name past 1,024
  // characters (MCP names have at most 128) is recorded by its length, never scanned.
  it.each(['tool', 'method'] as const)('a 100 KB %s name is recorded as its length, no part of it', async (field) => {
    const { events, token, length } = await auditOfName(field, (t) => `${'x'.repeat(50_000)}${t}${'y'.repeat(50_000)}`);
    const key = field === 'tool' ? 'tool' : 'rpcMethod';
    expect(events).toContain(`"${key}":"[name of ${length} characters]"`);
    expect(events).not.toContain(token.slice(8, -1));
    expect(events).not.toContain('xxxx');
  });
});
