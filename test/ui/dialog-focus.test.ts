/**
 * `<keycard-tokens>` dialogs under pressure, in real Chromium against the real test server: a
 * double-click on "New token" (the form loads the catalogue first), and a confirm button pressed
 * when the server refuses (429, a proxy's 500 page, 403, a dropped connection). One dialog opens;
 * after a refusal the message is shown and focus is still in the dialog, so Escape closes it and
 * focus returns to the opener (a disabled button drops focus to <body>, out of the dialog). A 201
 * of another shape still reveals the secret, or says in the open form that there is none.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { focused, hasChromium, oneTokenSettings, settingsContext, useChromium } from './browser.ts';
import { dialog } from './flow.ts';
import type { startServer } from './server.ts';

const problem = (status: number, code: string, detail: string) =>
  [
    status,
    'application/problem+json',
    JSON.stringify({ type: 'about:blank', title: code, status, detail, code }),
  ] as const;
/** Refusals of a write: [what, answer, the message shown]. */
const REFUSALS: [string, readonly [number, string, string] | 'network', RegExp][] = [
  ['429 problem', problem(429, 'rate_limited', 'Too many requests; retry in 30 s'), /Too many requests; retry in 30 s/],
  // A refusal of the server's `can` names the action refused (test/ui/not-allowed.test.ts), not the server's words.
  [
    '403 problem',
    problem(403, 'forbidden', 'You may not manage these tokens'),
    /^You do not have permission for “Create token”\. Nothing was changed\.$/,
  ],
  ['a proxy 500 HTML page', [500, 'text/html', '<h1>Internal Server Error</h1>'], /^Something went wrong: .+/],
  ['a dropped connection', 'network', /^Something went wrong: .+/],
];

describe.skipIf(!hasChromium)('<keycard-tokens> dialogs: one at a time, focus kept on refusal', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const browser = useChromium();
  let context: BrowserContext;
  let page: Page;
  let lines: string[];
  const dialogs = () =>
    page.evaluate(() => document.querySelector('keycard-tokens')!.shadowRoot!.querySelectorAll('[role=dialog]').length);
  /** Answers `path` with `answer` (or drops the connection) until `mend()`. */
  async function refuse(path: string, answer: readonly [number, string, string] | 'network') {
    if (answer === 'network')
      await page.route(`**${path}`, (r) => (r.request().method() === 'GET' ? r.continue() : r.abort()));
    else server.breakPath(path, answer);
    return async () => (answer === 'network' ? page.unroute(`**${path}`) : server.breakPath(path, null));
  }

  // One context and page for the file; each test has its own server and a new document on it.
  // Routes a test set on the page go with it, mended or not.
  beforeAll(async () => void ({ context, page, lines } = await settingsContext(browser())));
  afterAll(() => context?.close());
  beforeEach(async () => {
    lines.length = 0;
    server = await oneTokenSettings({ context, page });
  });
  afterEach(async () => {
    await page?.unrouteAll({ behavior: 'ignoreErrors' });
    await page?.goto('about:blank');
    await server?.close();
  });

  it('a double-click on New token opens one dialog', async () => {
    await page.getByRole('button', { name: 'New token', exact: true }).dblclick();
    await dialog(page, 'New token').getByRole('textbox', { name: 'Label', exact: true }).waitFor();
    await page.waitForTimeout(300);
    expect(await dialogs()).toBe(1);
    await page.keyboard.press('Escape');
    expect(await dialogs()).toBe(0);
    expect((await focused(page)).name).toBe('New token');
  });

  for (const [what, answer, shown] of REFUSALS)
    it(`Create token refused (${what}): the message shows, focus stays in the dialog, Escape returns it`, async () => {
      await page.getByRole('button', { name: 'New token', exact: true }).click();
      const d = dialog(page, 'New token');
      await d.getByRole('textbox', { name: 'Label', exact: true }).fill('will fail');
      const mend = await refuse('/api/tokens/tokens', answer);
      await d.getByRole('button', { name: 'Create token' }).click();
      await d.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
      expect(await d.getByRole('alert').filter({ hasText: /\S/ }).textContent()).toMatch(shown);
      expect(await d.getByRole('alert').filter({ hasText: /\S/ }).textContent()).not.toMatch(
        /<h1>|at \w+ \(|TypeError/,
      );
      expect(await focused(page)).toMatchObject({ inDialog: 'New token', name: 'Create token' });
      await mend();
      await page.keyboard.press('Escape');
      await d.waitFor({ state: 'detached' });
      expect((await focused(page)).name).toBe('New token');
      expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    });

  it('Revoke token refused (429): focus stays in the dialog on its button, Escape returns it to the row', async () => {
    await page.getByRole('button', { name: 'Revoke ci deploy', exact: true }).click();
    const d = dialog(page, 'Revoke ci deploy?');
    const id = await page.locator('keycard-tokens li[data-token-id]').first().getAttribute('data-token-id');
    const mend = await refuse(`/api/tokens/tokens/${id}/revoke`, REFUSALS[0]![1]);
    await d.getByRole('button', { name: 'Revoke token' }).click();
    await d.getByText(/Too many requests/).waitFor();
    expect(await focused(page)).toMatchObject({ inDialog: 'Revoke ci deploy?', name: 'Revoke token' });
    await mend();
    await page.keyboard.press('Escape');
    await d.waitFor({ state: 'detached' });
    expect((await focused(page)).name).toBe('Revoke ci deploy');
  });

  /** Answers the create POST (only) with `body`; the list and the rest stay real. */
  const answerCreate = (body: unknown) =>
    page.route('**/api/tokens/tokens', (r) =>
      r.request().method() === 'POST'
        ? r.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify(body) })
        : r.continue(),
    );

  it('a 201 whose record is of another shape still reveals the secret, once, without a page error', async () => {
    const secret = 'toado_sk_1abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP';
    await answerCreate({ token: secret, record: { id: 'tok_new' } });
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    const d = dialog(page, 'New token');
    await d.getByRole('textbox', { name: 'Label', exact: true }).fill('odd answer');
    await d.getByRole('button', { name: 'Create token' }).click();
    const reveal = dialog(page, 'Copy your new token');
    await reveal.waitFor({ timeout: 5_000 });
    expect(await reveal.getByLabel('Token', { exact: true }).inputValue()).toBe(secret);
    expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });

  it('a 201 without a token says so in the form, never a TypeError, and the form stays open', async () => {
    await answerCreate({ record: { id: 'tok_new' } });
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    const d = dialog(page, 'New token');
    await d.getByRole('textbox', { name: 'Label', exact: true }).fill('no token');
    await d.getByRole('button', { name: 'Create token' }).click();
    const alert = d.getByRole('alert').filter({ hasText: /\S/ });
    await alert.waitFor({ timeout: 5_000 });
    expect(await alert.textContent()).toMatch(/^Something went wrong: .+/);
    expect(await alert.textContent()).not.toMatch(/properties|undefined|TypeError/);
    expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });
});
