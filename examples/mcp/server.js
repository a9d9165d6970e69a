// keycard for REST and MCP side by side: one keycard instance, one token, one code path. The same
// tickets API is served as REST routes (keycard/express) and as MCP tools over Streamable HTTP
// (keycard/mcp, the official SDK). Revoking a token shuts it out of both at once, and closes its
// MCP sessions and their open streams.
//
//   npm start          # PORT (default 3003), PUBLIC_URL, AUDIT=0; prints demo tokens, curl lines and an MCP client config
//
// `createApp()` builds everything without listening, so tests can start it on port 0.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { STATUS_CODES } from 'node:http';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { createKeycard, jsonLinesSink } from 'keycard';
import { expressGuard, expressHandler, keycardErrorHandler } from 'keycard/express';
import { identityOf, mcpGate, mcpVerifier } from 'keycard/mcp';
// The tickets app, keycard's scopes and limits, the demo tokens and the demo session, as in every
// example: ../shared, the package @keycard-examples/shared.
import { issueDemoTokens, keycardOptions } from '@keycard-examples/shared/config';
import { createData, pathOfCompany, pathOfTicket } from '@keycard-examples/shared/data';
import { demoPages } from '@keycard-examples/shared/demo-pages';
import { demoManagement, sessionTryLines } from '@keycard-examples/shared/demo-session';

export { scopes } from '@keycard-examples/shared/config';

/** What each MCP tool needs: the gate charges, audits and enforces it; tools/list hides what a token lacks. */
export const TOOL_RULES = {
  list_tickets: { scope: 'read' }, // readOnlyHint: true below ⇒ charged as a read
  create_ticket: { scope: 'tickets:write' },
  comment: { scope: 'comments' },
  assign: { scope: 'tickets:assign' },
};

class AppError extends Error {
  constructor(status, title, message) {
    super(message);
    this.status = status;
    this.title = title;
  }
}
const notFound = (what) => new AppError(404, 'Not Found', `No ${what}`);
const badRequest = (message) => new AppError(400, 'Bad Request', message);

/**
 * The operations, shared by the REST routes and the MCP tools so both doors behave alike.
 * `me` is keycard's identity; `assert` throws a KeycardError (403 on REST, a tool error on MCP).
 */
function operations(db, via) {
  const ticketOf = (id) =>
    db.findTicket(id) ??
    (() => {
      throw notFound(`ticket ${id}`);
    })();
  return {
    listTickets: (me, { company, project } = {}) =>
      me
        .filter(db.tickets, pathOfTicket)
        .filter((t) => (!company || t.companyId === company) && (!project || t.projectId === project)),
    createTicket(me, { company, project, title }) {
      me.assert({ company, project }, 'write'); // before the lookup: no existence leak
      const p = db.findProject(company, project);
      if (!p) throw notFound(`project ${project} in company ${company}`);
      return db.createTicket(p, title, me, via);
    },
    comment(me, { ticket, body }) {
      const t = ticketOf(ticket);
      me.assert(pathOfTicket(t), 'write');
      return db.addComment(t, body, me, via);
    },
    assign(me, { ticket, assignee }) {
      const t = ticketOf(ticket);
      me.assert(pathOfTicket(t), 'write');
      if (assignee !== null && !db.users.has(assignee))
        throw badRequest('assignee must be a user id (u_jason, u_maria, u_priya) or null');
      return db.assign(t, assignee, me, via);
    },
  };
}

/** One MCP server per session, its tools mirroring the REST routes. */
function mcpServer(db, onToolCall) {
  const ops = operations(db, 'MCP');
  const server = new McpServer({ name: 'toado-tickets', version: '1.0.0' });
  const tool = (name, config, run) =>
    server.registerTool(name, config, async (args, extra) => {
      onToolCall?.(name, args, extra);
      try {
        const value = run(identityOf(extra), args);
        return { content: [{ type: 'text', text: JSON.stringify(value) }] };
      } catch (e) {
        // App errors and restriction denials become tool errors the model can read.
        return { content: [{ type: 'text', text: e.message }], isError: true };
      }
    });
  const id = z.string().min(1).max(64);
  tool(
    'list_tickets',
    {
      description: 'List the tickets this token may read',
      inputSchema: { company: id.optional(), project: id.optional() },
      annotations: { readOnlyHint: true },
    },
    ops.listTickets,
  );
  tool(
    'create_ticket',
    {
      description: 'Create a ticket in a project',
      inputSchema: { company: id, project: id, title: z.string().trim().min(1).max(200) },
    },
    ops.createTicket,
  );
  tool(
    'comment',
    { description: 'Comment on a ticket', inputSchema: { ticket: id, body: z.string().trim().min(1).max(5000) } },
    ops.comment,
  );
  tool(
    'assign',
    { description: 'Assign a ticket (null unassigns)', inputSchema: { ticket: id, assignee: id.nullable() } },
    ops.assign,
  );
  return server;
}

/**
 * Builds the app and its keycard without listening.
 *
 * @param {object} [options]
 * @param {object} [options.keycard] createKeycard options overriding the example's (store, audit, cacheSize…)
 * @param {(line: string) => void} [options.log] where log and audit lines go (default stdout)
 * @param {(name: string, args: unknown, extra: unknown) => void} [options.onToolCall] sees every tool call (tracing, tests)
 * @param {string} [options.publicUrl] the origin clients know the server by (metadata URLs)
 */
export function createApp({
  keycard: overrides = {},
  log = (line) => console.log(line),
  onToolCall,
  publicUrl = `http://127.0.0.1:${process.env.PORT ?? 3003}`,
} = {}) {
  const db = createData();
  const keycard = createKeycard({
    ...keycardOptions,
    audit: jsonLinesSink((line) => log(`audit ${line.trimEnd()}`)),
    // API keys only (no authorization server): a client without a token is told where to make one,
    // in the 401's challenge and problem detail, instead of being sent to OAuth discovery.
    settingsUrl: `${publicUrl}/settings/tokens`,
    ...overrides,
  });
  const app = express();
  app.disable('x-powered-by');
  const problem = (res, status, title, detail) =>
    res
      .status(status)
      .type('application/problem+json')
      .send(JSON.stringify({ type: 'about:blank', title, status, detail }));

  // ── REST: /api/v1 ── bodies are parsed after the guard, so anonymous requests never reach the parser.
  const guard = expressGuard(keycard);
  const json = express.json({ limit: '16kb' });
  const ops = operations(db, 'API');
  const api = express.Router();
  api.get('/companies', guard({ scope: 'read' }), (req, res) =>
    res.json({ companies: req.keycard.filter(db.companies, pathOfCompany) }),
  );
  api.get('/tickets', guard({ scope: 'read' }), (req, res) =>
    res.json({ tickets: ops.listTickets(req.keycard, req.query) }),
  );
  api.post('/companies/:company/projects/:project/tickets', guard({ scope: 'tickets:write' }), json, (req, res) => {
    const title = typeof req.body?.title === 'string' ? req.body.title.trim() : '';
    if (!title || title.length > 200) throw badRequest('title must be 1 to 200 characters');
    res.status(201).json({ ticket: ops.createTicket(req.keycard, { ...req.params, title }) });
  });
  api.post('/tickets/:ticket/comments', guard({ scope: 'comments' }), json, (req, res) => {
    const body = typeof req.body?.body === 'string' ? req.body.body.trim() : '';
    if (!body || body.length > 5000) throw badRequest('body must be 1 to 5000 characters');
    res.status(201).json({ comment: ops.comment(req.keycard, { ticket: req.params.ticket, body }) });
  });
  api.post('/tickets/:ticket/assign', guard({ scope: 'tickets:assign' }), json, (req, res) => {
    res.json({ ticket: ops.assign(req.keycard, { ticket: req.params.ticket, assignee: req.body?.assignee ?? null }) });
  });
  app.use('/api/v1', api);

  // ── Settings → API tokens: the management API (with the device login routes) behind the demo
  // session, the demo sign-in and the settings page (../shared/demo-session.js, demo-pages.js). Revoking a token
  // there shuts it out of REST and MCP alike.
  app.use('/api/tokens', expressHandler(demoManagement(keycard)));
  app.get(
    ['/demo/login', '/settings/tokens', '/assets/keycard/:file'],
    expressHandler(async (request) => (await demoPages(request)) ?? new Response('Not Found', { status: 404 })),
  );

  // ── MCP: /mcp ── API keys only: no authorization server, so no RFC 9728 metadata (a client
  // that finds OAuth discovery drops its configured header); the 401 says where to create a token
  // instead (`settingsUrl` above). docs/mcp.md shows dual mode, with OAuth beside keycard tokens.
  const gate = mcpGate(keycard, { tools: TOOL_RULES });
  const sessions = new Map(); // mcp-session-id → transport
  // The JSON body is parsed before the gate (it reads the JSON-RPC method and tool); 64 kB at most.
  // The SDK's own bearer middleware may sit behind the gate: it reuses the gate's verification.
  app.use(
    '/mcp',
    express.json({ limit: '64kb' }),
    gate,
    requireBearerAuth({ verifier: mcpVerifier(keycard), requiredScopes: ['read'] }),
  );
  app.all('/mcp', async (req, res) => {
    const sid = req.get('mcp-session-id');
    let transport = sid === undefined ? undefined : sessions.get(sid);
    if (!transport) {
      if (sid !== undefined)
        return res
          .status(404)
          .json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
      if (req.method !== 'POST' || !isInitializeRequest(req.body))
        return res
          .status(400)
          .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Start a session with initialize' }, id: null });
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, created),
      });
      created.onclose = () => void sessions.delete(created.sessionId);
      // Instead of server.connect(transport): binds the session to this token (see docs/mcp.md).
      await gate.connect(mcpServer(db, onToolCall), created, req.keycard);
      transport = created;
    }
    await transport.handleRequest(req, res, req.body);
  });

  app.use((req, res) => problem(res, 404, 'Not Found', `No route ${req.method} ${req.path}`));
  app.use(keycardErrorHandler(keycard)); // restriction denials raised in REST handlers → 403
  app.use((err, req, res, _next) => {
    if (err instanceof AppError) return problem(res, err.status, err.title, err.message);
    if (err?.type === 'entity.parse.failed') return problem(res, 400, 'Bad Request', 'The body is not valid JSON');
    if (err?.status === 413) return problem(res, 413, 'Content Too Large', 'The body is too large');
    // Any other body the parser refuses (a charset or content encoding it does not support, a broken
    // gzip stream) is the client's fault too: its 4xx, never a 500.
    if (err?.expose && err.status >= 400 && err.status < 500)
      return problem(res, err.status, STATUS_CODES[err.status] ?? 'Bad Request', err.message);
    log(`error ${err?.name ?? 'Error'}: ${err?.message ?? err}`);
    problem(res, 500, 'Internal Server Error', 'Something went wrong');
  });

  /** Listens on host:port (0 = any free port); `stop()` ends MCP sessions, the server and keycard. */
  async function start({ port = 0, host = '127.0.0.1' } = {}) {
    const server = app.listen(port, host);
    await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
    const url = `http://${host}:${server.address().port}`;
    let stopped;
    const stop = () =>
      (stopped ??= (async () => {
        await gate.close(); // closes open SSE streams, or server.close() would wait for them
        await new Promise((resolve) => server.close(resolve));
        await keycard.close();
      })());
    return { url, server, stop };
  }

  return {
    app,
    keycard,
    gate,
    /** Issues the demo tokens (the secrets are returned once). */
    issueDemoTokens: () => issueDemoTokens(keycard),
    start,
  };
}

/** The MCP client configuration a user pastes (Claude Desktop/Code, Cursor, VS Code use this shape). */
export const clientConfig = (url, token) => ({
  mcpServers: { toado: { type: 'http', url: `${url}/mcp`, headers: { Authorization: `Bearer ${token}` } } },
});

async function main() {
  const { start, issueDemoTokens } = createApp({
    log: process.env.AUDIT === '0' ? () => {} : undefined,
    publicUrl: process.env.PUBLIC_URL,
  });
  const issued = await issueDemoTokens();
  const { url, stop } = await start({ port: Number(process.env.PORT ?? 3003) });
  const out = [
    '',
    'keycard example: one token for the tickets REST API and its MCP server',
    '',
    'Demo tokens (a real app shows a token once, to its owner). Paste into your shell:',
    '',
  ];
  for (const { env, token, record } of issued) {
    out.push(
      `export ${env}='${token}'`,
      `#   ${record.label} · scopes ${record.scopes.join(', ')}${record.restrictions ? ' · project p1 only' : ''}`,
    );
  }
  out.push(
    '',
    'REST:',
    `curl -i ${url}/api/v1/tickets -H "Authorization: Bearer $TRIAGE"`,
    `curl -i -X POST ${url}/api/v1/tickets/t1/comments -H "Authorization: Bearer $SLACK_BOT" -H 'Content-Type: application/json' -d '{"body":"Seen again"}'`,
    '',
    'Settings → API tokens, behind a demo session:',
    ...sessionTryLines(url),
    `Or open ${url}/demo/login?as=u_jason in a browser: it signs you in and opens ${url}/settings/tokens.`,
    '',
    'MCP (Streamable HTTP): give your client the token in a header, e.g.',
    JSON.stringify(clientConfig(url, '<paste $TRIAGE here>'), null, 2),
    '',
    `Listening on ${url} (Ctrl-C to stop)`,
    '',
  );
  process.stdout.write(out.join('\n') + '\n');
  const shutdown = (signal) => {
    console.log(`${signal}: closing`);
    setTimeout(() => process.exit(1), 5000).unref();
    void stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
