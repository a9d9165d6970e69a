/**
 * Revoke all when the count moves under the person, in real Chromium against the real management
 * handler (test/ui/hostile-server.ts): the dialog showed 2 live tokens, a third was created
 * meanwhile; the person confirms 2, gets 409 `count_changed` and reads 3; a fourth comes; they
 * double-click **Revoke all tokens**. The first click sends `expectCount: 3`, the server answers
 * 409 again and the dialog shows 4, all within the double-click (two local round trips take
 * milliseconds; the "changed" line is back in its place, so the button has not moved). The second
 * click of that double-click must not send `expectCount: 4`: the person never saw 4 when they clicked.
 * They confirm the new count themselves, by typing the phrase again, and then it goes.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, useChromium } from './browser.ts';
import { dialog } from './flow.ts';
import { useHostilePages, type HostileServer } from './hostile-server.ts';

describe.skipIf(!hasChromium)('<keycard-tokens>: Revoke all after the count changed', () => {
  const browser = useChromium();
  const pages = useHostilePages(browser);
  let server: HostileServer | undefined;

  const live = async () =>
    (await server!.keycard.list({ ownerId: 'u_jason', status: 'active' })).records.map((r) => r.label).sort();
  const bodies: unknown[] = [];

  async function confirmTwoThenThree(): Promise<Page> {
    server = await pages.start();
    await server.issue('one');
    await server.issue('two');
    bodies.length = 0;
    server.setIntercept(async (r, pass) => {
      if (r.method === 'POST') bodies.push(await r.clone().json());
      return pass();
    });
    const { page } = await pages.open(server);
    await page.getByRole('button', { name: 'Revoke one', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Revoke all', exact: true }).click();
    const all = dialog(page, 'Revoke all tokens');
    await all.getByText('This revokes 2 tokens', { exact: false }).waitFor();
    await server.issue('three (made in another tab)');
    await all.getByRole('textbox', { name: 'Type "revoke all" to confirm' }).fill('revoke all');
    return page;
  }

  it('the second click of a double-click on Revoke all tokens does not confirm the new count a 409 brought', async () => {
    const page = await confirmTwoThenThree();
    const all = dialog(page, 'Revoke all tokens');
    const confirm = all.getByRole('button', { name: 'Revoke all tokens', exact: true });
    const typed = all.getByRole('textbox', { name: 'Type "revoke all" to confirm' });
    // A first 409: the dialog says the count changed and shows 3.
    await confirm.click();
    await all.getByText('This revokes 3 tokens', { exact: false }).waitFor();
    // The person reads 3 and confirms it with a double-click; a fourth token came meanwhile.
    await server!.issue('four (made in another tab)');
    if ((await typed.inputValue()) === '') await typed.fill('revoke all');
    const box = (await confirm.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.up();
    // The second 409 is back and 4 drawn (the "changed" line again in its place, the button where
    // it was) before the second press of the same double-click.
    await all.getByText('This revokes 4 tokens', { exact: false }).waitFor();
    expect(await confirm.boundingBox()).toEqual(box);
    await page.mouse.down({ clickCount: 2 });
    await page.mouse.up({ clickCount: 2 });
    // Give a third request every chance to go out.
    await page.waitForTimeout(300);
    expect(bodies.map((b) => (b as { expectCount?: number }).expectCount)).toEqual([2, 3]);
    expect(await live()).toHaveLength(4);
    expect(await all.getByRole('alert').textContent()).toMatch(/changed while you were confirming/);
  });

  it('after the 409 the person confirms the new count by typing the phrase again, and all 3 are revoked', async () => {
    const page = await confirmTwoThenThree();
    const all = dialog(page, 'Revoke all tokens');
    const confirm = all.getByRole('button', { name: 'Revoke all tokens', exact: true });
    await confirm.click();
    await all.getByText('This revokes 3 tokens', { exact: false }).waitFor();
    const typed = all.getByRole('textbox', { name: 'Type "revoke all" to confirm' });
    expect([await typed.inputValue(), await confirm.isDisabled()]).toEqual(['', true]);
    await typed.fill('revoke all');
    await confirm.click();
    await all.waitFor({ state: 'detached' });
    expect(bodies.map((b) => (b as { expectCount?: number }).expectCount)).toEqual([2, 3]);
    expect(await live()).toEqual([]);
  });
});
