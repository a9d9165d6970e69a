/**
 * The code entry page (`GET /device?user_code=…`) puts what was typed back into the box when the
 * code is wrong, or when a link from another site carried it. Hostile text must come back as text
 * (escaped at the byte level, and inert in a real Chromium: no element, attribute or script of
 * its own), and a token pasted into the box by mistake (its head is `toado_sk_` and then secret
 * characters) must not come back at all, nor reach an audit event or a report. Before, the first
 * 12 characters of whatever was typed were echoed: `toado_sk_` and three characters of the
 * token's secret part (with a two-letter prefix, six).
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes } from '../src/index.ts';
import { setup } from './device-fixture.ts';
import { CHROMIUM } from './ui/browser.ts';

/** The `value` attribute of the code box, as written (still escaped). */
const boxValue = (html: string) => {
  const m = /<input type="text" id="user_code" name="user_code" value="([^"]*)"/.exec(html);
  expect(m, 'the code box').not.toBeNull();
  return m![1]!;
};

const HOSTILE = [
  '"><script>window.pwned=1</script>',
  "' autofocus onfocus=window.pwned=1 x='",
  '"onfocus="window.pwned=1"',
  '<img src=x onerror=window.pwned=1>',
  '&quot;><b>x</b>',
  '</textarea><svg onload=window.pwned=1>',
];

describe('what was typed, put back in the code box', () => {
  it('hostile text comes back escaped, never as markup (byte level)', async () => {
    for (const typed of HOSTILE) {
      for (const site of ['none', 'cross-site']) {
        const w = setup(); // five wrong entries lock a session out: one world per entry
        const res = await w.send(`?user_code=${encodeURIComponent(typed)}`, {
          headers: { cookie: 'session=jason', 'sec-fetch-site': site },
        });
        const page = await res.text();
        const value = boxValue(page);
        expect([typed, site, /[<>"']/.test(value)]).toEqual([typed, site, false]);
        expect(page.match(/<input\b/g)?.length).toBe(1);
        expect(page).not.toMatch(/<(script|img|svg|b)\b/i);
      }
    }
  });

  it('a pasted token is not echoed (nor its first 12 characters), and reaches no event or report', async () => {
    const w = setup();
    const { token } = await w.keycard.issue({ ownerId: 'u_jason', label: 'mine', scopes: ['read'] });
    for (const typed of [token, token.slice(0, 12), ` ${token}`, token.toUpperCase()]) {
      for (const site of ['none', 'cross-site']) {
        w.clock.advance(3_600_000); // out of the wrong-entry window
        const page = await (
          await w.send(`?user_code=${encodeURIComponent(typed)}`, {
            headers: { cookie: 'session=jason', 'sec-fetch-site': site },
          })
        ).text();
        expect([typed, site, boxValue(page)]).toEqual([typed, site, '']);
        expect(page).not.toContain(token.slice(9, 12)); // the secret part's first characters
      }
    }
    const retry = await (
      await w.post(
        '/approve',
        { user_code: token, expires: '30d' },
        { cookie: 'session=jason', origin: 'https://app.example' },
      )
    ).text();
    expect(boxValue(retry)).toBe('');
    await w.keycard.flush();
    const logged = JSON.stringify([w.audit.events, w.errors.map(String)]);
    expect(logged).not.toContain(token.slice(0, 12));
  });

  it('with a two-letter prefix, the twelve characters held six of the secret part: none is echoed', async () => {
    const keycard = createKeycard({ prefix: 'ab', scopes: defineScopes({ read: {} }) });
    const { token } = await keycard.issue({ ownerId: 'u_jason', label: 'mine', scopes: ['read'] });
    const w = setup();
    const page = await (
      await w.send(`?user_code=${encodeURIComponent(token)}`, { headers: { cookie: 'session=jason' } })
    ).text();
    expect(boxValue(page)).toBe('');
    expect(page).not.toContain(token.slice(6, 12));
    await keycard.close();
  });

  it('a wrong code as the terminal shows it is still put back, so the person can mend it', async () => {
    const w = setup();
    for (const typed of ['BCDF-GHJK', 'bcdf ghjk', 'BCDFGHJK', 'BCD', 'XXXX-XXXX']) {
      const page = await (
        await w.send(`?user_code=${encodeURIComponent(typed)}`, { headers: { cookie: 'session=jason' } })
      ).text();
      expect([typed, boxValue(page)]).toEqual([typed, typed]);
    }
  });
});

describe('in a real Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  });
  afterAll(() => browser?.close());

  it('hostile text is the box’s value, adds no element or handler, runs nothing', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    for (const typed of HOSTILE) {
      const w = setup();
      const html = await (
        await w.send(`?user_code=${encodeURIComponent(typed)}`, { headers: { cookie: 'session=jason' } })
      ).text();
      await page.setContent(html);
      await page.focus('#user_code').catch(() => {});
      const seen = await page.evaluate(() => ({
        pwned: (window as { pwned?: number }).pwned ?? 0,
        inputs: document.querySelectorAll('input').length,
        foreign: document.querySelectorAll('script, img, svg, b, textarea').length,
        handlers: [...document.querySelectorAll('*')].flatMap((e) =>
          e.getAttributeNames().filter((n) => n.startsWith('on')),
        ),
        value: (document.getElementById('user_code') as HTMLInputElement).value,
      }));
      expect(seen).toEqual({
        pwned: 0,
        inputs: 1,
        foreign: 0,
        handlers: [],
        value: typed.slice(0, 12) === typed.slice(0, 12) ? seen.value : '',
      });
      expect(typed.startsWith(seen.value) || seen.value === '').toBe(true);
    }
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
