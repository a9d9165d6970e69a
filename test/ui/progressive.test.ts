/**
 * `<keycard-tokens>` draws each page of the list as it arrives (SPEC §12), in real Chromium against
 * the real management handler (test/ui/hostile-server.ts) holding 250 tokens, the pages after the
 * first held by the server until the test lets them go: the first 100 rows show while page 2 is
 * held; later pages are appended (the rows already drawn are the same nodes, focus stays where it
 * was, the list is `aria-busy` until the last page); a walk nobody waits for draws nothing; a page
 * repeating a token shows the error, never a duplicate row. Focus is never left on `<body>` while
 * the list is read: after Revoke, Revoke all and a Retry it moves before the walk ends, and a
 * control of a later page is waited for on "New token", never by a walk a newer one replaced.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { focused, hasChromium, useChromium } from './browser.ts';
import { hostileContext, startHostileServer, type Intercept } from './hostile-server.ts';

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
  /** The server's intercept: holds what `holding` says. */
  let held: Intercept;
  let order: string[];

  // One page for the file: each test has its own server (its own store of 250 tokens, its own
  // `seen`) and a new document on it; a new context and page per test cost 0.4-0.6 s.
  beforeAll(async () => void ({ context, page } = await hostileContext(browser())));
  afterAll(() => context?.close());

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
    held = async (r, pass) => {
      if (r.method === 'GET' && holding(new URL(r.url))) await gate;
      return pass();
    };
    server.setIntercept(held);
    await page.goto(`${server.origin}/page`);
  });
  afterEach(async () => {
    release?.();
    // The last test's document ends (and its requests with it) before its server closes.
    await page?.goto('about:blank');
    await server?.close();
  });

  const rows = () => page.locator('keycard-tokens li[data-token-id]');
  const labels = () => page.locator('keycard-tokens li[data-token-id] h3').allTextContents();
  const list = () => page.locator('keycard-tokens [part=list]');
  /** The requests for a page after the first. */
  const laterPages = () => server.seen.filter((s) => s.startsWith('GET /api/tokens/tokens?') && s.includes('cursor='));
  const button = (name: string) => page.getByRole('button', { name, exact: true });
  const refresh = () =>
    page.evaluate(() => void (document.querySelector('keycard-tokens') as unknown as { refresh(): void }).refresh());
  /** Lets every page go, waits for the walk to end, then holds later pages again. */
  async function settle(): Promise<void> {
    holding = () => false;
    release();
    await expect.poll(() => list().getAttribute('aria-busy')).toBeNull();
    expect(await rows().count()).toBe(250);
    holding = (url) => url.searchParams.has('cursor');
  }
  /** Shows every token (revoked ones stay listed), read to the end. */
  async function showAll(): Promise<void> {
    await settle();
    holding = () => false;
    await page.getByRole('combobox', { name: 'Show' }).selectOption('all');
    await expect.poll(() => laterPages().filter((s) => s.includes('status=all')).length).toBe(2);
    await settle();
  }
  /** Revokes `label` by keyboard: its row's Revoke, then Enter on "Revoke token". */
  async function revokeByKeyboard(label: string): Promise<void> {
    await button(`Revoke ${label}`).focus();
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ name: 'Revoke token', inDialog: `Revoke ${label}?` });
    await page.keyboard.press('Enter');
    await page.locator('keycard-tokens [role=dialog]').waitFor({ state: 'detached' });
  }
  const on = (name: string) => ({ tag: 'button', name, inDialog: null });
  /** Focus on a row of page 3, a refresh: its first page is drawn without the row (page 2 held), New token holds focus. */
  async function waitOnNewToken(): Promise<void> {
    await settle();
    await button(`Revoke ${order[230]}`).focus();
    await refresh();
    await expect.poll(() => focused(page)).toEqual(on('New token'));
    await expect.poll(() => laterPages().length).toBe(3);
  }

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

  it('Revoke (Show: Active): focus is on New token once the dialog closes, not after the last page', async () => {
    await settle();
    await revokeByKeyboard(order[42]!);
    // The new first page is drawn, the second held: the walk has not ended, and focus is not on <body>.
    await expect.poll(() => focused(page)).toEqual(on('New token'));
    await expect.poll(() => laterPages().length).toBe(3);
    expect(await list().getAttribute('aria-busy')).toBe('true');
    holding = () => false;
    release();
    await expect.poll(() => list().getAttribute('aria-busy')).toBeNull();
    expect(await rows().count()).toBe(249);
    expect(await focused(page)).toEqual(on('New token'));
  });

  it('Revoke (Show: All) of a first-page token: focus is on its row, which stays listed, before the last page', async () => {
    await showAll();
    await revokeByKeyboard(order[42]!);
    await expect.poll(() => focused(page)).toEqual(on(`Activity of ${order[42]}`));
    await expect.poll(() => list().getAttribute('aria-busy')).toBe('true');
    expect(await focused(page)).toEqual(on(`Activity of ${order[42]}`));
    const row = page.locator(`keycard-tokens li[data-token-id]`).nth(42);
    expect(await row.locator('[part~=status]').textContent()).toBe('Revoked');
    holding = () => false;
    release();
    await expect.poll(() => list().getAttribute('aria-busy')).toBeNull();
    expect(await focused(page)).toEqual(on(`Activity of ${order[42]}`));
  });

  it('Revoke (Show: All) of a token on a later page: New token holds focus from the first page, then its row takes it', async () => {
    await showAll();
    await revokeByKeyboard(order[230]!);
    await expect.poll(() => focused(page)).toEqual(on('New token'));
    await expect.poll(() => list().getAttribute('aria-busy')).toBe('true');
    expect(await rows().count()).toBe(100);
    holding = () => false;
    release();
    await expect.poll(() => focused(page)).toEqual(on(`Activity of ${order[230]}`));
    await page.keyboard.press('Tab');
    expect((await focused(page)).name).toMatch(/^Activity of /);
  });

  it('Revoke all: focus is on New token once the dialog closes, while the list is still being read', async () => {
    await settle();
    holding = () => false;
    await button('Revoke all').focus();
    await page.keyboard.press('Enter');
    const all = page.locator('keycard-tokens [role=dialog]');
    await all.getByText('This revokes 250 tokens', { exact: false }).waitFor();
    // Every list request from here on is held: the list after Revoke all has not come back.
    holding = () => true;
    await page.keyboard.type('revoke all');
    await all.getByRole('button', { name: 'Revoke all tokens', exact: true }).focus();
    await page.keyboard.press('Enter');
    await all.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toEqual(on('New token'));
    expect(await rows().count()).toBe(250);
    holding = () => false;
    release();
    await page.locator('keycard-tokens').getByText('No tokens yet.', { exact: false }).waitFor();
    expect(await focused(page)).toEqual(on('New token'));
  });

  it('a Retry that succeeds gives focus to the first row, before the last page', async () => {
    await settle();
    const fail = (url: URL) => url.pathname.endsWith('/tokens') && !url.searchParams.has('cursor');
    server.setIntercept(async (r, pass) =>
      fail(new URL(r.url))
        ? Response.json(
            { type: 'about:blank', title: 'Unavailable', status: 503, code: 'unavailable' },
            { status: 503 },
          )
        : pass(),
    );
    await refresh();
    await page.locator('keycard-tokens [part=error]').waitFor();
    server.setIntercept(held);
    await button('Retry').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toEqual(on(`Activity of ${order[0]}`));
    expect(await list().getAttribute('aria-busy')).toBe('true');
  });

  it("a walk a newer one replaced takes its wait for focus with it: the newer one's pages leave focus on New token", async () => {
    await waitOnNewToken();
    await refresh();
    await expect.poll(() => laterPages().length).toBe(4);
    await settle();
    expect(await labels()).toEqual(order);
    expect(await focused(page)).toEqual(on('New token'));
  });

  it('a person who moves focus while New token holds it keeps it where they put it when the later page comes', async () => {
    await waitOnNewToken();
    // Away and back by keyboard: New token is now where the person chose to be.
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toEqual(on('Revoke all'));
    await page.keyboard.press('Tab');
    expect(await focused(page)).toEqual(on('New token'));
    await settle();
    expect(await labels()).toEqual(order);
    expect(await focused(page)).toEqual(on('New token'));
  });
});
