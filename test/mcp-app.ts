/**
 * The MCP app of test/mcp-fail.test.ts and test/mcp-foreign.test.ts: a tickets MCP server
 * (the SDK's McpServer and StreamableHTTPServerTransport) behind mcpGate on real Express,
 * listening on 127.0.0.1, with counting store and limiter and a memory audit sink.
 */
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { Keycard, KeycardOptions, memoryAuditSink, RequestAuditEvent } from '../src/index.ts';
import { identityOf, mcpGate, type McpOptions } from '../src/adapters/mcp/index.ts';
import { countedKeycard } from './mcp-helpers.ts';
import { listen, mountMcp } from './seeds-fixture.ts';

export interface App {
  keycard: Keycard;
  base: string;
  port: number;
  sink: ReturnType<typeof memoryAuditSink>;
  lookups: () => number;
  charges: () => number;
  writes: () => number;
  sessions: Map<string, StreamableHTTPServerTransport>;
  stop(): Promise<void>;
}
const apps: App[] = [];

/** Stops every app `start` started (afterAll). */
export async function stopApps(): Promise<void> {
  for (const a of apps.splice(0)) await a.stop();
}

/**
 * A tickets MCP server behind mcpGate; `bind: 'server'` connects sessions with server.connect, as
 * an app might; `foreign: 'next'` sets `onForeignToken`; `more` adds keycard options (a clock,
 * `onAuthFailure`).
 */
export async function start(
  gateOptions: McpOptions = {},
  bind: 'gate' | 'server' = 'gate',
  foreign?: 'next',
  more: Partial<KeycardOptions<string>> = {},
): Promise<App> {
  const { keycard, sink, counts, charges } = countedKeycard({
    resources: ['company', 'project'],
    ...(foreign && { onForeignToken: foreign }),
    ...more,
  });
  let writes = 0;
  const gate = mcpGate(keycard, {
    tools: { list_tickets: { scope: 'read', class: 'read' }, create_ticket: { scope: 'tickets:write' } },
    onWarning: () => {}, // no settings page here: the warning is test/mcp-gate.test.ts's
    ...gateOptions,
  });
  const build = () => {
    const server = new McpServer({ name: 'tickets', version: '1.0.0' });
    server.registerTool('list_tickets', { annotations: { readOnlyHint: true } }, async () => ({
      content: [{ type: 'text', text: '[]' }],
    }));
    server.registerTool(
      'create_ticket',
      { inputSchema: { company: z.string(), project: z.string() } },
      async ({ company, project }, extra) => {
        identityOf(extra)!.assert({ company, project }, 'write'); // a throw becomes a tool error
        writes++;
        return { content: [{ type: 'text', text: 'created' }] };
      },
    );
    return server;
  };
  const app = express();
  const sessions = mountMcp(app, '/mcp', gate, async (created, req) => {
    if (bind === 'gate') await gate.connect(build(), created, req.keycard);
    else await build().connect(created);
  });
  const { server, port } = await listen(app);
  const a: App = {
    keycard,
    port,
    sink,
    sessions,
    base: `http://127.0.0.1:${port}`,
    lookups: () => counts.findByHash ?? 0,
    charges,
    writes: () => writes,
    async stop() {
      await gate.close();
      await new Promise((r) => server.close(r));
      await keycard.close();
    },
  };
  apps.push(a);
  return a;
}

/** The app's request events, in order. */
export const requestEvents = (a: App) =>
  a.sink.events.filter((e): e is RequestAuditEvent => e.type === 'request.allowed' || e.type === 'request.denied');
