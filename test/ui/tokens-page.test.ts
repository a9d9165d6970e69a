/**
 * `<keycard-tokens>` in real Chromium (playwright-core, /usr/bin/chromium) against a real Hono
 * server running the management handler: the whole life of a token through the page, the
 * keyboard-only path, the reveal-once guarantees, events, theming and localization. Each screen
 * is scanned with axe-core and photographed light and dark into docs/ui/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { STRINGS } from '../../src/ui/strings.ts';
import { captureScreen as scanScreen, focused, hasChromium, launch, settingsContext } from './browser.ts';
import {
  closeReveal,
  confirmRevokeAll,
  copyFromReveal as copy,
  createToken,
  dialog as dialogOf,
  offeredGraceChoices,
  openNewToken,
  revokeToken,
  rotateToken,
  rowOf,
} from './flow.ts';
import { startServer } from './server.ts';

if (!hasChromium)
  console.warn('test/ui: skipped, /usr/bin/chromium is absent (install it with apt; a browser is never downloaded)');

describe.skipIf(!hasChromium)('<keycard-tokens> in Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleLines: string[];
  /** The element's events in the current test, recorded across reloads. */
  let events: { type: string; detail: unknown }[] = [];

  /** Sends the file's one page to `server`'s settings page: a new document, signed in, clipboard allowed. */
  async function goTo(to: typeof server) {
    consoleLines.length = 0;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: to.origin });
    await context.addCookies([to.session]);
    await page.goto(`${to.origin}/settings/tokens`);
  }

  // One context and page for the file (a new context and page per test cost 0.4-0.6 s);
  // each test has its own server (its own store and clock) and a new document on it.
  beforeAll(async () => {
    browser = await launch();
    ({ context, page, lines: consoleLines } = await settingsContext(browser));
    await page.exposeFunction('recordEvent', (type: string, detail: unknown) => events.push({ type, detail }));
    await page.addInitScript(() => {
      for (const t of ['token-created', 'token-revoked', 'token-rotated', 'tokens-revoked'])
        document.addEventListener(t, (e) =>
          (window as unknown as { recordEvent(t: string, d: unknown): void }).recordEvent(t, (e as CustomEvent).detail),
        );
    });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });
  beforeEach(async () => {
    server = await startServer();
    await goTo(server);
    await page.getByRole('button', { name: 'New token', exact: true }).waitFor();
  });
  afterEach(async () => {
    await page?.goto('about:blank');
    await server?.close();
  });

  const dialog = (name: string) => dialogOf(page, name);
  const copyFromReveal = () => copy(page);

  it.each(['hono', 'express'] as const)(
    '%s: create with a preset and a restriction → copy → 200 → rotate with grace → revoke → 401 → revoke all (typed, expectCount); axe clean, screenshots',
    async (framework) => {
      if (framework !== 'hono') {
        await server.close();
        server = await startServer(framework);
        await goTo(server);
      }
      const captureScreen = (p: Page, name: string) => scanScreen(p, name, framework === 'hono');
      const violations: string[] = [];
      // The element's events (the file's init script listens on every document), from this document on.
      events = [];
      await page.getByText(STRINGS.empty).waitFor();
      violations.push(...(await captureScreen(page, 'list-empty')));

      // New token: preset, implied scopes locked with their reason, a company restriction, 30 days.
      const scan = (name: string) => captureScreen(page, name);
      const form = await openNewToken(page);
      expect(await form.getByRole('checkbox', { name: 'read', exact: true }).isChecked()).toBe(true); // the catalogue default
      violations.push(
        ...(await createToken(
          page,
          form,
          { label: 'claude-code on macbook', preset: 'Triage agent', company: 'c1' },
          scan,
        )),
      );

      // Reveal once: copied, works.
      const first = await copyFromReveal();
      expect(first).toMatch(/^toado_/);
      expect(await server.callApi(first)).toBe(200);
      await closeReveal(page);

      const row = rowOf(page, 'claude-code on macbook');
      await row.getByText('company: c1').waitFor();
      expect(await row.getByText(/Expires in 30 days/).count()).toBe(1);
      violations.push(...(await captureScreen(page, 'list')));

      // Rotate with one hour of grace: both work until it ends, then only the new one.
      const rotated = await rotateToken(page, 'claude-code on macbook', '1 hour', scan);
      violations.push(...rotated.violations);
      const second = rotated.secret;
      expect(second).not.toBe(first);
      expect([await server.callApi(first), await server.callApi(second)]).toEqual([200, 200]);
      server.clock.advance(3_600_001);
      expect([await server.callApi(first), await server.callApi(second)]).toEqual([401, 200]);

      // Activity: the requests the new token made.
      await page.reload();
      await page.getByRole('button', { name: 'Activity of claude-code on macbook' }).click();
      const activity = dialog('Activity of claude-code on macbook');
      await activity
        .getByText(/allowed · GET \/api\/v1\/companies/)
        .first()
        .waitFor();
      violations.push(...(await captureScreen(page, 'activity')));
      await page.keyboard.press('Escape');
      await activity.waitFor({ state: 'detached' });

      // Revoke: the dialog names the token and its last use; then the API answers 401.
      violations.push(...(await revokeToken(page, 'claude-code on macbook', /It was last used/, scan)));
      expect(await server.callApi(second)).toBe(401);

      // Revoke all: the count, typed confirmation, and a count that moves is refused (409) then re-confirmed.
      // The live tokens are counted, as the server counts them: the rotated-out one (expired, not
      // revoked) is not, so 2; then 3 with the one sneaked in.
      const others = [
        await server.createBehindTheScenes('gha-deploy'),
        await server.createBehindTheScenes('grafana dashboard'),
      ];
      await page.reload();
      const { all, go, violations: found } = await confirmRevokeAll(page, 2, scan);
      violations.push(...found);
      others.push(await server.createBehindTheScenes('sneaked in'));
      await go.click();
      await all.getByText(/number of tokens changed/).waitFor();
      await all.getByText('This revokes 3 tokens', { exact: false }).waitFor();
      // The new count is confirmed by typing the phrase again (revoke-all-reconfirm.test.ts).
      await all.getByRole('textbox', { name: 'Type "revoke all" to confirm' }).fill('revoke all');
      await go.click();
      await all.waitFor({ state: 'detached' });
      for (const t of others) expect(await server.callApi(t)).toBe(401);
      await page.getByText(STRINGS.empty).waitFor();

      expect(events.map((e) => e.type)).toEqual(['token-created', 'token-rotated', 'token-revoked', 'tokens-revoked']);
      expect(JSON.stringify(events)).not.toContain(first);
      expect(JSON.stringify(events)).not.toContain(second);
      expect(violations).toEqual([]);
    },
    180_000,
  );

  it('Revoke all shows the live count with an expired token present (2, not 3), and the confirmation succeeds', async () => {
    await server.createBehindTheScenes('expired one', { expiresIn: 60_000 });
    server.clock.advance(120_000);
    const live = [await server.createBehindTheScenes('live one'), await server.createBehindTheScenes('live two')];
    await page.reload();
    const { all, go } = await confirmRevokeAll(page, 2, async () => []);
    await go.click();
    await all.waitFor({ state: 'detached' });
    await page.getByText('2 tokens were revoked.').first().waitFor({ state: 'attached' });
    for (const t of live) expect(await server.callApi(t)).toBe(401);
  });

  it('offers the grace choices of `grace-choices` (unreadable entries skipped), one day checked when offered', async () => {
    await server.createBehindTheScenes('grace choices');
    const choices = async (attr: string | null) => {
      await page.reload();
      await page
        .locator('keycard-tokens')
        .evaluate(
          (el, a) => (a === null ? el.removeAttribute('grace-choices') : el.setAttribute('grace-choices', a)),
          attr,
        );
      return offeredGraceChoices(page, 'grace choices');
    };
    expect(await choices(null)).toEqual(['No time: stop it now', '1 hour', '*1 day', '7 days']);
    expect(await choices('2h, 90s 0 bogus 40d 15m 90s')).toEqual([
      'No time: stop it now',
      '*90 seconds',
      '15 minutes',
      '2 hours',
    ]);
    expect(await choices('0 10s 1h 1d 7d')).toEqual([
      'No time: stop it now',
      '10 seconds',
      '1 hour',
      '*1 day',
      '7 days',
    ]);
  });

  it('works by keyboard only: focus moves into each dialog and back, Escape closes', async () => {
    // Tab from the top of the page to "New token".
    for (let i = 0; i < 8 && (await focused(page)).name !== 'New token'; i++) await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'button', name: 'New token' });
    await page.keyboard.press('Enter');
    await dialog('New token').waitFor();
    expect(await focused(page)).toMatchObject({ name: 'Label', inDialog: 'New token' });
    await page.keyboard.type('keyboard token');
    await page.keyboard.press('Tab'); // Use case
    expect((await focused(page)).name).toBe('Use case');
    await page.keyboard.press('Tab'); // first scope checkbox: read (checked by default)
    expect(await focused(page)).toMatchObject({ tag: 'input', name: 'read' });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space'); // comments
    expect(await dialog('New token').getByRole('checkbox', { name: 'comments', exact: true }).isChecked()).toBe(true);
    // Escape closes the form and focus returns to "New token"; reopen and submit with Enter.
    await page.keyboard.press('Escape');
    await dialog('New token').waitFor({ state: 'detached' });
    expect((await focused(page)).name).toBe('New token');
    await page.keyboard.press('Enter');
    // The form opens after the scope catalogue loads: type only once focus is in it, as a person would.
    await dialog('New token').waitFor();
    expect(await focused(page)).toMatchObject({ name: 'Label', inDialog: 'New token' });
    await page.keyboard.type('keyboard token');
    await page.keyboard.press('Enter');
    const reveal = dialog('Copy your new token');
    await reveal.waitFor();
    expect(await focused(page)).toMatchObject({ name: 'Token', inDialog: 'Copy your new token' });
    // Tab stays inside the dialog.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect((await focused(page)).inDialog).toBe('Copy your new token');
    }
    // Escape before copying asks first; "Go back" keeps it open.
    await page.keyboard.press('Escape');
    await reveal.getByText(/not copied the token/).waitFor();
    expect((await focused(page)).name).toBe('Go back');
    await page.keyboard.press('Enter');
    expect((await focused(page)).name).toBe('Copy');
    await page.keyboard.press('Enter');
    await reveal.getByText('Copied', { exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await reveal.waitFor({ state: 'detached' });
    expect((await focused(page)).name).toBe('New token');

    // Revoke by keyboard: Tab to the row's button, Enter, focus on "Revoke token", Escape returns.
    // The list reloads after the reveal closes: wait for the new row before tabbing to it.
    await page.getByRole('button', { name: 'Revoke keyboard token', exact: true }).waitFor();
    for (let i = 0; i < 20 && (await focused(page)).name !== 'Revoke keyboard token'; i++)
      await page.keyboard.press('Tab');
    expect((await focused(page)).name).toBe('Revoke keyboard token');
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ name: 'Revoke token', inDialog: 'Revoke keyboard token?' });
    await page.keyboard.press('Escape');
    expect((await focused(page)).name).toBe('Revoke keyboard token');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await dialog('Revoke keyboard token?').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Revoke keyboard token' }).waitFor({ state: 'detached' });
    expect((await focused(page)).name).toBe('New token');
  });

  it('shows the secret only in the open dialog: no attribute, URL, storage or console holds it, and closing removes it', async () => {
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    await dialog('New token').getByRole('textbox', { name: 'Label', exact: true }).fill('secret check');
    await dialog('New token').getByRole('button', { name: 'Create token' }).click();
    const reveal = dialog('Copy your new token');
    const secret = await reveal.getByLabel('Token', { exact: true }).inputValue();
    const where = () =>
      page.evaluate((s) => {
        const root = document.querySelector('keycard-tokens')!.shadowRoot!;
        const attrs = [...document.querySelectorAll('*'), ...root.querySelectorAll('*')].flatMap((el) =>
          [...el.attributes].map((a) => a.value),
        );
        const values = [...root.querySelectorAll('input')].map((i) => i.value);
        return {
          inAttribute: attrs.some((v) => v.includes(s)),
          inUrl: location.href.includes(s),
          inStorage:
            JSON.stringify({ ...localStorage }).includes(s) || JSON.stringify({ ...sessionStorage }).includes(s),
          inText: root.textContent!.includes(s) || document.body.innerHTML.includes(s),
          inField: values.includes(s),
        };
      }, secret);
    expect(await where()).toEqual({ inAttribute: false, inUrl: false, inStorage: false, inText: false, inField: true });
    await reveal.getByRole('button', { name: 'Show token' }).click();
    expect(await reveal.getByLabel('Token', { exact: true }).getAttribute('type')).toBe('text');
    await reveal.getByRole('button', { name: 'Done' }).click();
    await reveal.getByRole('button', { name: 'Close without copying' }).click();
    await reveal.waitFor({ state: 'detached' });
    expect(await where()).toEqual({
      inAttribute: false,
      inUrl: false,
      inStorage: false,
      inText: false,
      inField: false,
    });
    expect(consoleLines.join('\n')).not.toContain(secret);
  });

  it('is themable (theme attribute, custom properties, parts) and every text is replaced by `localization`', async () => {
    const bg = () => page.locator('keycard-tokens').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await bg()).toBe('rgb(255, 255, 255)');
    await page.locator('keycard-tokens').evaluate((el) => el.setAttribute('theme', 'dark'));
    expect(await bg()).toBe('rgb(13, 17, 23)');
    await page
      .locator('keycard-tokens')
      .evaluate((el) => el.style.setProperty('--keycard-color-background', 'rgb(1, 2, 3)'));
    expect(await bg()).toBe('rgb(1, 2, 3)');
    await page.addStyleTag({ content: 'keycard-tokens::part(toolbar){outline:3px solid rgb(9, 8, 7)}' });
    expect(
      await page
        .locator('keycard-tokens')
        .evaluate((el) => getComputedStyle(el.shadowRoot!.querySelector('[part~=toolbar]')!).outlineColor),
    ).toBe('rgb(9, 8, 7)');

    // Every text replaced by a marker that holds no English word: none of the defaults may remain.
    const keys = Object.keys(STRINGS).filter((k) => k !== 'locale');
    const replaced: Record<string, string> = Object.fromEntries(keys.map((k, i) => [k, `#${i}#`]));
    await page
      .locator('keycard-tokens')
      .evaluate((el, l) => ((el as unknown as { localization: unknown }).localization = l), replaced);
    await page.getByRole('button', { name: replaced.newToken, exact: true }).click();
    await page
      .getByRole('dialog', { name: replaced.newTitle })
      .getByRole('textbox', { name: replaced.label, exact: true })
      .waitFor();
    const text = await page.locator('keycard-tokens').evaluate((el) =>
      [...el.shadowRoot!.children]
        .filter((c) => c.tagName !== 'STYLE')
        .map((c) => c.textContent)
        .join(' '),
    );
    const english = Object.entries(STRINGS).filter(
      ([k, v]) => k !== 'locale' && v.length > 3 && text.includes(v as string),
    );
    expect(english).toEqual([]);
  });
});
