/**
 * What the seeds walks (test/seeds-*.test.ts) and test/mcp-app.ts share: the MCP endpoint of
 * docs/mcp.md (one StreamableHTTPServerTransport per session, opened by `initialize`) on real
 * Express, and a listen on 127.0.0.1 with its origin.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import express, { type Express, type Request, type RequestHandler } from 'express';
import { expressHandler } from '../src/adapters/express.ts';
import { createManagementClient, type ManagementClient } from '../src/client/index.ts';
import { bundleUi, page } from './ui/server.ts';

/**
 * Mounts `gate` and the session-per-transport route at `path`; `connect` binds a new session's
 * transport to a server (`gate.connect(server, transport, req.keycard)`, as docs/mcp.md does).
 */
export function mountMcp(
  app: Express,
  path: string,
  gate: RequestHandler,
  connect: (transport: StreamableHTTPServerTransport, req: Request) => Promise<void>,
  sessions = new Map<string, StreamableHTTPServerTransport>(),
): Map<string, StreamableHTTPServerTransport> {
  app.use(path, express.json(), gate);
  app.all(path, async (req, res) => {
    const sid = req.get('mcp-session-id');
    let transport = sid === undefined ? undefined : sessions.get(sid);
    if (!transport) {
      if (sid !== undefined || !isInitializeRequest(req.body))
        return void res.status(sid === undefined ? 400 : 404).end();
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, created),
      });
      created.onclose = () => void sessions.delete(created.sessionId!);
      await connect(created, req);
      transport = created;
    }
    await transport.handleRequest(req, res, req.body);
  });
  return sessions;
}

/** Listens on 127.0.0.1 and an ephemeral port; `close` stops the server. */
export async function listen(
  app: Express,
): Promise<{ server: Server; base: string; port: number; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => void server.once('listening', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => void server.close(() => r())),
  };
}

/**
 * A walk's app served: its origin, the management client signed in with `sid` (the app's
 * management API at /api/tokens), and `close`, which ends the MCP sessions first (`gate`, if any),
 * then the server, then keycard.
 */
export async function serveWalk(
  app: Express,
  sid: string,
  keycard: { close(): Promise<void> },
  gate?: { close(): Promise<void> },
): Promise<{ base: string; api: ManagementClient; close(): Promise<void> }> {
  const listening = await listen(app);
  const base = listening.base;
  const api = createManagementClient({
    baseUrl: `${base}/api/tokens`,
    headers: { cookie: `sid=${sid}`, origin: base },
  });
  const close = async () => {
    await gate?.close();
    await listening.close();
    await keycard.close();
  };
  return { base, api, close };
}

/**
 * An Express app with the management API (`manage`) at /api/tokens and, at `path`, the settings
 * page: `<keycard-tokens>` with `attrs`, its script bundled from src/ui.
 */
export async function settingsApp(
  manage: (request: globalThis.Request) => Promise<Response>,
  path: string,
  attrs: string,
): Promise<Express> {
  const ui = await bundleUi();
  const app = express();
  app.use('/api/tokens', expressHandler(manage));
  app.get('/assets/keycard-ui.js', (_req, res) => void res.type('js').send(ui));
  app.get(path, (_req, res) => void res.type('html').send(page(attrs)));
  return app;
}
