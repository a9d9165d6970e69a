/**
 * `<keycard-tokens>` inside React 19, Vue 3 and Svelte 5 (SPEC §12: "works in plain server-rendered
 * HTML, React 19, Vue and Svelte"), in real Chromium against the real test server. Each app
 * (test/ui/frameworks/, the snippets of docs/ui.md) binds `base-path` from its state, passes
 * `localization` as an object, sets `kinds`, and records the element's events through the
 * framework's own binding; the test creates and revokes a token through the element, reads what
 * the app recorded, and switches `base-path` by a re-render.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, useChromium } from './browser.ts';
import { closeReveal, copyFromReveal, openNewToken, revokeToken, rowOf } from './flow.ts';
import { FRAMEWORKS, frameworkFiles, type Framework } from './frameworks/bundle.ts';
import { startServer, type Files } from './server.ts';

const TITLE = 'Jetons d’API'; // the apps' localization of `title`
const APPS = ['react-app.tsx', 'vue-app.ts', 'svelte-app.svelte'];
const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

it('docs/ui.md shows each app as this test runs it (its header comment aside)', () => {
  const docs = read('../../docs/ui.md');
  for (const app of APPS) {
    const code = read(`./frameworks/${app}`).replace(/^(\/\*\*[\s\S]*?\*\/|<!--[\s\S]*?-->)\n/, '');
    expect(docs, app).toContain(`\n${code.trim()}\n\`\`\``);
  }
});

interface Recorded {
  type: string;
  detail: { record: { id: string; label: string; revokedAt: string | null } } & Record<string, unknown>;
}

describe.skipIf(!hasChromium)('<keycard-tokens> in React 19, Vue 3 and Svelte 5', () => {
  const browser = useChromium();
  let files: Files;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => void (files = await frameworkFiles()), 60_000);
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  /** Opens the framework's page signed in; `problems` collects console errors and warnings and page errors. */
  async function open(fw: Framework, query = ''): Promise<{ page: Page; problems: string[] }> {
    server = await startServer('hono', files);
    await server.createBehindTheScenes('ci deploy');
    await server.createBehindTheScenes('team bot', {}, '/api/team-tokens');
    context = await browser().newContext({ viewport: { width: 960, height: 760 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    await context.addCookies([server.session]);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('console', (m) => void (/^(error|warning)$/.test(m.type()) && problems.push(`${m.type()} ${m.text()}`)));
    page.on('pageerror', (e) => problems.push(`pageerror ${e.message}`));
    await page.goto(`${server.origin}/frameworks/${fw}${query}`);
    return { page, problems };
  }

  /** What the app recorded from the element's events, in order. */
  const recorded = async (page: Page): Promise<Recorded[]> =>
    (await page.locator('#events li').allTextContents()).map((t) => JSON.parse(t) as Recorded);

  for (const fw of FRAMEWORKS) {
    it(`${fw}: list, localization, kinds, created and revoked events through the framework, base-path re-render`, async () => {
      const { page, problems } = await open(fw);
      const element = page.locator('keycard-tokens');

      // The list renders, with the localized title, and `kinds="personal"` holds (no Kind selector
      // although workspace-id is set).
      await page
        .getByRole('heading', { name: TITLE, exact: true })
        .waitFor()
        .catch((e: Error) => expect.fail(`${e.message}\n${problems.join('\n')}`));
      await rowOf(page, 'ci deploy').waitFor();
      expect(await page.getByRole('combobox', { name: 'Kind', exact: true }).count()).toBe(0);
      expect(await element.getAttribute('kinds')).toBe('personal');
      // React 19 sets the typed `graceChoices` prop of docs/ui.md as the property, which writes the attribute.
      if (fw === 'react') expect(await element.getAttribute('grace-choices')).toBe('0 15m 1d');

      // Create through the UI: the app's handler got { record } and nothing else, no secret.
      const form = await openNewToken(page);
      await form.getByRole('textbox', { name: 'Label', exact: true }).fill(`${fw} bot`);
      await form.getByRole('button', { name: 'Create token', exact: true }).click();
      const secret = await copyFromReveal(page);
      expect(secret).toMatch(/^toado_/);
      await closeReveal(page);
      await expect.poll(async () => (await recorded(page)).length).toBe(1);
      const [created] = await recorded(page);
      expect(created!.type).toBe('token-created');
      expect(Object.keys(created!.detail)).toEqual(['record']);
      expect(created!.detail.record).toMatchObject({ label: `${fw} bot`, revokedAt: null });
      expect(JSON.stringify(created)).not.toContain(secret);
      expect(await page.locator('#events').textContent()).not.toContain(secret);

      // Revoke through the UI: the app's handler got the revoked record.
      await revokeToken(page, `${fw} bot`, /never been used/, async () => []);
      await expect.poll(async () => (await recorded(page)).length).toBe(2);
      const revoked = (await recorded(page))[1]!;
      expect(revoked.type).toBe('token-revoked');
      expect(Object.keys(revoked.detail)).toEqual(['record']);
      expect(revoked.detail.record.id).toBe(created!.detail.record.id);
      expect(revoked.detail.record.revokedAt).not.toBeNull();

      // A re-render with another base-path: the element lists the other account's tokens.
      await page.getByRole('button', { name: 'Team tokens', exact: true }).click();
      await rowOf(page, 'team bot').waitFor();
      expect(await rowOf(page, 'ci deploy').count()).toBe(0);
      expect(await element.getAttribute('base-path')).toBe('/api/team-tokens');
      await page.getByRole('heading', { name: TITLE, exact: true }).waitFor();

      expect(problems).toEqual([]);
    }, 60_000);
  }

  // Svelte sets an object on a not-yet-defined custom element as a property, and so does Vue's
  // `.prop`: the value sits on the element before its class exists and must survive the upgrade.
  for (const fw of ['vue', 'svelte'] as const) {
    it(`${fw}: a localization set before keycard/ui is loaded still applies once it is`, async () => {
      const { page, problems } = await open(fw, '?late');
      await rowOf(page, 'ci deploy').waitFor();
      expect(await page.evaluate(() => (window as unknown as { definedLate: boolean }).definedLate)).toBe(true);
      await expect.poll(() => page.locator('keycard-tokens h1').textContent(), { timeout: 5_000 }).toBe(TITLE);
      expect(await page.getByRole('combobox', { name: 'Kind', exact: true }).count()).toBe(0);
      expect(problems).toEqual([]);
    }, 30_000);
  }
});
