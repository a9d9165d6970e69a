/**
 * A per-token rate limit through `<keycard-tokens>` in real Chromium against the real test
 * server: the New token form's optional limit (a labelled group, axe clean, checked before it is
 * sent), the limit enforced on the created token (429 past it), and each row saying its limit,
 * the default's, or nothing when the server's answer carries none (a server of another version).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasChromium, openSettings, seriousViolations, useChromium } from './browser.ts';
import { dialog, openNewToken, rowOf } from './flow.ts';
import { startServer } from './server.ts';

describe.skipIf(!hasChromium)('<keycard-tokens>: per-token rate limits', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const browser = useChromium();
  let context: BrowserContext;
  let page: Page;
  let lines: string[];

  beforeEach(async () => {
    server = await startServer();
    ({ context, page, lines } = await openSettings(browser(), server));
    await page.getByRole('button', { name: 'New token', exact: true }).waitFor();
  });
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  const limitFields = (form: ReturnType<typeof dialog>) => {
    const group = form.getByRole('group', { name: 'Rate limit', exact: true });
    return {
      group,
      requests: group.getByRole('spinbutton', { name: 'Requests', exact: true }),
      per: group.getByRole('combobox', { name: 'Per', exact: true }),
    };
  };

  it('creates a token with 2 requests per minute: the body carries it, the third call is 429, the row says it', async () => {
    const form = await openNewToken(page);
    await form.getByRole('textbox', { name: 'Label', exact: true }).fill('throttled agent');
    const { requests, per } = limitFields(form);
    expect(await per.inputValue()).toBe('60'); // per minute unless chosen otherwise
    expect(await requests.inputValue()).toBe(''); // empty: the default limit
    await requests.fill('2');
    await per.selectOption({ label: 'minute' });
    expect(await seriousViolations(page)).toEqual([]);
    const sent = page.waitForRequest(
      (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/tokens/tokens',
    );
    await form.getByRole('button', { name: 'Create token', exact: true }).click();
    expect((await sent).postDataJSON()).toMatchObject({
      label: 'throttled agent',
      rateLimit: { limit: 2, window: 60 },
    });
    const reveal = dialog(page, 'Copy your new token');
    const secret = await reveal.getByLabel('Token', { exact: true }).inputValue();
    expect([await server.callApi(secret), await server.callApi(secret), await server.callApi(secret)]).toEqual([
      200, 200, 429,
    ]);
    await reveal.getByRole('button', { name: 'Done' }).click();
    await reveal.getByRole('button', { name: 'Close without copying' }).click();
    await reveal.waitFor({ state: 'detached' });
    await rowOf(page, 'throttled agent').getByText('Rate limit: 2 per minute', { exact: true }).waitFor();
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('leaves the limit out when the field is empty, and refuses one that is not a whole number from 1 before sending', async () => {
    const posts: unknown[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/tokens/tokens') posts.push(r.postDataJSON());
    });
    const form = await openNewToken(page);
    await form.getByRole('textbox', { name: 'Label', exact: true }).fill('bad limit');
    const { requests } = limitFields(form);
    for (const bad of ['0', '1.5', '2147483648']) {
      await requests.fill(bad);
      await form.getByRole('button', { name: 'Create token', exact: true }).click();
      await form.getByRole('alert').getByText('Give the rate limit as a whole number of requests from 1').waitFor();
      expect(await requests.getAttribute('aria-invalid')).toBe('true');
      expect(await requests.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true);
    }
    expect(posts).toEqual([]);
    await requests.fill('');
    await form.getByRole('button', { name: 'Create token', exact: true }).click();
    await dialog(page, 'Copy your new token').waitFor();
    expect(posts).toHaveLength(1);
    expect(posts[0]).not.toHaveProperty('rateLimit');
  });

  it('each row shows its limit: one policy, a split one, the default, and nothing when the answer has none', async () => {
    await server.createBehindTheScenes('hourly export', { rateLimit: { limit: 50, window: 3600 } });
    await server.createBehindTheScenes('triage bot', {
      rateLimit: { read: { limit: 30, window: 60 }, write: { limit: 20, window: 90 } }, // a person narrows only
    });
    await server.createBehindTheScenes('plain');
    await page.reload();
    await rowOf(page, 'hourly export').getByText('Rate limit: 50 per hour', { exact: true }).waitFor();
    await rowOf(page, 'triage bot')
      .getByText('Rate limit: reads 30 per minute, writes 20 per 90 seconds', { exact: true })
      .waitFor();
    await rowOf(page, 'plain').getByText('Default rate limit', { exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // A server of another version whose views carry no (or a garbled) rateLimit: no text, no error.
    await page.route('**/api/tokens/tokens?*', async (route) => {
      const res = await route.fetch();
      const j = (await res.json()) as { data: Record<string, unknown>[] };
      j.data.forEach((t, i) => (i % 2 ? delete t.rateLimit : (t.rateLimit = { limit: 'lots' })));
      await route.fulfill({ response: res, json: j });
    });
    await page.reload();
    await rowOf(page, 'plain').waitFor();
    expect(
      await page
        .locator('keycard-tokens')
        .getByText(/rate limit/i)
        .count(),
    ).toBe(0);
    expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });
});
