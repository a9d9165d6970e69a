/**
 * SPEC §12's list, read off the screen: each row shows the label and kind, the `start` hint, the
 * scopes as chips, the restrictions, who created it and when, when it was last used and over which
 * surface, the expiry with an "Expires in N days" badge, and its status; inactive tokens (revoked,
 * expired) sit behind the Show filter, without Rotate or Revoke. Before, Chromium checked the
 * restrictions and the badge of one row only; the rest was seen only by a screenshot. Real
 * Chromium against a Hono server whose one `memoryAuditStore` is both keycard's audit and the
 * handler's `auditStore`, so a use over MCP reaches the row as "via MCP".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineScopes } from '../../src/index.ts';
import { startAuditedServer } from './audited-server.ts';
import { hasChromium, openSettings, useChromium } from './browser.ts';
import { rowOf } from './flow.ts';

const DAY = 86_400_000;

const start = () =>
  startAuditedServer({
    scopes: defineScopes({
      read: { description: 'Read' },
      comments: { implies: ['read'], description: 'Comment' },
      'tickets:write': { implies: ['read', 'comments'], description: 'Write tickets' },
    }),
    resources: ['company', 'project'],
  });

describe.skipIf(!hasChromium)('<keycard-tokens> list rows', () => {
  const browser = useChromium();
  let s: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => void (s = await start()));
  afterAll(async () => {
    await s?.keycard.close();
    await new Promise((r) => s?.server.close(r));
  });

  it('show every field of SPEC §12; revoked and expired tokens only behind Show', async () => {
    const agent = await s.keycard.issue({
      ownerId: 'u_jason',
      label: 'claude-code on macbook',
      scopes: ['tickets:write', 'comments'],
      restrictions: { company: ['c1'], project: ['p1', 'p2'] },
      expiresIn: 5 * DAY,
      actor: { kind: 'user', id: 'u_jason', scopes: ['tickets:write'] },
    });
    await s.keycard.issue({ ownerId: 'u_jason', label: 'grafana', scopes: ['read'] });
    const gone = await s.keycard.issue({ ownerId: 'u_jason', label: 'old laptop', scopes: ['read'] });
    await s.keycard.revoke(gone.record.id, { reason: 'lost' });
    await s.keycard.issue({ ownerId: 'u_jason', label: 'short-lived', scopes: ['read'], expiresIn: 1 });
    // One use of the agent over MCP, recorded by the audit store the handler reads.
    const used = await s.keycard.authenticate(
      { method: 'POST', url: 'http://127.0.0.1/mcp', headers: { authorization: `Bearer ${agent.token}` } },
      { surface: 'mcp' },
    );
    expect(used.ok).toBe(true);
    await s.keycard.flush();
    await s.audit.flush();

    const { context, page, lines } = await openSettings(browser(), s);
    try {
      const row = rowOf(page, 'claude-code on macbook');
      await row.waitFor();
      const texts = async (selector: string) => row.locator(selector).allTextContents();
      expect(await texts('h3')).toEqual(['claude-code on macbook']);
      expect(await texts('.badge')).toEqual(['Personal', 'Expiring', 'Expires in 5 days']);
      expect(await row.getByRole('list', { name: 'Scopes' }).getByRole('listitem').allTextContents()).toEqual([
        'tickets:write',
        'comments',
      ]);
      const meta = (await row.locator('.meta > *').allTextContents()).map((t) => t.trim());
      expect(meta[0]).toBe(agent.record.start);
      expect(meta[0]).toMatch(/^toado_sk_…/);
      expect(meta).toContain('company: c1 · project: p1, p2');
      expect(meta.find((t) => t.startsWith('Created by '))).toMatch(/^Created by u_jason (now|\d+ seconds? ago)$/);
      expect(meta.find((t) => t.startsWith('Last used '))).toMatch(/^Last used (now|\d+ seconds? ago) via MCP$/);

      const other = rowOf(page, 'grafana');
      expect(await other.locator('.badge').allTextContents()).toEqual(['Personal', 'Active']);
      const otherMeta = await other.locator('.meta > *').allTextContents();
      expect(otherMeta).toEqual(expect.arrayContaining(['All resources', 'Never used', 'Never expires']));

      // Active (the default) lists the live two only.
      expect(
        await page
          .getByRole('listitem')
          .filter({ has: page.getByRole('heading') })
          .count(),
      ).toBe(2);
      const show = page.getByRole('combobox', { name: 'Show' });
      await show.selectOption('revoked');
      const revoked = rowOf(page, 'old laptop');
      await revoked.waitFor();
      expect(await rowOf(page, 'grafana').count()).toBe(0);
      expect(await revoked.locator('.badge').allTextContents()).toEqual(['Personal', 'Revoked']);
      expect(await revoked.locator('.meta > *').allTextContents()).toContainEqual(expect.stringMatching(/^Revoked /));
      expect(await revoked.getByRole('button').allTextContents()).toEqual(['Activity']);
      await show.selectOption('expired');
      const expired = rowOf(page, 'short-lived');
      await expired.waitFor();
      expect(await expired.locator('.badge').allTextContents()).toEqual(['Personal', 'Expired']);
      expect(await expired.locator('.meta > *').allTextContents()).toContainEqual(expect.stringMatching(/^Expired /));
      expect(await expired.getByRole('button').allTextContents()).toEqual(['Activity']);
      expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
