/**
 * SPEC §12 "activity (the token's audit events)" in Chromium, against a Hono server whose one
 * `memoryAuditStore` is keycard's audit and the handler's `auditStore`: the dialog lists the
 * token's events newest first — a refused call with its method, path and reason, the allowed
 * calls with their surface (API or MCP) — each once, in the route's order, a page (the route's
 * default 50) at a time: **Show older** appends the next page, keyboard and all, and goes after the
 * last one (focus to Close). A next page that fails says so above the button, which keeps focus
 * and tries again. Before, the dialog drew the newest page only: a busy token's older events (its
 * issue among them) were out of reach from the page.
 */
import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineScopes } from '../../src/index.ts';
import { startAuditedServer } from './audited-server.ts';
import { focused, hasChromium, openSettings, seriousViolations, useChromium } from './browser.ts';
import { dialog } from './flow.ts';

async function start() {
  // `fail.older`: the audit store is down for any page after the first (a real 503 problem answer).
  const fail = { older: false };
  const before: MiddlewareHandler = async (c, next) => {
    if (!fail.older || !c.req.query('cursor')) return next();
    const problem = {
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'audit store down',
      code: 'unavailable',
    };
    return c.body(JSON.stringify(problem), 503, { 'Content-Type': 'application/problem+json' });
  };
  const server = await startAuditedServer({
    scopes: defineScopes({ read: { description: 'Read' }, 'tickets:write': { implies: ['read'] } }),
    attrs: 'base-path="/api/tokens" kinds="personal"',
    before,
  });
  return { ...server, fail };
}

describe.skipIf(!hasChromium)('<keycard-tokens> activity dialog', () => {
  const browser = useChromium();
  let s: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => void (s = await start()));
  afterAll(async () => {
    await s?.keycard.close();
    await new Promise((r) => s?.server.close(r));
  });

  it('lists every event newest first, each once, with surface and reason, paging through Show older', async () => {
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

      // Show older by keyboard: the next page (the 6 oldest calls and the issue) follows, each once.
      const older = d.getByRole('button', { name: 'Show older', exact: true });
      await older.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => items.count()).toBe(57);
      const all = (await items.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
      expect(all.slice(0, 50)).toEqual(texts);
      const rest = all.slice(50, 56).map((t) => / (API|MCP) allowed · GET \/api\/tickets\/(\d+)$/.exec(t)?.slice(1));
      expect(rest).toEqual(Array.from({ length: 6 }, (_, k) => [(5 - k) % 2 ? 'MCP' : 'API', String(5 - k)]));
      expect(all[56]).toMatch(/ token\.issued$/);
      // The last page: the button goes, and focus (which was on it) moves to Close, not to <body>.
      expect(await older.count()).toBe(0);
      expect(await focused(page)).toEqual({ tag: 'button', name: 'Close', inDialog: 'Activity of busy agent' });
      expect(await seriousViolations(page)).toEqual([]);
      expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a next page that fails says so, keeps Show older (and its focus) to try again, then pages on', async () => {
    const { token, record } = await s.keycard.issue({ ownerId: 'u_jason', label: 'flaky store', scopes: ['read'] });
    for (let i = 0; i < 51; i++) {
      const req = {
        method: 'GET',
        url: `http://127.0.0.1/api/tickets/${i}`,
        headers: { authorization: `Bearer ${token}` },
      };
      expect((await s.keycard.authenticate(req)).ok).toBe(true);
    }
    await s.keycard.flush();
    await s.audit.flush();
    expect((await s.audit.query({ tokenId: record.id, limit: 500 })).events).toHaveLength(52);

    const { context, page, lines } = await openSettings(browser(), s);
    try {
      await page.getByRole('button', { name: 'Activity of flaky store', exact: true }).click();
      const d = dialog(page, 'Activity of flaky store');
      const items = d.getByRole('listitem');
      await expect.poll(() => items.count()).toBe(50);
      s.fail.older = true;
      const older = d.getByRole('button', { name: 'Show older', exact: true });
      await older.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => items.nth(50).textContent()).toMatch(/^Something went wrong: .*audit store down/);
      expect(await items.count()).toBe(51);
      expect(await older.isVisible()).toBe(true);
      expect(await older.isEnabled()).toBe(true);
      expect(await focused(page)).toEqual({ tag: 'button', name: 'Show older', inDialog: 'Activity of flaky store' });
      expect(await seriousViolations(page)).toEqual([]);

      s.fail.older = false;
      await page.keyboard.press('Enter');
      await expect.poll(() => items.count()).toBe(52);
      const all = (await items.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
      expect(all.filter((t) => t.includes('went wrong'))).toEqual([]);
      expect(all[50]).toMatch(/ allowed · GET \/api\/tickets\/0$/);
      expect(all[51]).toMatch(/ token\.issued$/);
      expect(await older.count()).toBe(0);
      expect(await focused(page)).toEqual({ tag: 'button', name: 'Close', inDialog: 'Activity of flaky store' });
      expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    } finally {
      s.fail.older = false;
      await context.close();
    }
  }, 60_000);
});
