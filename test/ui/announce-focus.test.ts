/**
 * What a screen reader hears and where focus lands, in real Chromium against the real management
 * handler (test/ui/hostile-server.ts): a token created and a Revoke all done are each said in the
 * element's live region (`role="status"`, `aria-live="polite"`, outside every dialog, which close
 * on success); a Revoke all refused with 409 `count_changed` is not a success: nothing is said
 * there, the dialog stays with the alert saying the count changed, and focus is on the phrase
 * field the person must fill again. With no live token, Revoke all tokens stays disabled whatever
 * is typed. Each test kills a mutant of src/ui/ the other browser tests
 * let live (docs/testing.md).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { focused, hasChromium, useChromium } from './browser.ts';
import { closeReveal, copyFromReveal, dialog, openNewToken } from './flow.ts';
import { useHostilePages, type HostileServer } from './hostile-server.ts';

/** The element's own live region (a child of its shadow root): its role, politeness and words. */
const liveRegion = (page: Page) =>
  page.evaluate(() => {
    const root = document.querySelector('keycard-tokens')!.shadowRoot!;
    const regions = [...root.children].filter((el) => el.getAttribute('role') === 'status');
    return regions.map((el) => ({ live: el.getAttribute('aria-live'), text: el.textContent }));
  });

describe.skipIf(!hasChromium)('<keycard-tokens>: announcements and focus', () => {
  const browser = useChromium();
  const pages = useHostilePages(browser);
  let server: HostileServer | undefined;

  async function open(): Promise<Page> {
    server = await pages.start();
    const { page } = await pages.open(server);
    await page.getByRole('button', { name: 'New token', exact: true }).waitFor();
    return page;
  }

  it('a token created, then a Revoke all done: each is said in the live region, once the dialog has closed', async () => {
    const page = await open();
    expect(await liveRegion(page)).toEqual([{ live: 'polite', text: '' }]);
    const form = await openNewToken(page);
    await form.getByRole('textbox', { name: 'Label', exact: true }).fill('said aloud');
    await form.getByRole('button', { name: 'Create token', exact: true }).click();
    await copyFromReveal(page);
    expect(await liveRegion(page)).toEqual([{ live: 'polite', text: 'Token said aloud created.' }]);
    await closeReveal(page);
    await server!.issue('two');
    await server!.issue('three');
    await page.getByRole('button', { name: 'Revoke all', exact: true }).click();
    const all = dialog(page, 'Revoke all tokens');
    await all.getByText('This revokes 3 tokens', { exact: false }).waitFor();
    await all.getByRole('textbox', { name: 'Type "revoke all" to confirm' }).fill('revoke all');
    await all.getByRole('button', { name: 'Revoke all tokens', exact: true }).click();
    await all.waitFor({ state: 'detached' });
    expect(await liveRegion(page)).toEqual([{ live: 'polite', text: '3 tokens were revoked.' }]);
  });

  it('Revoke all answered 409 count_changed: nothing said as done, the alert says it changed, focus on the phrase field', async () => {
    const page = await open();
    await server!.issue('one');
    await server!.issue('two');
    await page.locator('keycard-tokens').evaluate((el) => (el as unknown as { refresh(): Promise<void> }).refresh());
    await page.getByRole('button', { name: 'Revoke one', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Revoke all', exact: true }).click();
    const all = dialog(page, 'Revoke all tokens');
    await all.getByText('This revokes 2 tokens', { exact: false }).waitFor();
    await server!.issue('three (made in another tab)');
    const typed = all.getByRole('textbox', { name: 'Type "revoke all" to confirm' });
    await typed.fill('revoke all');
    await all.getByRole('button', { name: 'Revoke all tokens', exact: true }).click();
    await all.getByText('This revokes 3 tokens', { exact: false }).waitFor();
    expect(await all.getByRole('alert').textContent()).toMatch(/changed while you were confirming/);
    await expect
      .poll(() => focused(page))
      .toEqual({ tag: 'input', name: 'Type "revoke all" to confirm', inDialog: 'Revoke all tokens' });
    expect(await liveRegion(page)).toEqual([{ live: 'polite', text: '' }]);
    expect((await server!.keycard.list({ ownerId: 'u_jason', status: 'active' })).records).toHaveLength(3);
  });

  it('no live token: Revoke all says so, and the phrase typed leaves Revoke all tokens disabled; nothing is sent', async () => {
    const page = await open();
    await page.getByRole('button', { name: 'Revoke all', exact: true }).click();
    const all = dialog(page, 'Revoke all tokens');
    await all.getByText('There are no tokens to revoke.', { exact: true }).waitFor();
    await all.getByRole('textbox', { name: 'Type "revoke all" to confirm' }).fill('revoke all');
    expect(await all.getByRole('button', { name: 'Revoke all tokens', exact: true }).isDisabled()).toBe(true);
    expect(server!.seen.filter((s) => s.startsWith('POST '))).toEqual([]);
  });
});
