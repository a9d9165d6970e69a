/**
 * The secret is shown once (SPEC §12), and an element taken out of the document ends the reveal as
 * leaving the page does: in real Chromium against the real management handler
 * (test/ui/hostile-server.ts), a `<keycard-tokens>` removed while its new secret is shown holds it
 * nowhere (its shadow DOM, the field, nodes a script kept hold of, what their Copy buttons copy),
 * and put back it shows no reveal; a create answered after the element was removed opens none.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { hasChromium, useChromium } from './browser.ts';
import { dialog } from './flow.ts';
import { openHostilePage, startHostileServer } from './hostile-server.ts';

type Server = Awaited<ReturnType<typeof startHostileServer>>;

describe.skipIf(!hasChromium)('<keycard-tokens>: removed while the secret is shown', () => {
  const browser = useChromium();
  let server: Server;
  let context: BrowserContext;
  let page: Page;
  let lines: string[];

  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  async function open(): Promise<void> {
    server = await startHostileServer();
    ({ context, page, lines } = await openHostilePage(browser(), server));
    await page.getByRole('button', { name: 'New token', exact: true }).waitFor();
  }

  /** Fills New token with `label` and presses Create token (the reveal follows once the server answers). */
  async function create(label: string): Promise<void> {
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    const form = dialog(page, 'New token');
    await form.getByRole('textbox', { name: 'Label', exact: true }).fill(label);
    await form.getByRole('button', { name: 'Create token', exact: true }).click();
  }

  /** Where `secret` is found in the element (connected or not), in nodes kept by `window.kept`, and in the clipboard. */
  const where = (secret: string) =>
    page.evaluate(async (s) => {
      const el = (window as unknown as { el: HTMLElement }).el;
      const root = el.shadowRoot!;
      const kept = (window as unknown as { kept?: HTMLElement[] }).kept ?? [];
      const holds = (n: Element) =>
        n.outerHTML.includes(s) ||
        [n, ...n.querySelectorAll('input')].some((i) => (i as HTMLInputElement).value?.includes(s));
      return {
        dialogs: root.querySelectorAll('[role=dialog]').length,
        shadow: [...root.children].some(holds),
        kept: kept.some(holds),
        clipboard: (await navigator.clipboard.readText()).includes(s),
        inert: root.querySelector<HTMLElement>('.main')!.inert,
      };
    }, secret);

  it('removed with the reveal open: the secret is wiped (shadow DOM, kept nodes, their Copy buttons); put back, no reveal', async () => {
    await open();
    await create('removed');
    const reveal = dialog(page, 'Copy your new token');
    const secret = await reveal.getByLabel('Token', { exact: true }).inputValue();
    expect(secret).toMatch(/^toado_sk_/);
    // A script (or a framework) keeps the element and the reveal's nodes, then takes the element out.
    await page.evaluate(() => {
      const el = document.querySelector('keycard-tokens')!;
      const d = el.shadowRoot!.querySelector('[role=dialog]')!;
      Object.assign(window, { el, kept: [d, d.querySelector('input')!, ...d.querySelectorAll('button')] });
      el.remove();
    });
    await page.evaluate(() => navigator.clipboard.writeText('before'));
    expect(await where(secret)).toEqual({ dialogs: 0, shadow: false, kept: false, clipboard: false, inert: false });
    // Its Copy and Copy env line buttons, clicked after the removal, copy no secret.
    for (const name of ['Copy', 'Copy env line']) {
      await page.evaluate((n) => {
        const kept = (window as unknown as { kept: HTMLElement[] }).kept;
        kept[0]!.querySelector('[role=status]')!.textContent = '';
        kept.find((b) => b.textContent === n)!.click();
      }, name);
      // Done when the kept dialog's status says how the copy went.
      await expect
        .poll(() =>
          page.evaluate(
            () => (window as unknown as { kept: HTMLElement[] }).kept[0]!.querySelector('[role=status]')!.textContent,
          ),
        )
        .not.toBe('');
      expect((await where(secret)).clipboard).toBe(false);
    }
    // Put back: the list, no reveal, nothing inert.
    await page.evaluate(() => document.querySelector('main')!.append((window as unknown as { el: HTMLElement }).el));
    await page.getByRole('button', { name: 'Revoke removed', exact: true }).waitFor();
    expect(await where(secret)).toEqual({ dialogs: 0, shadow: false, kept: false, clipboard: false, inert: false });
    expect(lines.filter((l) => l.includes(secret))).toEqual([]);
  });

  it('removed while the create is on its way: the answer opens no reveal, and none shows when it is put back', async () => {
    await open();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    server.setIntercept(async (r, pass) => (r.method === 'POST' ? gate.then(() => pass()) : pass()));
    const answered = page.waitForResponse((r) => r.request().method() === 'POST');
    await create('removed early');
    await page.evaluate(() => {
      const el = document.querySelector('keycard-tokens')!;
      Object.assign(window, { el, created: false });
      el.addEventListener('token-created', () => Object.assign(window, { created: true }));
      el.remove();
    });
    release();
    const secret = ((await (await answered).json()) as { token: string }).token;
    expect(secret).toMatch(/^toado_sk_/);
    // The element handles the answer (its token-created comes last) before anything is read.
    await expect.poll(() => page.evaluate(() => (window as unknown as { created: boolean }).created)).toBe(true);
    await page.evaluate(() => navigator.clipboard.writeText('before'));
    expect(await where(secret)).toEqual({ dialogs: 0, shadow: false, kept: false, clipboard: false, inert: false });
    await page.evaluate(() => document.querySelector('main')!.append((window as unknown as { el: HTMLElement }).el));
    await page.getByRole('button', { name: 'Revoke removed early', exact: true }).waitFor();
    expect(await where(secret)).toEqual({ dialogs: 0, shadow: false, kept: false, clipboard: false, inert: false });
  });
});
