/**
 * A hostile or broken management server for the settings-page attack tests: the real management
 * handler (memory keycard) on 127.0.0.1, wrapped by `intercept`, which may answer a request itself
 * (a 500 page, malformed JSON, a cursor that never ends), hold it (a slow answer) or pass it on.
 * The page (`/page`) is built per test: its `<body>` markup and, optionally, a Content-Security-Policy.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AddressInfo } from 'node:net';
import {
  createKeycard,
  createManagementHandler,
  defineScopes,
  type ManagementOptions,
  type UserActor,
} from '../../src/index.ts';
import { bundleUi } from './server.ts';
import { afterEach } from 'vitest';

const USER: UserActor = { kind: 'user', id: 'u_jason', scopes: ['read', 'comments'] };

/** Answers a request itself, or calls `pass` for the real handler's answer (to it, or to `instead`). */
export type Intercept = (
  request: Request,
  pass: (instead?: Request) => Promise<Response>,
) => Response | Promise<Response>;

export interface PageSetup {
  /** The markup inside `<main>`. */
  readonly body?: string;
  /** A Content-Security-Policy header for the page (and the script). */
  readonly csp?: string;
}

/**
 * `prefix`: the keycard's token prefix (2 to 16 characters; the reveal's masked line is tested with
 * a short one); `can`: the management handler's rights hook (the default lets the user manage their own).
 */
export async function startHostileServer(prefix = 'toado', can?: ManagementOptions['can']) {
  const keycard = createKeycard({
    prefix,
    scopes: defineScopes(
      { read: { description: 'Read everything' }, comments: { implies: ['read'], description: 'Post comments' } },
      { defaults: ['read'], presets: { 'Slack bot': ['comments'] } },
    ),
    resources: ['company'],
  });
  const manage = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    authorize: () => USER,
    ...(can ? { can } : {}),
  });
  const ui = await bundleUi();
  let intercept: Intercept = (_r, pass) => pass();
  let setup: PageSetup = {};
  /** Every management request seen (method and path with query), in order. */
  const seen: string[] = [];
  const server = await new Promise<Server>((resolve) => {
    const s = serve(
      {
        port: 0,
        hostname: '127.0.0.1',
        fetch: async (request) => {
          const url = new URL(request.url);
          const csp: Record<string, string> = setup.csp ? { 'Content-Security-Policy': setup.csp } : {};
          if (url.pathname === '/assets/keycard-ui.js')
            return new Response(ui, { headers: { 'Content-Type': 'text/javascript', ...csp } });
          if (url.pathname === '/page')
            return new Response(
              `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tokens</title>` +
                `<script type="module" src="/assets/keycard-ui.js"></script></head>` +
                `<body><main>${setup.body ?? '<keycard-tokens base-path="/api/tokens"></keycard-tokens>'}</main></body></html>`,
              { headers: { 'Content-Type': 'text/html; charset=utf-8', ...csp } },
            );
          if (url.pathname.startsWith('/api/tokens/')) {
            seen.push(`${request.method} ${url.pathname}${url.search}`);
            return intercept(request, (instead) => manage(instead ?? request));
          }
          return new Response('not found', { status: 404 });
        },
      },
      () => resolve(s as Server),
    );
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    keycard,
    seen,
    /** Issues a personal token of the demo user directly (no request seen). */
    issue: (label: string) => keycard.issue({ ownerId: USER.id, label, scopes: ['read'], actor: { kind: 'system' } }),
    setPage: (s: PageSetup) => void (setup = s),
    setIntercept: (i: Intercept | null) => void (intercept = i ?? ((_r, pass) => pass())),
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

/**
 * A new context (UTC, clipboard allowed) on `server`'s `/page`. `lines` collects the console and
 * page errors (`pageerror …`); `answers` every answer as `<method> <url> <body>`.
 */
export async function openHostilePage(
  browser: Browser,
  server: { origin: string },
): Promise<{ context: BrowserContext; page: Page; lines: string[]; answers: string[] }> {
  const opened = await hostileContext(browser);
  await opened.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  await opened.page.goto(`${server.origin}/page`);
  return opened;
}

/**
 * The context and page of `openHostilePage` before it goes anywhere: a file whose tests each start
 * their own server can keep one page and send it to each server's `/page` (a new document, no state
 * of the last test's but the context's cookies and storage), instead of a new context per test.
 */
export async function hostileContext(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; lines: string[]; answers: string[] }> {
  const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 960, height: 760 } });
  const page = await context.newPage();
  const lines: string[] = [];
  const answers: string[] = [];
  page.on('console', (m) => lines.push(m.text()));
  page.on('pageerror', (e) => lines.push(`pageerror ${e.message}`));
  page.on('response', (r) => {
    const what = `${r.request().method()} ${r.url()}`;
    r.text().then(
      (body) => answers.push(`${what} ${body}`),
      () => answers.push(`${what} (no body)`),
    );
  });
  return { context, page, lines, answers };
}

/** What {@link startHostileServer} answers. */
export type HostileServer = Awaited<ReturnType<typeof startHostileServer>>;

/**
 * For a block whose tests each start their own server and page: `start` starts one (the arguments
 * of {@link startHostileServer}), `open` opens the page on it ({@link openHostilePage}); both are
 * closed after each test.
 */
export function useHostilePages(browser: () => Browser) {
  let server: HostileServer | undefined;
  let context: BrowserContext | undefined;
  afterEach(async () => {
    await context?.close();
    await server?.close();
    server = undefined;
    context = undefined;
  });
  return {
    start: async (...args: Parameters<typeof startHostileServer>) => (server = await startHostileServer(...args)),
    open: async (on: HostileServer) => {
      const opened = await openHostilePage(browser(), on);
      context = opened.context;
      return opened;
    },
  };
}
