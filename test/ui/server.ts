/**
 * A real Hono server for the settings-page tests: a memory keycard (fake clock, audit kept for
 * the activity screen), the management handler mounted at /api/tokens behind a demo session
 * cookie, a keycard-guarded API route to call with the tokens the page creates, and the page at
 * /settings/tokens loading `<keycard-tokens>` bundled from src/ui by esbuild. A second handler at
 * /api/team-tokens (another account, the same session) lets a test switch `base-path`, and
 * `files` adds pages and scripts of the caller's (the framework apps of frameworks.test.ts).
 */
import { serve } from '@hono/node-server';
import { build } from 'esbuild';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Server } from 'node:http';
import { expressGuard, expressHandler } from '../../src/adapters/express.ts';
import { honoGuard } from '../../src/adapters/hono.ts';
import {
  createKeycard,
  createManagementHandler,
  defineScopes,
  memoryAuditSink,
  type AuditEvent,
  type UserActor,
} from '../../src/index.ts';
import { fakeClock } from '../../src/testing/index.ts';

const USER: UserActor = {
  kind: 'user',
  id: 'u_jason',
  scopes: ['read', 'comments', 'tickets:write', 'tickets:assign'],
};
const TEAM: UserActor = { ...USER, id: 'u_team' };
const SESSION = 'demo-session-u_jason';

let bundled: Promise<string> | undefined;
/** The element and the client, bundled and minified as an integrator's bundler would (once per process). */
export function bundleUi(): Promise<string> {
  return (bundled ??= bundle());
}

async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../../src/ui/index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    write: false,
  });
  return out.outputFiles[0]!.text;
}

export const page = (attrs = 'base-path="/api/tokens"') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Settings · API tokens</title>
<style>body{margin:0;background:#f0f2f5;font-family:system-ui,sans-serif}main{max-width:52em;margin:0 auto;padding:2em 1em}
@media (prefers-color-scheme:dark){body{background:#010409}}</style>
<script type="module" src="/assets/keycard-ui.js"></script></head>
<body><main><keycard-tokens ${attrs}></keycard-tokens></main></body></html>`;

/** Extra paths the Hono server answers for signed-in requests: path → [content type, body]. */
export type Files = Record<string, readonly [type: string, body: string]>;

/** Starts the server (Hono on @hono/node-server, or Express 5) on 127.0.0.1 and an ephemeral port. */
export async function startServer(framework: 'hono' | 'express' = 'hono', files: Files = {}) {
  const clock = fakeClock(Date.now());
  const sink = memoryAuditSink();
  const keycard = createKeycard({
    prefix: 'toado',
    scopes: defineScopes(
      {
        read: { description: 'Read companies, projects, tickets and comments' },
        comments: { implies: ['read'], description: 'Post comments' },
        'tickets:write': { implies: ['read', 'comments'], description: 'Create and edit tickets' },
        'tickets:assign': { implies: ['read'], description: 'Assign people to tickets' },
      },
      {
        defaults: ['read'],
        presets: {
          'Read-only dashboard': ['read'],
          'Slack bot': ['comments'],
          'Triage agent': ['tickets:write', 'tickets:assign'],
        },
      },
    ),
    resources: ['company', 'project'],
    clock,
    audit: [sink],
  });
  const manage = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    authorize: (req) => ((req.headers.get('cookie') ?? '').includes(`sid=${SESSION}`) ? USER : null),
    auditStore: {
      query: ({ tokenId, limit }) => ({
        events: sink.events
          .filter((e: AuditEvent) => e.tokenId === tokenId)
          .slice(-limit)
          .reverse(),
        nextCursor: null,
      }),
    },
  });
  const team = createManagementHandler(keycard, {
    basePath: '/api/team-tokens',
    authorize: (req) => ((req.headers.get('cookie') ?? '').includes(`sid=${SESSION}`) ? TEAM : null),
  });
  const ui = await bundleUi();
  const signedIn = (cookie: string | undefined) => (cookie ?? '').includes(`sid=${SESSION}`);
  let server: Server;
  // A broken upstream (a proxy's error page, a login page, a server of another version): what a
  // path answers instead of the management API, set and cleared with `breakPath` (Hono only).
  const faults = new Map<string, () => Response>();
  if (framework === 'hono') {
    const app = new Hono();
    app.all('/api/tokens/*', (c) => {
      const fault = faults.get(c.req.path);
      return fault ? fault() : manage(c.req.raw);
    });
    app.all('/api/team-tokens/*', (c) => team(c.req.raw));
    for (const [path, [type, body]] of Object.entries(files))
      app.get(path, (c) =>
        signedIn(c.req.header('cookie')) ? c.body(body, 200, { 'Content-Type': type }) : c.text('Sign in first', 401),
      );
    app.get('/api/v1/companies', honoGuard(keycard, { scope: 'read' }), (c) =>
      c.json({ companies: [{ id: 'c1', name: 'Acme' }] }),
    );
    app.get('/assets/keycard-ui.js', (c) => c.body(ui, 200, { 'Content-Type': 'text/javascript' }));
    app.get('/settings/tokens', (c) =>
      signedIn(c.req.header('cookie')) ? c.html(page()) : c.text('Sign in first', 401),
    );
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
  } else {
    const app = express();
    const guard = expressGuard(keycard);
    app.use('/api/tokens', expressHandler(manage));
    app.get(
      '/api/v1/companies',
      guard({ scope: 'read' }),
      (_req, res) => void res.json({ companies: [{ id: 'c1', name: 'Acme' }] }),
    );
    app.get('/assets/keycard-ui.js', (_req, res) => void res.type('text/javascript').send(ui));
    app.get(
      '/settings/tokens',
      (req, res) =>
        void (signedIn(req.headers.cookie) ? res.type('html').send(page()) : res.status(401).send('Sign in first')),
    );
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
  }
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /** Calls the tickets API with a bearer token; resolves with the status. */
  const callApi = async (token: string) =>
    (await fetch(`${origin}/api/v1/companies`, { headers: { authorization: `Bearer ${token}` } })).status;
  /**
   * Creates a token through the management API at `base` as the demo user (what another tab would
   * do), with `extra` body members.
   */
  const createBehindTheScenes = async (label: string, extra: Record<string, unknown> = {}, base = '/api/tokens') => {
    const res = await fetch(`${origin}${base}/tokens`, {
      method: 'POST',
      headers: { cookie: `sid=${SESSION}`, origin, 'content-type': 'application/json' },
      body: JSON.stringify({ label, scopes: ['read'], ...extra }),
    });
    return ((await res.json()) as { token: string }).token;
  };
  return {
    origin,
    clock,
    keycard,
    session: { name: 'sid', value: SESSION, url: origin },
    callApi,
    createBehindTheScenes,
    uiSize: ui.length,
    /** Requests to `path` get `status` with `body` as `type` instead of the management API's answer; null mends it. */
    breakPath: (path: string, answer: readonly [status: number, type: string, body: string] | null) =>
      void (answer === null
        ? faults.delete(path)
        : faults.set(
            path,
            () => new Response(answer[2] || null, { status: answer[0], headers: { 'Content-Type': answer[1] } }),
          )),
    /**
     * Stops listening and ends every connection, a request still held or a browser's idle
     * keep-alive among them (a page kept for the file stays open after its test's server closes).
     */
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
