/**
 * `<keycard-tokens>` when the server misbehaves, in real Chromium against the real test server
 * whose answers for a path can be broken (`breakPath`): a login page answered 200, a proxy's
 * error page, JSON of the wrong shape. Every case ends in a visible error with a way on (Retry,
 * Close), never a blank element, a page error or a TypeError's text; and a localized text with a
 * quote does not break the re-render that keeps focus.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { focused, hasChromium, settingsWithOneToken, useChromium } from './browser.ts';
import { dialog } from './flow.ts';
import type { startServer } from './server.ts';

const ROW = {
  id: 'tok_x',
  label: 'l',
  kind: 'personal',
  status: 'active',
  scopes: ['read'],
  restrictions: null,
  start: 'toado_sk_x',
  createdAt: '2025-01-01T00:00:00.000Z',
  createdBy: null,
  lastUsedAt: null,
  lastUsedSurface: null,
  expiresAt: null,
  revokedAt: null,
};
/** Answers that are not a page of tokens: [what, status, content type, body]. */
const BAD_LISTS: [string, number, string, string][] = [
  ['a login page answered 200', 200, 'text/html', '<!doctype html><title>Sign in</title><form>…</form>'],
  ['an empty 200', 200, 'application/json', ''],
  ['`data` that is not a list', 200, 'application/json', '{"data":"x","nextCursor":null}'],
  ['a row without its fields', 200, 'application/json', '{"data":[{"id":"a"}],"nextCursor":null}'],
  [
    'restrictions that are not lists',
    200,
    'application/json',
    JSON.stringify({ data: [{ ...ROW, restrictions: { company: 'c1' } }], nextCursor: null }),
  ],
  ['a proxy error page', 502, 'text/html', '<h1>Bad Gateway</h1>'],
];
/** Catalogue answers the New token form cannot be built from. */
const BAD_CATALOGUES: [string, number, string, string][] = [
  [
    'a 503 problem',
    503,
    'application/problem+json',
    '{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"Token service unavailable","code":"unavailable"}',
  ],
  ['a login page answered 200', 200, 'text/html', '<!doctype html><title>Sign in</title>'],
  ['JSON of another shape', 200, 'application/json', '{"scopes":null}'],
];

describe.skipIf(!hasChromium)('<keycard-tokens> when the server misbehaves', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const browser = useChromium();
  let context: BrowserContext;
  let page: Page;
  let lines: string[];
  const pageErrors = () => lines.filter((l) => l.startsWith('pageerror'));

  beforeEach(async () => {
    ({ server, context, page, lines } = await settingsWithOneToken(browser()));
  });
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  it('a list answer that is not a page of tokens shows the error and Retry, which loads the list again', async () => {
    const alert = page.locator('keycard-tokens [part~=error]');
    for (const [what, status, type, body] of BAD_LISTS) {
      server.breakPath('/api/tokens/tokens', [status, type, body]);
      await page.reload();
      await alert.waitFor({ timeout: 5_000 }).catch(() => {});
      const text = (await alert.count()) ? await alert.textContent() : '(nothing shown)';
      expect({ what, text }).toEqual({
        what,
        text: expect.stringMatching(/^The tokens could not be loaded: .+Retry$/),
      });
      expect({ what, text }).not.toEqual({
        what,
        text: expect.stringMatching(/properties|undefined|null|not a function/),
      });
      server.breakPath('/api/tokens/tokens', null);
      await page.getByRole('button', { name: 'Retry', exact: true }).click();
      await page.getByRole('button', { name: 'Revoke ci deploy', exact: true }).waitFor();
    }
    expect(pageErrors()).toEqual([]);
  });

  it('New token when the catalogue cannot be read: a dialog says why, takes focus, and Escape gives focus back', async () => {
    for (const [what, status, type, body] of BAD_CATALOGUES) {
      server.breakPath('/api/tokens/scopes', [status, type, body]);
      await page.getByRole('button', { name: 'New token', exact: true }).click();
      const d = dialog(page, 'New token');
      await d.waitFor({ timeout: 5_000 });
      const alert = d.getByRole('alert');
      await alert.waitFor({ timeout: 5_000 }).catch(() => {});
      expect({ what, text: (await alert.count()) ? await alert.textContent() : '(nothing shown)' }).toEqual({
        what,
        text: expect.stringMatching(/^Something went wrong: .+/),
      });
      expect((await focused(page)).inDialog).toBe('New token');
      await page.keyboard.press('Escape');
      await d.waitFor({ state: 'detached' });
      expect((await focused(page)).name).toBe('New token');
    }
    // Once the server answers again, the next try reaches the form.
    server.breakPath('/api/tokens/scopes', null);
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    await dialog(page, 'New token').getByRole('textbox', { name: 'Label', exact: true }).waitFor();
    expect(pageErrors()).toEqual([]);
  });

  it('an activity answer of another shape is shown as an error in the dialog, not an endless "Loading…"', async () => {
    const id = await page.locator('keycard-tokens li[data-token-id]').first().getAttribute('data-token-id');
    for (const body of ['{"data":null}', '{"data":[1,2]}', '<html>']) {
      server.breakPath(`/api/tokens/tokens/${id}/activity`, [200, 'application/json', body]);
      await page.getByRole('button', { name: 'Activity of ci deploy', exact: true }).click();
      const d = dialog(page, 'Activity of ci deploy');
      await d.getByText(/^Something went wrong: /).waitFor({ timeout: 5_000 });
      await page.keyboard.press('Escape');
      await d.waitFor({ state: 'detached' });
    }
    expect(pageErrors()).toEqual([]);
  });

  it('a localized text with a quote: the re-render keeps focus on the row button and throws nothing', async () => {
    const el = page.locator('keycard-tokens');
    await el.evaluate((e) => ((e as unknown as { localization: unknown }).localization = { rotate: 'Rotate "now"' }));
    const button = page.getByRole('button', { name: 'Rotate ci deploy', exact: true });
    await button.focus();
    const outcome = await el.evaluate((e) =>
      (e as unknown as { refresh(): Promise<void> }).refresh().then(
        () => 'ok',
        (err: unknown) => String(err),
      ),
    );
    expect(outcome).toBe('ok');
    expect((await focused(page)).name).toBe('Rotate ci deploy');
    expect(pageErrors()).toEqual([]);
  });
});
