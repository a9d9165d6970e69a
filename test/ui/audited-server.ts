/**
 * A Hono server for the settings-page tests that read real activity: one `memoryAuditStore` is
 * both keycard's audit and the management handler's `auditStore`, so the page shows each token's
 * events and last use as they happened. The API at /api/tokens serves the demo user (cookie
 * `sid=jason`, scope `tickets:write`), `before` runs ahead of it (a fault a test injects), and the
 * settings page at /settings/tokens carries `attrs`.
 */
import { serve } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKeycard, createManagementHandler, memoryAuditStore, type ScopeCatalogue } from '../../src/index.ts';
import { bundleUi, page as settingsPage } from './server.ts';

export interface AuditedServerOptions {
  /** The catalogue; it must name `tickets:write`, the demo user's scope. */
  readonly scopes: ScopeCatalogue<string>;
  readonly resources?: readonly string[];
  /** The `<keycard-tokens>` attributes (server.ts's `page` default when left out). */
  readonly attrs?: string;
  /** Runs ahead of the management API. */
  readonly before?: MiddlewareHandler;
}

/** Starts it on 127.0.0.1 and an ephemeral port. */
export async function startAuditedServer(options: AuditedServerOptions) {
  const audit = memoryAuditStore();
  const keycard = createKeycard({
    prefix: 'toado',
    scopes: options.scopes,
    ...(options.resources ? { resources: [...options.resources] } : {}),
    audit,
  });
  const user = { kind: 'user' as const, id: 'u_jason', scopes: ['tickets:write'] };
  const manage = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    authorize: (req) => ((req.headers.get('cookie') ?? '').includes('sid=jason') ? user : null),
    auditStore: audit,
  });
  const ui = await bundleUi();
  const app = new Hono();
  if (options.before) app.use('/api/tokens/*', options.before);
  app.all('/api/tokens/*', (c) => manage(c.req.raw));
  app.get('/assets/keycard-ui.js', (c) => c.body(ui, 200, { 'Content-Type': 'text/javascript' }));
  app.get('/settings/tokens', (c) => c.html(options.attrs ? settingsPage(options.attrs) : settingsPage()));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, keycard, audit, session: { name: 'sid', value: 'jason', url: origin }, server };
}
