/**
 * The reveal and the back/forward cache, in real Chromium with the cache on (as in a person's
 * browser; playwright turns it off by default): a person who leaves the page while the new secret
 * is shown, and comes back with Back, gets the page restored from memory as it was left. The
 * reveal must not come back with it: the secret is shown once, and a reload would not show it
 * again either. The restore is proven to be one (a value set on `window` before leaving is still
 * there), so the test cannot pass by the page simply reloading.
 */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium } from './browser.ts';
import { dialog } from './flow.ts';
import { openHostilePage, startHostileServer } from './hostile-server.ts';

describe.skipIf(!hasChromium)('<keycard-tokens>: the reveal and the back/forward cache', () => {
  let browser: Browser;
  let context: BrowserContext | undefined;
  let server: Awaited<ReturnType<typeof startHostileServer>> | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
    });
  });
  afterAll(() => browser?.close());
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  it('leaving the page with the secret shown, then Back: a restored page without the reveal or the secret', async () => {
    server = await startHostileServer();
    const opened = await openHostilePage(browser, server);
    context = opened.context;
    const { page, lines } = opened;
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    const form = dialog(page, 'New token');
    await form.getByRole('textbox', { name: 'Label', exact: true }).fill('left open');
    await form.getByRole('button', { name: 'Create token', exact: true }).click();
    const reveal = dialog(page, 'Copy your new token');
    await reveal.waitFor();
    const secret = await reveal.getByLabel('Token', { exact: true }).inputValue();
    expect(secret).toMatch(/^toado_sk_/);
    await page.evaluate(() => void ((window as unknown as { left: number }).left = 1));
    await page.goto(`${server.origin}/elsewhere`);
    // A restore from the cache fires no load event, which goBack waits for by default.
    await page.goBack({ waitUntil: 'commit' });
    await page.getByRole('button', { name: 'New token', exact: true }).waitFor();
    const found = await page.evaluate((s) => {
      const root = document.querySelector('keycard-tokens')!.shadowRoot!;
      return {
        restored: (window as unknown as { left?: number }).left === 1,
        dialogs: root.querySelectorAll('[role=dialog]').length,
        field: [...root.querySelectorAll('input, textarea')].some((i) => (i as HTMLInputElement).value.includes(s)),
        markup: root.innerHTML.includes(s),
      };
    }, secret);
    expect(found).toEqual({ restored: true, dialogs: 0, field: false, markup: false });
    expect(lines.filter((l) => l.includes(secret))).toEqual([]);
  }, 60_000);
});
