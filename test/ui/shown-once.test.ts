/**
 * The shown-once secret and slow answers, in real Chromium against the real management handler
 * (test/ui/hostile-server.ts): after the reveal closes the secret is in no DOM text, attribute,
 * field, URL, `history.state`, Web Storage, IndexedDB, Cache Storage, console line or network
 * answer but the one create answer; the masked env line shows no character of the token's random
 * body, even with a two-letter prefix; and while the server is slow, a double-click (and Enter)
 * on Create token mints one token and on Revoke token sends one revoke.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { hasChromium, useChromium } from './browser.ts';
import { dialog } from './flow.ts';
import { openHostilePage, startHostileServer } from './hostile-server.ts';

type Server = Awaited<ReturnType<typeof startHostileServer>>;

describe.skipIf(!hasChromium)('<keycard-tokens>: the secret once, and one write per confirmation', () => {
  const browser = useChromium();
  let server: Server;
  let context: BrowserContext;
  let page: Page;
  let lines: string[];
  /** Every answer's method, URL and body, as the browser received it. */
  let answers: string[];

  async function open(prefix?: string): Promise<void> {
    server = await startHostileServer(prefix);
    ({ context, page, lines, answers } = await openHostilePage(browser(), server));
    await page.getByRole('button', { name: 'New token', exact: true }).waitFor();
  }
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  /** Holds every POST until the returned function is called. */
  function holdWrites(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    server.setIntercept(async (r, pass) => (r.method === 'POST' ? gate.then(() => pass()) : pass()));
    return release;
  }
  const posts = () => server.seen.filter((s) => s.startsWith('POST '));

  /** Creates `label` through the form (Create token double-clicked, then Enter) and returns the revealed secret. */
  async function createSlowly(label: string): Promise<string> {
    const release = holdWrites();
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    const form = dialog(page, 'New token');
    await form.getByRole('textbox', { name: 'Label', exact: true }).fill(label);
    await form.getByRole('button', { name: 'Create token', exact: true }).dblclick();
    await page.keyboard.press('Enter');
    await form.getByRole('textbox', { name: 'Label', exact: true }).press('Enter');
    release();
    const reveal = dialog(page, 'Copy your new token');
    await reveal.waitFor();
    server.setIntercept(null);
    return reveal.getByLabel('Token', { exact: true }).inputValue();
  }

  it('a double-click and Enter on Create token while the server is slow mint one token', async () => {
    await open();
    await createSlowly('slow create');
    expect(posts()).toEqual(['POST /api/tokens/tokens']);
    expect(await server.keycard.list({ ownerId: 'u_jason' }).then((p) => p.records.length)).toBe(1);
  });

  it('a double-click and Enter on Revoke token while the server is slow send one revoke', async () => {
    await open();
    await server.issue('slow revoke');
    await page.locator('keycard-tokens').evaluate((el) => (el as unknown as { refresh(): Promise<void> }).refresh());
    await page.getByRole('button', { name: 'Revoke slow revoke', exact: true }).click();
    const release = holdWrites();
    const d = dialog(page, 'Revoke slow revoke?');
    await d.getByRole('button', { name: 'Revoke token', exact: true }).dblclick();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Space');
    release();
    await d.waitFor({ state: 'detached' });
    expect(posts()).toHaveLength(1);
    expect(posts()[0]).toMatch(/^POST \/api\/tokens\/tokens\/tok_\w+\/revoke$/);
  });

  it('after the reveal closes, the secret is nowhere but the one create answer (and the clipboard it was copied to)', async () => {
    await open();
    const secret = await createSlowly('kept nowhere');
    const reveal = dialog(page, 'Copy your new token');
    await reveal.getByRole('button', { name: 'Show token' }).click();
    await reveal.getByRole('button', { name: 'Copy', exact: true }).click();
    await reveal.getByText('Copied', { exact: true }).waitFor();
    await reveal.getByRole('button', { name: 'Done' }).click();
    await reveal.waitFor({ state: 'detached' });
    const found = await page.evaluate(async (s) => {
      const root = document.querySelector('keycard-tokens')!.shadowRoot!;
      const all = [...document.querySelectorAll('*'), ...root.querySelectorAll('*')];
      return {
        text: document.documentElement.outerHTML.includes(s) || root.innerHTML.includes(s),
        attribute: all.some((el) => [...el.attributes].some((a) => a.value.includes(s))),
        field: [...root.querySelectorAll('input, textarea')].some((i) => (i as HTMLInputElement).value.includes(s)),
        url: location.href.includes(s),
        history: JSON.stringify(history.state ?? null).includes(s),
        storage: JSON.stringify({ ...localStorage, ...sessionStorage }).includes(s),
        indexedDb: (await indexedDB.databases()).length > 0,
        caches: (await caches.keys()).length > 0,
        clipboard: (await navigator.clipboard.readText()) === s,
      };
    }, secret);
    expect(found).toEqual({
      text: false,
      attribute: false,
      field: false,
      url: false,
      history: false,
      storage: false,
      indexedDb: false,
      caches: false,
      clipboard: true,
    });
    expect(lines.filter((l) => l.includes(secret))).toEqual([]);
    expect(answers.filter((a) => a.includes(secret)).map((a) => a.split(' ').slice(0, 2).join(' '))).toEqual([
      `POST ${server.origin}/api/tokens/tokens`,
    ]);
  });

  it("the masked env line shows the prefix, type, version and the start hint's last 4, none of the random body, with a two-letter prefix", async () => {
    await open('ab');
    const secret = await createSlowly('short prefix');
    const env = await dialog(page, 'Copy your new token').locator('pre').first().textContent();
    // ab_sk_1 + 32 random characters + 6 of checksum: the line may show "ab_sk_1" and the last 4
    // (checksum characters, the list's `start` hint: ab_sk_…Xy12), nothing between.
    expect(secret).toMatch(/^ab_sk_1[0-9A-Za-z]{38}$/);
    expect(env).toBe(`AB_API_TOKEN=ab_sk_1${'•'.repeat(12)}${secret.slice(-4)}`);
    const start = await page.locator('keycard-tokens [part=start]').first().textContent();
    expect(start).toBe(`ab_sk_…${secret.slice(-4)}`);
  });
});
