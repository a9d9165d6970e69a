/**
 * `graceChoices` as a property of `<keycard-tokens>`, in real Chromium against the real test
 * server. React 19 and Vue set a known property instead of the attribute, and Svelte and Vue's
 * `.prop` set it before `keycard/ui` defined the element: either way the rotate dialog must offer
 * the choices given, as `grace-choices` would, and the page must not throw.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { STRINGS } from '../../src/ui/strings.ts';
import { hasChromium, useChromium } from './browser.ts';
import { offeredGraceChoices } from './flow.ts';
import { startServer } from './server.ts';

/** A settings page that does not load keycard/ui: the test loads it (before or after setting the property). */
const UNDEFINED_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Late</title></head>
<body><keycard-tokens base-path="/api/tokens"></keycard-tokens></body></html>`;

type Value = string | readonly (number | string)[] | null;

describe.skipIf(!hasChromium)('<keycard-tokens> graceChoices set as a property', () => {
  const browser = useChromium();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let context: BrowserContext | undefined;
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  /** The undefined page, signed in, with one token to rotate; `problems` collects page errors and console errors. */
  async function open(): Promise<{ page: Page; problems: string[] }> {
    server = await startServer('hono', { '/late': ['text/html', UNDEFINED_PAGE] });
    await server.createBehindTheScenes('grace prop');
    context = await browser().newContext({ viewport: { width: 960, height: 760 } });
    await context.addCookies([server.session]);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    page.on('pageerror', (e) => problems.push(`pageerror ${e.message}`));
    await page.goto(`${server.origin}/late`);
    return { page, problems };
  }

  /** Sets the property in the page, in strict code as a module (React's) is; the error message if it threw. */
  const setProperty = (page: Page, value: Value) =>
    page.locator('keycard-tokens').evaluate((el, v) => {
      'use strict';
      try {
        (el as unknown as { graceChoices: Value }).graceChoices = v;
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    }, value);

  const define = async (page: Page) => {
    await page.addScriptTag({ url: '/assets/keycard-ui.js', type: 'module' });
    await page.evaluate(() => customElements.whenDefined('keycard-tokens'));
  };

  const offered = (page: Page) => offeredGraceChoices(page, 'grace prop');

  const state = (page: Page) =>
    page.locator('keycard-tokens').evaluate((el) => ({
      attribute: el.getAttribute('grace-choices'),
      property: (el as unknown as { graceChoices: number[] }).graceChoices,
      own: Object.prototype.hasOwnProperty.call(el, 'graceChoices'),
    }));

  it('on a defined element: a list (ms, or words) or a string sets `grace-choices`; null removes it', async () => {
    const { page, problems } = await open();
    await define(page);
    await page.getByRole('button', { name: 'Rotate grace prop', exact: true }).waitFor();

    expect(await setProperty(page, [0, 30 * 60_000, 2 * 3_600_000, 1_500, '10s'])).toBeNull();
    expect(await state(page)).toEqual({
      attribute: '0 30m 2h 1500ms 10s', // 1.5 s has no word: skipped when read, like any unreadable entry
      property: [0, 10_000, 1_800_000, 7_200_000],
      own: false,
    });
    expect(await offered(page)).toEqual([STRINGS.grace0, '*10 seconds', '30 minutes', '2 hours']);

    expect(await setProperty(page, '0 15m 1d')).toBeNull();
    expect((await state(page)).attribute).toBe('0 15m 1d');
    expect(await offered(page)).toEqual([STRINGS.grace0, '15 minutes', '*1 day']);

    expect(await setProperty(page, null)).toBeNull();
    expect((await state(page)).attribute).toBeNull();
    expect(await offered(page)).toEqual([STRINGS.grace0, '1 hour', '*1 day', '7 days']);
    expect(problems).toEqual([]);
  }, 60_000);

  it('set before keycard/ui defined the element, the value still applies once it is', async () => {
    const { page, problems } = await open();
    expect(await setProperty(page, [0, 10_000])).toBeNull();
    await define(page);
    await page.getByRole('button', { name: 'Rotate grace prop', exact: true }).waitFor();
    expect(await state(page)).toEqual({ attribute: '0 10s', property: [0, 10_000], own: false });
    expect(await offered(page)).toEqual([STRINGS.grace0, '*10 seconds']);
    expect(problems).toEqual([]);
  }, 60_000);
});
