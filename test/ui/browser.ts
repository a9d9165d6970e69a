/** Chromium helpers for the settings-page tests: launch, the focused control, axe-core scans and screenshots. */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startServer } from './server.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));
export const SHOTS = fileURLToPath(new URL('../../docs/ui/', import.meta.url));

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** One Chromium for the describe block this is called in, closed after it; the getter returns it. */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => void (browser = await launch()));
  afterAll(() => browser?.close());
  return () => browser!;
}

/**
 * A new context signed in to `server` (its session cookie; clipboard access when `clipboard`) on
 * its settings page. `lines` collects the console and page errors (`pageerror …`).
 */
export async function openSettings(
  browser: Browser,
  server: { origin: string; session: { name: string; value: string; url: string } },
  clipboard = false,
): Promise<{ context: BrowserContext; page: Page; lines: string[] }> {
  const opened = await settingsContext(browser);
  if (clipboard)
    await opened.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  await opened.context.addCookies([server.session]);
  await opened.page.goto(`${server.origin}/settings/tokens`);
  return opened;
}

/**
 * The context and page of `openSettings` before it signs in or goes anywhere: a file whose tests
 * each start their own server can keep one page and send it to each server's settings page.
 */
export async function settingsContext(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; lines: string[] }> {
  // UTC: the expiry badges count the browser's calendar days, which a daylight-saving change in
  // the machine's own zone would make 31 for a 30-day token.
  const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 960, height: 760 } });
  const page = await context.newPage();
  const lines: string[] = [];
  page.on('console', (m) => lines.push(m.text()));
  page.on('pageerror', (e) => lines.push(`pageerror ${e.message}`));
  return { context, page, lines };
}

/** A fresh test server holding one token, 'ci deploy', and its settings page with that token listed. */
export async function settingsWithOneToken(
  browser: Browser,
): Promise<{ server: Awaited<ReturnType<typeof startServer>> } & Awaited<ReturnType<typeof openSettings>>> {
  const opened = await settingsContext(browser);
  return { server: await oneTokenSettings(opened), ...opened };
}

/**
 * `settingsWithOneToken` on a page of `settingsContext` (kept for a file): a fresh test server
 * holding 'ci deploy', the context signed in to it, and a new document of its settings page.
 */
export async function oneTokenSettings(opened: {
  context: BrowserContext;
  page: Page;
}): Promise<Awaited<ReturnType<typeof startServer>>> {
  const server = await startServer();
  await server.createBehindTheScenes('ci deploy');
  await opened.context.addCookies([server.session]);
  await opened.page.goto(`${server.origin}/settings/tokens`);
  await opened.page.getByRole('button', { name: 'Revoke ci deploy', exact: true }).waitFor();
  return server;
}

/** The focused control inside the element: its role-ish tag and accessible name (aria-label, label, or text). */
export function focused(page: Page): Promise<{ tag: string; name: string; inDialog: string | null }> {
  return page.evaluate(() => {
    const root = document.querySelector('keycard-tokens')!.shadowRoot!;
    const el = root.activeElement as HTMLElement | null;
    if (!el) return { tag: 'none', name: '', inDialog: null };
    const labelled = (el as HTMLInputElement).labels?.[0]?.textContent;
    const dialog = el.closest('[role=dialog]');
    const title = dialog ? (root.getElementById(dialog.getAttribute('aria-labelledby')!)?.textContent ?? '') : null;
    return {
      tag: el.tagName.toLowerCase(),
      name: (el.getAttribute('aria-label') ?? labelled ?? el.textContent ?? '').trim(),
      inDialog: title,
    };
  });
}

/** Runs axe-core on the page (it walks open shadow roots) and returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<{ id: string; impact: string; targets: string[] }[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const r = await (
      window as unknown as {
        axe: {
          run(ctx: Document): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe.run(document);
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Scans the current screen with axe-core in light and in dark mode and saves a screenshot of each
 * as docs/ui/<name>-<scheme>.png. Returns every serious or critical violation found.
 */
export async function captureScreen(page: Page, name: string, photograph = true): Promise<string[]> {
  mkdirSync(SHOTS, { recursive: true });
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    for (const v of await seriousViolations(page))
      found.push(`${name} (${colorScheme}): ${v.id} ${v.impact} ${v.targets.join(' ')}`);
    if (photograph)
      await page.screenshot({ path: `${SHOTS}${name}-${colorScheme}.png`, fullPage: true, caret: 'hide' } as never);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}
