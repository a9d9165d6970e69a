/**
 * SPEC §12: the list shows each token's expiry with an "expires in N days" badge. N counts days
 * of the person's calendar, so the words name the right day: a token ending at 01:00 tonight-after-
 * midnight expires tomorrow, not "today", and one ending late tomorrow expires tomorrow, not "in
 * 2 days" (docs/ui.md). Real Chromium in Tokyo (UTC+9, no daylight saving) with the page's clock
 * fixed at 22:00 local, against the real Hono test server.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch } from './browser.ts';
import { rowOf } from './flow.ts';
import { startServer } from './server.ts';

const HOUR = 3_600_000;

describe.skipIf(!hasChromium)('the expiry badge counts calendar days', () => {
  let browser: Browser;
  beforeAll(async () => void (browser = await launch()));
  afterAll(() => browser?.close());

  it('today, tomorrow (just after midnight and late at night), in 2 days, in 10 days', async () => {
    const server = await startServer();
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
    try {
      const d = new Date();
      const tenPm = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 3, 13); // 22:00 in Tokyo
      const tokens: [string, number, string][] = [
        ['late tonight', tenPm + 1 * HOUR, 'Expires today'],
        ['after midnight', tenPm + 3 * HOUR, 'Expires tomorrow'],
        ['tomorrow night', tenPm + 25 * HOUR, 'Expires tomorrow'],
        ['day after', tenPm + 27 * HOUR, 'Expires in 2 days'],
        ['ten days', tenPm + 240 * HOUR, 'Expires in 10 days'],
      ];
      for (const [label, at] of tokens)
        await server.createBehindTheScenes(label, { expiresAt: new Date(at).toISOString() });
      await context.clock.setFixedTime(tenPm);
      await context.addCookies([server.session]);
      const page = await context.newPage();
      await page.goto(`${server.origin}/settings/tokens`);
      await rowOf(page, 'ten days').waitFor();
      const shown: string[] = [];
      for (const [label] of tokens)
        shown.push(
          await rowOf(page, label)
            .getByText(/^Expires/)
            .innerText(),
        );
      expect(shown).toEqual(tokens.map(([, , words]) => words));
    } finally {
      await context.close();
      await server.close();
    }
  }, 60_000);
});
