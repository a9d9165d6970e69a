/**
 * The reveal closed the ordinary ways (Done after Copy; Done, then Close without copying) wipes
 * the secret from the reveal's own nodes, not only from the document: in real Chromium against
 * the real management handler (test/ui/hostile-server.ts), nodes a script kept hold of before the
 * close hold no secret after it, and their Copy and Copy env line buttons copy none. (A dialog
 * merely removed would keep it in its field and in the closure its buttons read.) Kills a mutant
 * of src/ui/reveal.ts the other browser tests let live (docs/testing.md).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, useChromium } from './browser.ts';
import { copyFromReveal, dialog, openNewToken } from './flow.ts';
import { useHostilePages, type HostileServer } from './hostile-server.ts';

describe.skipIf(!hasChromium)('<keycard-tokens>: the reveal closed, its kept nodes', () => {
  const browser = useChromium();
  const pages = useHostilePages(browser);
  let server: HostileServer | undefined;

  /** Whether the kept nodes hold `s` (markup or a field's value) and, after each kept Copy button is clicked, the clipboard. */
  const keptHold = (page: Page, s: string) =>
    page.evaluate(async (secret) => {
      const kept = (window as unknown as { kept: HTMLElement[] }).kept;
      const holds = (n: Element) =>
        n.outerHTML.includes(secret) ||
        [n, ...n.querySelectorAll('input')].some((i) => (i as HTMLInputElement).value?.includes(secret));
      const copies: boolean[] = [];
      for (const name of ['Copy', 'Copy env line']) {
        await navigator.clipboard.writeText('before');
        const status = kept[0]!.querySelector('[role=status]')!;
        status.textContent = '';
        kept.find((b) => b.textContent === name)!.click();
        for (let i = 0; i < 200 && status.textContent === ''; i++) await new Promise((r) => setTimeout(r, 10));
        copies.push((await navigator.clipboard.readText()).includes(secret));
      }
      return { nodes: kept.some(holds), copies };
    }, s);

  for (const how of ['Done after Copy', 'Close without copying'])
    it(`closed by ${how}: nodes kept before the close hold no secret, and their Copy buttons copy none`, async () => {
      server = await pages.start();
      const { page } = await pages.open(server);
      const form = await openNewToken(page);
      await form.getByRole('textbox', { name: 'Label', exact: true }).fill('kept nodes');
      await form.getByRole('button', { name: 'Create token', exact: true }).click();
      const reveal = dialog(page, 'Copy your new token');
      const secret = await reveal.getByLabel('Token', { exact: true }).inputValue();
      expect(secret).toMatch(/^toado_sk_/);
      if (how === 'Done after Copy') await copyFromReveal(page);
      await page.evaluate(() => {
        const d = document.querySelector('keycard-tokens')!.shadowRoot!.querySelector('[role=dialog]')!;
        Object.assign(window, { kept: [d, d.querySelector('input')!, ...d.querySelectorAll('button')] });
      });
      await reveal.getByRole('button', { name: 'Done' }).click();
      if (how !== 'Done after Copy') await reveal.getByRole('button', { name: 'Close without copying' }).click();
      await reveal.waitFor({ state: 'detached' });
      expect(await keptHold(page, secret)).toEqual({ nodes: false, copies: [false, false] });
    });
});
