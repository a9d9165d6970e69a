/**
 * SPEC §12 "activity (the token's audit events)" in Chromium, against a Hono server whose one
 * `memoryAuditStore` is keycard's audit and the handler's `auditStore`: the dialog lists the
 * token's events newest first — a refused call with its method, path and reason, the allowed
 * calls with their surface (API or MCP) — each once, in the route's order. It shows the newest
 * page only (the route's default 50): a busy token's older events are not reachable from the
 * dialog (docs/ui.md says so; the API's `cursor` reaches them).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, defineScopes, memoryAuditStore } from '../../src/index.ts';
import { focused, hasChromium, openSettings, useChromium } from './browser.ts';
import { dialog } from './flow.ts';
import { bundleUi, page as settingsPage } from './server.ts';

async function start() {
  const audit = memoryAuditStore();
  const keycard = createKeycard({
    prefix: 'toado',
    scopes: defineScopes({ read: { description: 'Read' }, 'tickets:write': { implies: ['read'] } }),
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
  app.all('/api/tokens/*', (c) => manage(c.req.raw));
  app.get('/assets/keycard-ui.js', (c) => c.body(ui, 200, { 'Content-Type': 'text/javascript' }));
  app.get('/settings/tokens', (c) => c.html(settingsPage('base-path="/api/tokens" kinds="personal"')));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, keycard, audit, session: { name: 'sid', value: 'jason', url: origin }, server };
}

describe.skipIf(!hasChromium)('<keycard-tokens> activity dialog', () => {
  const browser = useChromium();
  let s: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => void (s = await start()));
  afterAll(async () => {
    await s?.keycard.close();
    await new Promise((r) => s?.server.close(r));
  });

  it('lists the newest page of events, newest first, each once, with surface and reason', async () => {
    const { token, record } = await s.keycard.issue({ ownerId: 'u_jason', label: 'busy agent', scopes: ['read'] });
    const call = (i: number, surface: 'http' | 'mcp') =>
      s.keycard.authenticate(
        { method: 'GET', url: `http://127.0.0.1/api/tickets/${i}`, headers: { authorization: `Bearer ${token}` } },
        { surface },
      );
    for (let i = 0; i < 55; i++) expect((await call(i, i % 2 ? 'mcp' : 'http')).ok).toBe(true);
    const refused = await s.keycard.authenticate(
      { method: 'POST', url: 'http://127.0.0.1/api/tickets', headers: { authorization: `Bearer ${token}` } },
      { scope: 'tickets:write' },
    );
    expect(refused.ok).toBe(false);
    await s.keycard.flush();
    await s.audit.flush();
    const all = await s.audit.query({ tokenId: record.id, limit: 500 });
    expect(all.events).toHaveLength(57); // issued, 55 allowed, 1 denied

    const { context, page, lines } = await openSettings(browser(), s);
    try {
      await page.getByRole('button', { name: 'Activity of busy agent', exact: true }).click();
      const d = dialog(page, 'Activity of busy agent');
      const items = d.getByRole('listitem');
      await expect.poll(() => items.count()).toBe(50);
      const texts = (await items.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
      expect(texts[0]).toMatch(/ denied · POST \/api\/tickets · insufficient_scope$/);
      // The 49 newest allowed calls, newest first, each once, over the surface each was made on.
      const calls = texts.slice(1).map((t) => / (API|MCP) allowed · GET \/api\/tickets\/(\d+)$/.exec(t)?.slice(1));
      expect(calls).toEqual(Array.from({ length: 49 }, (_, k) => [(54 - k) % 2 ? 'MCP' : 'API', String(54 - k)]));
      expect((await focused(page)).inDialog).toBe('Activity of busy agent');
      expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
