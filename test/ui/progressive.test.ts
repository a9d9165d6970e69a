/**
 * `<keycard-tokens>` draws each page of the list as it arrives (SPEC §12), in real Chromium against
 * the real management handler (test/ui/hostile-server.ts) holding 250 tokens, the pages after the
 * first held by the server until the test lets them go: the first 100 rows show while page 2 is
 * held; later pages are appended (the rows already drawn are the same nodes, focus stays where it
 * was, the list is `aria-busy` until the last page); a walk nobody waits for draws nothing; a page
 * repeating a token shows the error, never a duplicate row.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { focused, hasChromium, useChromium } from './browser.ts';
import { openHostilePage, startHostileServer } from './hostile-server.ts';

type Server = Awaited<ReturnType<typeof startHostileServer>>;
const ISSUED = Array.from({ length: 250 }, (_, i) => `tok ${String(i).padStart(3, '0')}`);

/** The labels in the server's own order (created, then id), read page by page before any hold. */
async function serverOrder(origin: string): Promise<string[]> {
  const out: string[] = [];
  for (let cursor = ''; ;) {
    const res = await fetch(`${origin}/api/tokens/tokens?status=active&limit=100${cursor && `&cursor=${cursor}`}`);
    const body = (await res.json()) as { data: { label: string }[]; nextCursor: string | null };
    out.push(...body.data.map((t) => t.label));
    if (!body.nextCursor) return out;
    cursor = encodeURIComponent(body.nextCursor);
  }
}

describe.skipIf(!hasChromium)('<keycard-tokens>: each page drawn as it arrives', () => {
  const browser = useChromium();
  let server: Server;
  let context: BrowserContext;
  let page: Page;
  /** Lets every held page request go; those made later are held too while `holding` says so. */
  let release: () => void;
  let holding: (url: URL) => boolean;
  let order: string[];

  beforeEach(async () => {
    server = await startHostileServer();
    for (const label of ISSUED) await server.issue(label);
    order = await serverOrder(server.origin);
    expect([...order].sort()).toEqual(ISSUED);
    server.seen.length = 0;
    let open = () => {};
    let gate = new Promise<void>((r) => (open = r));
    release = () => {
      open();
      gate = new Promise<void>((r) => (open = r));
    };
    holding = (url) => url.searchParams.has('cursor');
    server.setIntercept(async (r, pass) => {
      if (r.method === 'GET' && holding(new URL(r.url))) await gate;
      return pass();
    });
    ({ context, page } = await openHostilePage(browser(), server));
  });
  afterEach(async () => {
    release?.();
    await context?.close();
    await server?.close();
  });

  const rows = () => page.locator('keycard-tokens li[data-token-id]');
  const labels = () => page.locator('keycard-tokens li[data-token-id] h3').allTextContents();
  const list = () => page.locator('keycard-tokens [part=list]');
  /** The requests for a page after the first. */
  const laterPages = () => server.seen.filter((s) => s.startsWith('GET /api/tokens/tokens?') && s.includes('cursor='));

  it('shows the first page while the second is held, then appends the rest in order to the same list', async () => {
    await rows().first().waitFor({ timeout: 5000 });
    await expect.poll(() => laterPages().length).toBe(1);
    expect(await rows().count()).toBe(100);
    expect(await labels()).toEqual(order.slice(0, 100));
    expect(await list().getAttribute('aria-busy')).toBe('true');
    // A row of the first page focused and marked: appending must neither replace it nor move focus.
    await page.getByRole('button', { name: `Revoke ${order[42]}`, exact: true }).focus();
    await page.evaluate(() => {
      const root = document.querySelector('keycard-tokens')!.shadowRoot!;
      (root.querySelector('li[data-token-id]') as unknown as { mark: string }).mark = 'first';
      (root.querySelector('[part=list]') as unknown as { mark: string }).mark = 'list';
    });
    holding = () => false;
    release();
    await rows().nth(249).waitFor();
    expect(await labels()).toEqual(order);
    expect(
      await page.evaluate(() => {
        const root = document.querySelector('keycard-tokens')!.shadowRoot!;
        const mark = (el: Element | null) => (el as unknown as { mark?: string } | null)?.mark;
        return [mark(root.querySelector('li[data-token-id]')), mark(root.querySelector('[part=list]'))];
      }),
    ).toEqual(['first', 'list']);
    expect(await focused(page)).toEqual({ tag: 'button', name: `Revoke ${order[42]}`, inDialog: null });
    expect(await list().getAttribute('aria-busy')).toBeNull();
    expect(await page.locator('keycard-tokens').getByText('Loading…').count()).toBe(0);
  });

  it('a walk a newer one replaced draws nothing when its held page arrives', async () => {
    await rows().first().waitFor({ timeout: 5000 });
    // Only the Active walk's later pages stay held; the All walk reads every page.
    holding = (url) => url.searchParams.has('cursor') && url.searchParams.get('status') === 'active';
    await page.getByRole('combobox', { name: 'Show' }).selectOption('all');
    await expect.poll(() => laterPages().filter((s) => s.includes('status=all')).length).toBe(2);
    await rows().nth(249).waitFor();
    const answered = page.waitForEvent('requestfinished', (r) =>
      /status=active.*cursor=|cursor=.*status=active/.test(r.url()),
    );
    release();
    await answered;
    // The held answer is in; a few tasks for the page to read it. Nothing is drawn from it.
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    expect(await labels()).toEqual(order);
  });

  it('focus on a row of a later page comes back when a refresh draws that page again', async () => {
    holding = () => false;
    release();
    await rows().nth(249).waitFor();
    await page.getByRole('button', { name: `Revoke ${order[230]}`, exact: true }).focus();
    holding = (url) => url.searchParams.has('cursor');
    await page.evaluate(
      () => void (document.querySelector('keycard-tokens') as unknown as { refresh(): void }).refresh(),
    );
    await expect.poll(() => laterPages().length).toBe(3);
    holding = () => false;
    release();
    await expect.poll(() => focused(page)).toEqual({ tag: 'button', name: `Revoke ${order[230]}`, inDialog: null });
    expect(await labels()).toEqual(order);
  });

  it('a later page that fails while a drawn row holds focus: the error takes the rows, Retry takes focus', async () => {
    await rows().first().waitFor({ timeout: 5000 });
    await page.getByRole('button', { name: `Revoke ${order[42]}`, exact: true }).focus();
    server.setIntercept(async (r, pass) =>
      new URL(r.url).searchParams.has('cursor')
        ? Response.json(
            { type: 'about:blank', title: 'Unavailable', status: 503, code: 'unavailable' },
            { status: 503 },
          )
        : pass(),
    );
    release();
    await page.locator('keycard-tokens [part=error]').waitFor();
    expect(await rows().count()).toBe(0);
    // Not <body> (where Tab starts again at the top of the page and a screen reader says nothing).
    expect(await focused(page)).toEqual({ tag: 'button', name: 'Retry', inDialog: null });
    // Retry meets the same failure: the first page is drawn, then a new error; focus is on its Retry.
    const error = () =>
      page.evaluate(() => {
        const el = document.querySelector('keycard-tokens')!.shadowRoot!.querySelector('[part=error]');
        return el ? ((el as unknown as { mark?: string }).mark ?? 'new') : 'none';
      });
    await page.evaluate(() => {
      const el = document.querySelector('keycard-tokens')!.shadowRoot!.querySelector('[part=error]')!;
      (el as unknown as { mark: string }).mark = 'old';
    });
    await page.keyboard.press('Enter');
    await expect.poll(error).toBe('new');
    expect(await focused(page)).toEqual({ tag: 'button', name: 'Retry', inDialog: null });
  });

  it('a page repeating a token already drawn ends in the error, never a duplicate row', async () => {
    await rows().first().waitFor({ timeout: 5000 });
    const first = await rows().first().getAttribute('data-token-id');
    server.setIntercept(async (r, pass) => {
      const res = await pass();
      if (!new URL(r.url).searchParams.has('cursor')) return res;
      const body = (await res.json()) as { data: { id: string }[] };
      const again = { ...body.data[0]!, id: first! };
      return Response.json({ ...body, data: [again, ...body.data.slice(1)] });
    });
    release();
    const error = page.locator('keycard-tokens [part=error]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/not a list that ends/);
    expect(await rows().count()).toBe(0);
  });
});
