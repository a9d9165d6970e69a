/**
 * Every text with a count (`{n}`: Revoke all's count and its announcement, the "Expires in N days"
 * badge) reads right for one and for many, in real Chromium against the real management handler
 * (test/ui/hostile-server.ts): "This revokes 1 token", "1 token was revoked."; a `localization`
 * may give a form per plural category of its locale (`<key>_<category>`, Intl.PluralRules: Polish
 * has `one`, `few` and `many`), and one that replaces only the plain key is never mixed with an
 * English form.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { hasChromium, useChromium } from './browser.ts';
import { dialog } from './flow.ts';
import { openHostilePage, startHostileServer } from './hostile-server.ts';

type Server = Awaited<ReturnType<typeof startHostileServer>>;
const DAY = 86_400_000;

describe.skipIf(!hasChromium)('<keycard-tokens>: texts with a count, singular and plural', () => {
  const browser = useChromium();
  let server: Server;
  let context: BrowserContext;
  let page: Page;

  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  /** A server holding `labels` (expiring after `days[i]` days, when given), its page with `localization` set. */
  async function open(labels: string[], localization?: Record<string, string>, days: number[] = []): Promise<void> {
    server = await startHostileServer();
    for (const [i, label] of labels.entries())
      await server.keycard.issue({
        ownerId: 'u_jason',
        label,
        scopes: ['read'],
        actor: { kind: 'system' },
        ...(days[i] ? { expiresAt: Date.now() + days[i]! * DAY } : {}),
      });
    server.setPage({ body: '<keycard-tokens base-path="/api/tokens" hidden></keycard-tokens>' });
    ({ context, page } = await openHostilePage(browser(), server));
    await page.evaluate(async (l) => {
      await customElements.whenDefined('keycard-tokens');
      const el = document.querySelector('keycard-tokens') as HTMLElement & { localization: unknown };
      if (l) el.localization = l;
      el.hidden = false;
    }, localization ?? null);
    await page.locator('keycard-tokens li[data-token-id]').first().waitFor();
  }

  /** Opens Revoke all and returns its count sentence once loaded. */
  async function revokeAllCount(title = 'Revoke all tokens'): Promise<string> {
    await page.locator('keycard-tokens [data-focus-key="revoke-all"]').click();
    const text = dialog(page, title).locator('p[aria-live]');
    await expect.poll(() => text.textContent(), { timeout: 10_000 }).not.toMatch(/…$/);
    return (await text.textContent())!;
  }
  const announced = () =>
    page.evaluate(() => document.querySelector('keycard-tokens')!.shadowRoot!.querySelector('.sr')!.textContent);

  it('one token: "This revokes 1 token (the only active one)… using it", then "1 token was revoked."', async () => {
    await open(['only one']);
    expect(await revokeAllCount()).toBe(
      'This revokes 1 token (the only active one). Everything using it gets 401 on its next call.',
    );
    const all = dialog(page, 'Revoke all tokens');
    await all.getByRole('textbox', { name: 'Type "revoke all" to confirm' }).fill('revoke all');
    await all.getByRole('button', { name: 'Revoke all tokens', exact: true }).click();
    await all.waitFor({ state: 'detached' });
    await expect.poll(announced, { timeout: 10_000 }).toBe('1 token was revoked.');
  });

  it('two tokens: "This revokes 2 tokens (every active one)… using them", then "2 tokens were revoked."', async () => {
    await open(['one', 'two']);
    expect(await revokeAllCount()).toBe(
      'This revokes 2 tokens (every active one). Everything using them gets 401 on its next call.',
    );
    const all = dialog(page, 'Revoke all tokens');
    await all.getByRole('textbox', { name: 'Type "revoke all" to confirm' }).fill('revoke all');
    await all.getByRole('button', { name: 'Revoke all tokens', exact: true }).click();
    await all.waitFor({ state: 'detached' });
    await expect.poll(announced, { timeout: 10_000 }).toBe('2 tokens were revoked.');
  });

  it("a localization's forms per plural category of its locale (Polish: one, few, many) are chosen by the count", async () => {
    const pl = {
      locale: 'pl',
      revokeAllTitle: 'Unieważnij wszystkie',
      revokeAllCount: '{n} [other]',
      revokeAllCount_one: '{n} [one]',
      revokeAllCount_few: '{n} [few]',
      revokeAllCount_many: '{n} [many]',
      expiresInDays: 'za {n} [other]',
      expiresInDays_few: 'za {n} [few]',
      expiresInDays_many: 'za {n} [many]',
    };
    // 2–4 days is `few` in Polish, 5–21 `many` (whatever the time of day adds).
    await open(['in few days', 'in many days'], pl, [2.5, 10.5]);
    const badges = await page.locator('keycard-tokens [part~="expiry"]').allTextContents();
    expect(badges).toHaveLength(2);
    expect(badges).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^za [23] \[few\]$/),
        expect.stringMatching(/^za 1[01] \[many\]$/),
      ]),
    );
    expect(await revokeAllCount('Unieważnij wszystkie')).toBe('2 [few]');
  });

  it('a localization that replaces only revokeAllCount gets its own text for one token, not the English singular', async () => {
    await open(['seul'], {
      revokeAllTitle: 'Tout révoquer',
      revokeAllCount: 'Ceci révoque {n} jeton(s).',
    });
    expect(await revokeAllCount('Tout révoquer')).toBe('Ceci révoque 1 jeton(s).');
  });
});
