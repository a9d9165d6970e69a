/**
 * What the reveal's three Copy buttons put on the clipboard, in real Chromium against the real
 * management handler (test/ui/hostile-server.ts), on a page served over plain http from a host
 * that is not localhost (`keycard.test`, mapped to 127.0.0.1): an insecure context, as an
 * intranet or staging app often is, where `navigator.clipboard` does not exist and the reveal
 * copies through `execCommand('copy')`. Copy puts the token there; Copy env line the env line;
 * Copy MCP config the config (the same JSON, on one line), which holds no secret (its point is `${VAR}`: the file can be
 * committed). And only a copy that holds the token counts as copied: after Copy MCP config alone,
 * Done still asks first. The clipboard is read from a second context on 127.0.0.1 (a secure
 * context, clipboard-read granted); one Chromium has one clipboard.
 */
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium } from './browser.ts';
import { dialog } from './flow.ts';
import { startHostileServer } from './hostile-server.ts';

const HOST = 'keycard.test';

describe.skipIf(!hasChromium)("<keycard-tokens>: the reveal's Copy buttons without the Clipboard API", () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startHostileServer>> | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      ],
    });
  });
  afterAll(() => browser?.close());
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
    await server?.close();
  });

  /** A new token created through the page at http://keycard.test; its open reveal, secret and a clipboard reader. */
  async function revealOverHttp(): Promise<{
    page: Page;
    reveal: Locator;
    secret: string;
    clipboard: () => Promise<string>;
  }> {
    server = await startHostileServer();
    const context = await browser.newContext({ timezoneId: 'UTC' });
    const reader = await browser.newContext();
    contexts.push(context, reader);
    await reader.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    const readerPage = await reader.newPage();
    await readerPage.goto(`${server.origin}/page`);
    const page = await context.newPage();
    await page.goto(`http://${HOST}:${new URL(server.origin).port}/page`);
    expect(await page.evaluate(() => [isSecureContext, 'clipboard' in navigator])).toEqual([false, false]);
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    const form = dialog(page, 'New token');
    await form.getByRole('textbox', { name: 'Label', exact: true }).fill('over http');
    await form.getByRole('button', { name: 'Create token', exact: true }).click();
    const reveal = dialog(page, 'Copy your new token');
    const secret = await reveal.getByLabel('Token', { exact: true }).inputValue();
    expect(secret).toMatch(/^toado_sk_1\w{38}$/);
    // Something else on the clipboard first, so a copy that writes nothing is seen.
    await readerPage.evaluate(() => navigator.clipboard.writeText('before'));
    return { page, reveal, secret, clipboard: () => readerPage.evaluate(() => navigator.clipboard.readText()) };
  }

  it('Copy puts the token on the clipboard and leaves the field as it was', async () => {
    const { reveal, secret, clipboard } = await revealOverHttp();
    await reveal.getByRole('button', { name: 'Copy', exact: true }).click();
    await reveal.getByText('Copied', { exact: true }).waitFor();
    expect(await clipboard()).toBe(secret);
    const field = reveal.getByLabel('Token', { exact: true });
    const selected = await field.evaluate((f: HTMLInputElement) => f.selectionEnd! - f.selectionStart!);
    expect([await field.inputValue(), await field.getAttribute('type'), selected]).toEqual([secret, 'password', 0]);
  });

  it('Copy env line puts the env line on the clipboard, not the bare token', async () => {
    const { reveal, secret, clipboard } = await revealOverHttp();
    await reveal.getByRole('button', { name: 'Copy env line', exact: true }).click();
    await reveal.getByText('Copied', { exact: true }).waitFor();
    expect(await clipboard()).toBe(`TOADO_API_TOKEN=${secret}`);
  });

  it('Copy MCP config puts the config shown on the clipboard, which holds no secret', async () => {
    const { reveal, secret, clipboard } = await revealOverHttp();
    await reveal.getByRole('button', { name: 'Copy MCP config', exact: true }).click();
    await reveal.getByText('Copied', { exact: true }).waitFor();
    const copied = await clipboard();
    // The same JSON as shown (on one line: the field it is copied through keeps no line breaks).
    expect(JSON.parse(copied)).toEqual(JSON.parse((await reveal.locator('pre').nth(1).textContent())!));
    expect(JSON.parse(copied)).toMatchObject({
      mcpServers: { toado: { type: 'http', headers: { Authorization: 'Bearer ${TOADO_API_TOKEN}' } } },
    });
    expect(copied).not.toContain(secret.slice(10, 42));
  });

  it('after Copy MCP config alone (the token itself not copied), Done asks before the token is gone', async () => {
    const { page, reveal } = await revealOverHttp();
    await reveal.getByRole('button', { name: 'Copy MCP config', exact: true }).click();
    await reveal.getByText('Copied', { exact: true }).waitFor();
    await reveal.getByRole('button', { name: 'Done', exact: true }).click();
    await reveal.getByText('You have not copied the token', { exact: false }).waitFor({ timeout: 5_000 });
    await page.keyboard.press('Escape');
    expect(await reveal.isVisible()).toBe(true);
    await reveal.getByRole('button', { name: 'Copy env line', exact: true }).click();
    await reveal.getByRole('button', { name: 'Done', exact: true }).click();
    await reveal.waitFor({ state: 'detached' });
  });
});
