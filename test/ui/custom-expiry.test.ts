/**
 * SPEC §12 "expiry never/30/90/365 days/custom": the custom choice is a date, picked in the
 * person's own calendar, so the token works through the whole of that day where they are and
 * stops at its end (docs/ui.md). A date field's value is midnight UTC of the date; taken as is, a
 * token picked for the 15th in California died at 16:00 on the 14th, and today could not be picked
 * at all. Real Chromium with the context's time zone set, against the real Hono test server.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialog } from './flow.ts';
import { hasChromium, launch } from './browser.ts';
import { startServer } from './server.ts';

/** `YYYY-MM-DD` of `ms` in `timeZone`. */
const dayIn = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(ms);

describe.skipIf(!hasChromium)('a custom expiry date in the New token form', () => {
  let browser: Browser;
  beforeAll(async () => void (browser = await launch()));
  afterAll(() => browser?.close());

  it.each([
    ['America/Los_Angeles', 10],
    ['America/Los_Angeles', 0],
    ['Asia/Tokyo', 10],
    ['Pacific/Kiritimati', 3],
  ])(
    'in %s, %i days ahead: the token works through the picked day and ends with it',
    async (timeZone, ahead) => {
      const server = await startServer();
      const context = await browser.newContext({ timezoneId: timeZone, viewport: { width: 960, height: 760 } });
      try {
        await context.addCookies([server.session]);
        const page = await context.newPage();
        await page.goto(`${server.origin}/settings/tokens`);
        await page.getByRole('button', { name: 'New token', exact: true }).click();
        const form = dialog(page, 'New token');
        await form.getByRole('textbox', { name: 'Label', exact: true }).fill('custom day');
        await form.getByRole('combobox', { name: 'Expiration', exact: true }).selectOption('custom');
        const picked = dayIn(Date.now() + ahead * 86_400_000, timeZone);
        await form.getByLabel('Expiration date', { exact: true }).fill(picked);
        await form.getByRole('button', { name: 'Create token', exact: true }).click();
        await dialog(page, 'Copy your new token').waitFor();

        const list = await fetch(`${server.origin}/api/tokens/tokens`, {
          headers: { cookie: `${server.session.name}=${server.session.value}` },
        });
        const token = ((await list.json()) as { data: { label: string; expiresAt: string }[] }).data.find(
          (t) => t.label === 'custom day',
        )!;
        const end = Date.parse(token.expiresAt);
        expect(dayIn(end, timeZone)).toBe(picked); // still the picked day where the person is…
        expect(dayIn(end + 1, timeZone)).not.toBe(picked); // …up to its very end
      } finally {
        await context.close();
        await server.close();
      }
    },
    60_000,
  );
});
