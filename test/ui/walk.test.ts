/**
 * The page walk of `<keycard-tokens>` (SPEC §12) in real Chromium, against an `api` whose answers
 * the test releases: a walk whose answer is no longer wanted (the element removed, a newer refresh,
 * the Revoke all dialog closed) sends no further page request, and a list past 100 pages is named
 * for what it is while Revoke all still counts every live token.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasChromium, seriousViolations, useChromium } from './browser.ts';
import { dialog } from './flow.ts';
import { openHostilePage, startHostileServer } from './hostile-server.ts';
import { tokenView } from './token-view.ts';

interface Fake {
  /** The cursor of every `list` call, '' for a first page. */
  calls: string[];
  /** While true, `list` answers only when `release()` is called. */
  hold: boolean;
  /** Answers every held call, then waits a task (the walk's next call, if any, is made by then). */
  release(): Promise<void>;
}

/** Sets the element's `api` to one listing `pages` pages of 100 live tokens; `window.fake` drives it. */
async function useFake(page: Page, pages: number, hold = false): Promise<void> {
  await page.evaluate(
    ([pages, hold, view]) => {
      const token = (id: string) => ({ ...view, id, label: id });
      const answer = (cursor: string) => {
        const n = cursor ? Number(cursor.slice(1)) : 0;
        const data = Array.from({ length: 100 }, (_, i) => token(`tok_${n}_${i}`));
        return { data, nextCursor: n + 1 < pages ? `c${n + 1}` : null };
      };
      const held: (() => void)[] = [];
      const fake = {
        calls: [] as string[],
        hold,
        async release() {
          for (const answer of held.splice(0)) answer();
          await new Promise((resolve) => setTimeout(resolve, 0));
        },
      };
      const list = (q: { cursor?: string }) => {
        fake.calls.push(q.cursor ?? '');
        const a = answer(q.cursor ?? '');
        return fake.hold ? new Promise((resolve) => held.push(() => resolve(a))) : Promise.resolve(a);
      };
      const revokeAll = (b: { expectCount: number }) => Promise.resolve({ count: b.expectCount });
      (window as unknown as { fake: typeof fake }).fake = fake;
      (document.querySelector('keycard-tokens') as unknown as { api: unknown }).api = { list, revokeAll };
    },
    [pages, hold, tokenView('')] as const,
  );
}

describe.skipIf(!hasChromium)('<keycard-tokens> page walk', () => {
  const browser = useChromium();
  let server: Awaited<ReturnType<typeof startHostileServer>>;
  let context: BrowserContext;
  let page: Page;

  beforeEach(async () => {
    server = await startHostileServer();
    ({ context, page } = await openHostilePage(browser(), server));
  });
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  const fake = <T>(f: (fake: Fake) => T) => page.evaluate(`(${f.toString()})(window.fake)`) as Promise<Awaited<T>>;
  const rows = () => page.locator('keycard-tokens li[data-token-id]');

  it('sends no further page request once the element is removed', async () => {
    await useFake(page, 5, true);
    await fake((f) => f.release());
    // The first answer is out and the walk asked for the second; the element goes meanwhile.
    expect(await fake((f) => f.calls)).toEqual(['', 'c1']);
    await page.evaluate(() => document.querySelector('keycard-tokens')!.remove());
    await fake((f) => f.release());
    await fake((f) => f.release());
    expect(await fake((f) => f.calls)).toEqual(['', 'c1']);
  });

  it('a newer refresh ends the walks before it: each read one page, the last one all five', async () => {
    await useFake(page, 5);
    await rows().nth(499).waitFor();
    await fake((f) => void ((f.calls = []), (f.hold = true)));
    await page.evaluate(() => {
      const el = document.querySelector('keycard-tokens') as unknown as { refresh(): Promise<void> };
      for (let i = 0; i < 4; i++) void el.refresh();
    });
    await fake((f) => f.release());
    await fake((f) => ((f.hold = false), f.release()));
    await expect.poll(() => fake((f) => f.calls.length)).toBe(8);
    expect(await fake((f) => f.calls)).toEqual(['', '', '', '', 'c1', 'c2', 'c3', 'c4']);
    expect(await rows().count()).toBe(500);
  });

  it('the Revoke all count sends no further page request once its dialog is closed', async () => {
    await useFake(page, 5);
    await rows().nth(499).waitFor();
    await fake((f) => void ((f.calls = []), (f.hold = true)));
    await page.getByRole('button', { name: 'Revoke all', exact: true }).click();
    await fake((f) => f.release());
    expect(await fake((f) => f.calls)).toEqual(['', 'c1']);
    await page.keyboard.press('Escape');
    await dialog(page, 'Revoke all tokens').waitFor({ state: 'detached' });
    await fake((f) => f.release());
    await fake((f) => f.release());
    expect(await fake((f) => f.calls)).toEqual(['', 'c1']);
  });

  it('past 100 pages the list says there are too many to list, and Revoke all still counts every one', async () => {
    await useFake(page, 101, true);
    // Pages 1 to 99 answered, the 100th (which names a 101st) held: their rows are drawn.
    await fake(async (f) => {
      while (f.calls.length < 100) await f.release();
    });
    expect(await rows().count()).toBe(9900);
    await fake((f) => ((f.hold = false), f.release()));
    const error = page.locator('keycard-tokens [part=error]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/could not be loaded: More than 10,000 tokens/);
    expect(await error.textContent()).not.toMatch(/a list that ends/);
    // In place of the rows read (docs/ui.md): none of them, nor the list or its "Loading…", is left.
    expect(await rows().count()).toBe(0);
    expect(await page.locator('keycard-tokens [part=list]').count()).toBe(0);
    expect(await page.locator('keycard-tokens').getByText('Loading…').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Revoke all', exact: true }).click();
    const all = dialog(page, 'Revoke all tokens');
    await all.getByText('This revokes 10100 tokens', { exact: false }).waitFor();
    await all.getByRole('textbox', { name: 'Type "revoke all" to confirm' }).fill('revoke all');
    await all.getByRole('button', { name: 'Revoke all tokens', exact: true }).click();
    await all.waitFor({ state: 'detached' });
  });
});
