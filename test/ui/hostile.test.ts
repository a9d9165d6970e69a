/**
 * `<keycard-tokens>` against a hostile or broken server and a demanding user, in real Chromium
 * against the real management handler (test/ui/hostile-server.ts): every page of a long list, a
 * cursor that never ends, a strict CSP, values built to break the layout or inject markup, a
 * double-click on a row button, a problem with a megabyte of detail, the reveal's masked line with
 * a short prefix, and slow answers under double-clicks (one token minted, one revoke sent).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasChromium, seriousViolations, useChromium } from './browser.ts';
import { dialog } from './flow.ts';
import { openHostilePage, startHostileServer } from './hostile-server.ts';

type Server = Awaited<ReturnType<typeof startHostileServer>>;
const isList = (r: Request) => r.method === 'GET' && new URL(r.url).pathname === '/api/tokens/tokens';

describe.skipIf(!hasChromium)('<keycard-tokens> against a hostile server', () => {
  const browser = useChromium();
  let server: Server;
  let context: BrowserContext;
  let page: Page;
  let lines: string[];

  async function open(b: Browser, s: Server): Promise<void> {
    ({ context, page, lines } = await openHostilePage(b, s));
  }
  const rows = () => page.locator('keycard-tokens li[data-token-id]');
  const dialogs = () =>
    page.evaluate(() => document.querySelector('keycard-tokens')!.shadowRoot!.querySelectorAll('[role=dialog]').length);
  /** Widths the page scrolls to beyond the viewport (0 when nothing overflows). */
  const overflow = () =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  beforeEach(async () => {
    server = await startHostileServer();
  });
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  it('lists every page of a long list, not only the first 50', async () => {
    for (let i = 0; i < 120; i++) await server.issue(`bulk ${String(i).padStart(3, '0')}`);
    await open(browser(), server);
    await page.getByRole('button', { name: 'Revoke bulk 000', exact: true }).waitFor();
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(120);
    await page.getByRole('button', { name: 'Revoke bulk 119', exact: true }).waitFor();
  });

  it('a cursor that never ends (a cache that ignores the query) is an error with Retry, not a request loop', async () => {
    for (let i = 0; i < 3; i++) await server.issue(`loop ${i}`);
    // A proxy that caches by path: every page request gets the first page, with its cursor, again.
    server.setIntercept((r, pass) => {
      if (!isList(r)) return pass();
      const first = new URL(r.url);
      first.searchParams.delete('cursor');
      first.searchParams.set('limit', '2');
      return pass(new Request(first, r));
    });
    await open(browser(), server);
    await page.getByRole('button', { name: 'Retry', exact: true }).waitFor();
    expect(await page.locator('keycard-tokens [part=error]').textContent()).toMatch(/could not be loaded: .+/);
    expect(await seriousViolations(page)).toEqual([]);
    const before = server.seen.length;
    // The Revoke all count walks the pages too: an error in its dialog, and the requests stop.
    await page.getByRole('button', { name: 'Revoke all', exact: true }).click();
    const all = dialog(page, 'Revoke all tokens');
    await all.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    const after = server.seen.length;
    expect(await seriousViolations(page)).toEqual([]);
    expect(after - before).toBeLessThan(5);
    await page.keyboard.press('Escape');
    await all.waitFor({ state: 'detached' });
    expect(server.seen.length).toBe(after);
  });

  it('under a strict CSP (style-src self, no unsafe-inline, Trusted Types) it is styled and works, nothing refused', async () => {
    await server.issue('strict');
    server.setPage({
      csp: "default-src 'self'; style-src 'self'; require-trusted-types-for 'script'; trusted-types 'none'",
    });
    await open(browser(), server);
    await page.getByRole('button', { name: 'Revoke strict', exact: true }).click();
    await dialog(page, 'Revoke strict?').waitFor();
    const styled = await page.evaluate(() => {
      const root = document.querySelector('keycard-tokens')!.shadowRoot!;
      const css = (sel: string) => getComputedStyle(root.querySelector(sel)!);
      return { backdrop: css('.backdrop').position, live: css('.sr').position, row: css('.row').borderStyle };
    });
    expect(styled).toEqual({ backdrop: 'fixed', live: 'absolute', row: 'solid' });
    // It works too: revoke, then create and reveal a token.
    await dialog(page, 'Revoke strict?').getByRole('button', { name: 'Revoke token', exact: true }).click();
    await page.getByRole('button', { name: 'Revoke strict', exact: true }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    await dialog(page, 'New token').getByRole('textbox', { name: 'Label', exact: true }).fill('under csp');
    await dialog(page, 'New token').getByRole('button', { name: 'Create token', exact: true }).click();
    await dialog(page, 'Copy your new token').getByLabel('Token', { exact: true }).waitFor();
    expect(lines.filter((l) => /Content Security Policy|Trusted Type|pageerror/.test(l))).toEqual([]);
  });

  /** Values built to inject markup, reorder text, hide characters or break the layout. */
  const HOSTILE = [
    '<img src=x onerror="window.__owned=1"><script>window.__owned=2</script>',
    '\u202Eevil\u200B\u200D\u2066',
    'line one\nline two\r\n\tline three',
    'x'.repeat(10_000),
  ];

  it('shows hostile labels, owners, scopes and ids as text, unchanged, without widening the page', async () => {
    for (let i = 0; i < HOSTILE.length; i++) await server.issue(`hostile ${i}`);
    server.setIntercept(async (r, pass) => {
      const res = await pass();
      if (!isList(r)) return res;
      const page = (await res.json()) as { data: Record<string, unknown>[] };
      for (const t of page.data) {
        const v = HOSTILE[Number(String(t.label).slice(-1))]!;
        Object.assign(t, { label: v, createdBy: v, scopes: [v], restrictions: { company: [v] }, start: v });
      }
      return Response.json(page);
    });
    await open(browser(), server);
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(HOSTILE.length);
    const labels = await page.evaluate(() =>
      [...document.querySelector('keycard-tokens')!.shadowRoot!.querySelectorAll('li.row h3')].map(
        (h) => h.textContent,
      ),
    );
    expect(labels.sort()).toEqual([...HOSTILE].sort());
    expect(await page.evaluate(() => (window as { __owned?: number }).__owned)).toBeUndefined();
    expect(await page.locator('keycard-tokens img').count()).toBe(0);
    expect(await overflow()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    // The dialog that names the longest label keeps it inside the viewport too.
    await page.getByRole('button', { name: `Revoke ${HOSTILE[3]}`, exact: true }).click();
    await dialog(page, `Revoke ${HOSTILE[3]}?`).waitFor();
    expect(await overflow()).toBe(0);
    expect(
      await page.evaluate(() => {
        const d = document.querySelector('keycard-tokens')!.shadowRoot!.querySelector('[role=dialog]')!;
        return d.getBoundingClientRect().right <= document.documentElement.clientWidth;
      }),
    ).toBe(true);
    expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });

  it('a double-click on a row button or Revoke all opens its dialog (the second click does not dismiss it)', async () => {
    await server.issue('twice');
    await open(browser(), server);
    for (const name of ['Revoke twice', 'Rotate twice', 'Activity of twice', 'Revoke all']) {
      await page.getByRole('button', { name, exact: true }).dblclick();
      expect(await dialogs()).toBe(1);
      await page.keyboard.press('Escape');
      expect(await dialogs()).toBe(0);
    }
  });

  it('a problem with a megabyte of detail and a thousand field errors is shown cut, not all of it', async () => {
    await open(browser(), server);
    server.setIntercept((r, pass) =>
      r.method === 'POST'
        ? new Response(
            JSON.stringify({
              type: 'about:blank',
              title: 'Bad Request',
              status: 400,
              code: 'invalid_request',
              detail: `Begins here. ${'D'.repeat(1_000_000)}`,
              errors: Array.from({ length: 1000 }, (_, i) => ({ field: `f${i}`, message: 'm'.repeat(1000) })),
            }),
            { status: 400, headers: { 'Content-Type': 'application/problem+json' } },
          )
        : pass(),
    );
    await page.getByRole('button', { name: 'New token', exact: true }).click();
    const form = dialog(page, 'New token');
    await form.getByRole('textbox', { name: 'Label', exact: true }).fill('huge');
    await form.getByRole('button', { name: 'Create token', exact: true }).click();
    const alert = form.getByRole('alert').filter({ hasText: /\S/ });
    await alert.waitFor();
    const text = (await alert.textContent())!;
    expect(text).toMatch(/^Something went wrong: Begins here\. D+…/);
    expect(text.length).toBeLessThan(1_000);
    expect(await overflow()).toBe(0);
  });

  // `<html lang="en_US">` is a common slip (BCP 47 wants `en-US`); Intl throws on it.
  for (const [lang, created] of [
    ['en_US', /Created now/],
    ['de_DE', /Created jetzt/],
    ['xx-!!', /Created /],
  ] as const)
    it(`renders under lang="${lang}" (no page error, dates in the nearest usable locale)`, async () => {
      await server.issue('lang');
      server.setPage({ body: `<div lang="${lang}"><keycard-tokens base-path="/api/tokens"></keycard-tokens></div>` });
      await open(browser(), server);
      await page.getByRole('button', { name: 'Revoke lang', exact: true }).waitFor({ timeout: 5_000 });
      expect(await page.locator('keycard-tokens li.row').textContent()).toMatch(created);
      expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    });

  /**
   * Lists `label`, records the `type` events' details in `window.events`, and has every write done
   * by the real handler but answered 200 with a login page as JSON (what a proxy's session timeout sends).
   */
  async function withLoginPageWrites(label: string, type: string): Promise<void> {
    await server.issue(label);
    await open(browser(), server);
    await page.evaluate((t) => {
      const w = window as unknown as { events: unknown[] };
      w.events = [];
      document.addEventListener(t, (e) => w.events.push((e as CustomEvent).detail));
    }, type);
    server.setIntercept(async (r, pass) =>
      r.method === 'POST' ? (await pass(), Response.json({ login: '<form>Sign in</form>' })) : pass(),
    );
  }

  it('a revoke answered 200 with another shape (a login page as JSON) sends no token-revoked of that shape', async () => {
    await withLoginPageWrites('odd revoke', 'token-revoked');
    await page.getByRole('button', { name: 'Revoke odd revoke', exact: true }).click();
    await dialog(page, 'Revoke odd revoke?').getByRole('button', { name: 'Revoke token', exact: true }).click();
    await page.getByRole('button', { name: 'Revoke odd revoke', exact: true }).waitFor({ state: 'detached' });
    const events = await page.evaluate(
      () => (window as unknown as { events: { record: { label?: unknown } }[] }).events,
    );
    expect(events.every((e) => e.record.label === 'odd revoke')).toBe(true);
    expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });

  it('a Revoke all answered 200 without a count says so in its dialog: no tokens-revoked, no "undefined"', async () => {
    await withLoginPageWrites('odd all', 'tokens-revoked');
    await page.getByRole('button', { name: 'Revoke all', exact: true }).click();
    const all = dialog(page, 'Revoke all tokens');
    await all.getByText('This revokes 1 token (the only active one)', { exact: false }).waitFor();
    await all.getByRole('textbox', { name: 'Type "revoke all" to confirm' }).fill('revoke all');
    const answered = page.waitForResponse((r) => r.url().endsWith('/revoke-all'));
    await all.getByRole('button', { name: 'Revoke all tokens', exact: true }).click();
    await answered;
    const live = () =>
      page.evaluate(() =>
        [...document.querySelector('keycard-tokens')!.shadowRoot!.querySelectorAll('[role=status]')]
          .map((e) => e.textContent)
          .join(' '),
      );
    expect(await live()).not.toMatch(/undefined/);
    expect(await page.evaluate(() => (window as unknown as { events: unknown[] }).events)).toEqual([]);
    expect(await all.getByRole('alert').textContent({ timeout: 5_000 })).toMatch(/^Something went wrong: .+/);
  });
});
