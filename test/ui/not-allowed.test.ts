/**
 * A person the server's `can` refuses an action (docs/management.md › Who may do what): the
 * management API says nothing of rights before it is asked (a `TokenView` carries none), so the
 * page offers Revoke, Rotate, Revoke all and New token to whoever may list tokens, and the refusal
 * must be clear and cost nothing. In real Chromium against the real management handler with a
 * `can` that lets the person read but not `action` (test/ui/hostile-server.ts): the dialog stays
 * open with what was typed, focus stays on the button pressed, the alert names the action
 * refused and says nothing changed, and the token is untouched. A refusal answers 403
 * `forbidden` for a token the person can see (revoke, rotate) and 404 for create and Revoke all.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManagementAction } from '../../src/index.ts';
import { focused, hasChromium, useChromium } from './browser.ts';
import { dialog } from './flow.ts';
import { openHostilePage, startHostileServer } from './hostile-server.ts';

type Server = Awaited<ReturnType<typeof startHostileServer>>;

describe.skipIf(!hasChromium)('<keycard-tokens>: an action the server refuses', () => {
  const browser = useChromium();
  let server: Server;
  let context: BrowserContext;
  let page: Page;
  let lines: string[];

  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  /** A server whose `can` refuses `refused` (everything else as the default), holding 'kept', and its page. */
  async function open(refused: ManagementAction): Promise<void> {
    server = await startHostileServer('toado', (actor, action, target, fallback) =>
      action === refused ? false : fallback(actor, action, target),
    );
    await server.issue('kept');
    ({ context, page, lines } = await openHostilePage(browser(), server));
    await page.getByRole('button', { name: 'Revoke kept', exact: true }).waitFor();
  }

  /** Presses `button` (by keyboard: focus on it, Enter) in `d`, waits for the answer and returns the alert's text. */
  async function press(d: ReturnType<typeof dialog>, button: string, path: RegExp, status: number): Promise<string> {
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && path.test(r.url()));
    await d.getByRole('button', { name: button, exact: true }).focus();
    await page.keyboard.press('Enter');
    expect((await answered).status()).toBe(status);
    const alert = d.locator('[role=alert]').filter({ hasText: /\S/ });
    await alert.waitFor();
    return (await alert.textContent())!;
  }

  /** The one token, as the store holds it: still live. */
  const live = async () => (await server.keycard.list({ ownerId: 'u_jason' })).records.map((r) => r.revokedAt);

  it('Revoke refused (403 forbidden): the dialog stays, focus on Revoke token, the alert names it; nothing revoked', async () => {
    await open('revoke');
    await page.getByRole('button', { name: 'Revoke kept', exact: true }).click();
    const d = dialog(page, 'Revoke kept?');
    expect(await press(d, 'Revoke token', /\/revoke$/, 403)).toBe(
      'You do not have permission for “Revoke token”. Nothing was changed.',
    );
    expect(await focused(page)).toEqual({ tag: 'button', name: 'Revoke token', inDialog: 'Revoke kept?' });
    expect(await d.getByRole('button', { name: 'Revoke token', exact: true }).isEnabled()).toBe(true);
    expect(await live()).toEqual([null]);
    // Escape closes it and focus goes back to the row's Revoke, still listed.
    await page.keyboard.press('Escape');
    await d.waitFor({ state: 'detached' });
    expect(await focused(page)).toEqual({ tag: 'button', name: 'Revoke kept', inDialog: null });
    expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });

  it('Rotate refused (403 forbidden): the grace chosen stays, focus on Rotate token, the alert names it; nothing rotated', async () => {
    await open('rotate');
    await page.getByRole('button', { name: 'Rotate kept', exact: true }).click();
    const d = dialog(page, 'Rotate kept');
    await d.getByRole('radio', { name: '7 days' }).check();
    expect(await press(d, 'Rotate token', /\/rotate$/, 403)).toBe(
      'You do not have permission for “Rotate token”. Nothing was changed.',
    );
    expect(await focused(page)).toEqual({ tag: 'button', name: 'Rotate token', inDialog: 'Rotate kept' });
    expect(await d.getByRole('radio', { name: '7 days' }).isChecked()).toBe(true);
    expect(await live()).toEqual([null]);
    expect(await dialog(page, 'Copy your new token').count()).toBe(0);
  });

  it('Revoke all refused (404): the typed phrase stays, focus on Revoke all tokens, the alert names it; nothing revoked', async () => {
    await open('revokeAll');
    await page.getByRole('button', { name: 'Revoke all', exact: true }).click();
    const d = dialog(page, 'Revoke all tokens');
    await d.getByText('This revokes 1 token', { exact: false }).waitFor();
    const phrase = d.getByRole('textbox', { name: 'Type "revoke all" to confirm' });
    await phrase.fill('revoke all');
    expect(await press(d, 'Revoke all tokens', /\/revoke-all$/, 404)).toBe(
      'You do not have permission for “Revoke all tokens”. Nothing was changed.',
    );
    expect(await focused(page)).toEqual({ tag: 'button', name: 'Revoke all tokens', inDialog: 'Revoke all tokens' });
    expect(await phrase.inputValue()).toBe('revoke all');
    expect(await live()).toEqual([null]);
  });

  it('New token refused (404): the form keeps its label and scopes, focus on Create token, the alert names it; nothing created', async () => {
    await open('create');
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    const d = dialog(page, 'New token');
    await d.getByRole('textbox', { name: 'Label', exact: true }).fill('not mine to make');
    await d.getByRole('checkbox', { name: 'comments', exact: true }).check();
    expect(await press(d, 'Create token', /\/tokens$/, 404)).toBe(
      'You do not have permission for “Create token”. Nothing was changed.',
    );
    expect(await focused(page)).toEqual({ tag: 'button', name: 'Create token', inDialog: 'New token' });
    expect(await d.getByRole('textbox', { name: 'Label', exact: true }).inputValue()).toBe('not mine to make');
    expect(await d.getByRole('checkbox', { name: 'comments', exact: true }).isChecked()).toBe(true);
    expect(await live()).toEqual([null]);
  });

  it('a revoke of a token gone meanwhile (404) still says what the server said: it is no refusal', async () => {
    await open('update');
    await page.getByRole('button', { name: 'Revoke kept', exact: true }).click();
    const d = dialog(page, 'Revoke kept?');
    server.setIntercept((r, pass) =>
      r.method === 'POST'
        ? new Response(
            JSON.stringify({
              type: 'about:blank',
              title: 'Not Found',
              status: 404,
              detail: 'No such token',
              code: 'not_found',
            }),
            { status: 404, headers: { 'Content-Type': 'application/problem+json' } },
          )
        : pass(),
    );
    expect(await press(d, 'Revoke token', /\/revoke$/, 404)).toBe('Something went wrong: No such token');
  });
});
