/**
 * The steps of a token's life through `<keycard-tokens>`, shared by tokens-page.test.ts (the test
 * server, fake clock) and examples-page.test.ts (the example servers, real time). Each step waits
 * for the screen it acts on before it types or clicks (the New token form, for one, opens only
 * after the scope catalogue has loaded), and each `scan` is an axe-core pass over that screen.
 */
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/** Scans the current screen with axe-core and returns its serious or critical violations, described. */
export type Scan = (name: string) => Promise<string[]>;

export const dialog = (page: Page, name: string): Locator => page.getByRole('dialog', { name, exact: true });

/**
 * One Chromium has one clipboard, shared by its contexts: pages copying at the same time (the
 * examples' flows run side by side) take turns, so each reads back what its own Copy wrote.
 */
let clipboardTurn: Promise<unknown> = Promise.resolve();

/** Reads the secret from the reveal dialog, copies it with the Copy button and returns the clipboard (equal to it). */
export function copyFromReveal(page: Page): Promise<string> {
  const turn = clipboardTurn.then(() => copyOnce(page));
  clipboardTurn = turn.catch(() => {});
  return turn;
}

async function copyOnce(page: Page): Promise<string> {
  const reveal = dialog(page, 'Copy your new token');
  const value = await reveal.getByLabel('Token', { exact: true }).inputValue();
  await reveal.getByRole('button', { name: 'Copy', exact: true }).click();
  await reveal.getByText('Copied', { exact: true }).waitFor();
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  expect(clip).toBe(value);
  return clip;
}

/** Opens New token and returns the form once its Label field is there and focused. */
export async function openNewToken(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'New token', exact: true }).click();
  const form = dialog(page, 'New token');
  const label = form.getByRole('textbox', { name: 'Label', exact: true });
  await label.waitFor();
  await expect
    .poll(() => label.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el), { timeout: 10_000 })
    .toBe(true);
  return form;
}

export interface NewToken {
  label: string;
  /** A use case whose scopes include tickets:write (so `read` is implied, checked and locked). */
  preset: string;
  /** The company the token is limited to. */
  company: string;
}

/**
 * Fills the open New token form (label, preset, company restriction, 30 days), scans it as
 * `new-token`, creates the token and scans the reveal as `reveal`, which it leaves open.
 */
export async function createToken(page: Page, form: Locator, t: NewToken, scan: Scan): Promise<string[]> {
  const violations: string[] = [];
  await form.getByRole('textbox', { name: 'Label', exact: true }).fill(t.label);
  await form.getByRole('combobox', { name: 'Use case' }).selectOption(t.preset);
  const read = form.getByRole('checkbox', { name: 'read', exact: true });
  expect([await read.isChecked(), await read.isDisabled()]).toEqual([true, true]);
  expect(
    await read.evaluate((el) =>
      el
        .getAttribute('aria-describedby')!
        .split(' ')
        .map((id) => (el.getRootNode() as ShadowRoot).getElementById(id)!.textContent)
        .join(' '),
    ),
  ).toContain('Included by tickets:write');
  expect(await form.getByRole('checkbox', { name: 'tickets:write', exact: true }).isChecked()).toBe(true);
  await form.getByRole('textbox', { name: 'Limit to company' }).fill(t.company);
  await form.getByRole('combobox', { name: 'Expiration', exact: true }).selectOption('30d');
  violations.push(...(await scan('new-token')));
  await form.getByRole('button', { name: 'Create token', exact: true }).click();

  // Reveal once: masked, read-only, with the shown-once warning.
  const reveal = dialog(page, 'Copy your new token');
  const field = reveal.getByLabel('Token', { exact: true });
  await reveal.getByText(/only time the token is shown/).waitFor();
  expect(await field.getAttribute('type')).toBe('password');
  expect(await field.getAttribute('readonly')).not.toBeNull();
  violations.push(...(await scan('reveal')));
  return violations;
}

/** Closes the reveal (after a copy: no question asked). */
export async function closeReveal(page: Page): Promise<void> {
  const reveal = dialog(page, 'Copy your new token');
  await reveal.getByRole('button', { name: 'Done' }).click();
  await reveal.waitFor({ state: 'detached' });
}

/** The row of a token in the list, by its label. */
export const rowOf = (page: Page, label: string): Locator =>
  page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: label }) });

/**
 * Rotates `label` with the grace choice named `grace` (scanned as `rotate`), copies the new
 * secret and closes the reveal. Returns it with the old token's new expiry from the server.
 */
/**
 * Rotates `label` with `grace` and copies the new secret. `inGrace(secret, previousExpiresAt)` runs
 * as soon as the new secret is shown, before the copy waits its turn on the shared clipboard, so
 * checks that must fall inside a short grace are not delayed by other pages copying.
 */
export async function rotateToken<T = undefined>(
  page: Page,
  label: string,
  grace: string,
  scan: Scan,
  inGrace?: (secret: string, previousExpiresAt: number) => Promise<T>,
): Promise<{ secret: string; previousExpiresAt: number; violations: string[]; during: T | undefined }> {
  await page.getByRole('button', { name: `Rotate ${label}`, exact: true }).click();
  const rotate = dialog(page, `Rotate ${label}`);
  await rotate.getByRole('radio', { name: grace, exact: true }).check();
  await rotate.getByText(/The old token stops working/).waitFor();
  const violations = await scan('rotate');
  const isRotate = (url: URL) => /\/tokens\/[^/]+\/rotate$/.test(url.pathname);
  // The answer's body is kept as it passes (DevTools may drop a body the page read as a stream).
  let body = '';
  await page.route(isRotate, async (route) => {
    const r = await route.fetch();
    body = await r.text();
    await route.fulfill({ response: r, body });
  });
  const answered = page.waitForResponse((r) => isRotate(new URL(r.url())));
  await rotate.getByRole('button', { name: 'Rotate token', exact: true }).click();
  const response = await answered;
  await page.unroute(isRotate);
  expect(response.status()).toBe(201);
  const { previous } = JSON.parse(body) as { previous: { expiresAt: string } };
  const previousExpiresAt = Date.parse(previous.expiresAt);
  const reveal = dialog(page, 'Copy your new token');
  await reveal.getByText(/old token keeps working until/).waitFor();
  const shown = await reveal.getByLabel('Token', { exact: true }).inputValue();
  const during = inGrace ? await inGrace(shown, previousExpiresAt) : undefined;
  const secret = await copyFromReveal(page);
  expect(secret).toBe(shown);
  await closeReveal(page);
  return { secret, previousExpiresAt, violations, during };
}

/** Opens Rotate for `label` and returns its grace choices as shown (`*` marks the checked one); Escape closes it. */
export async function offeredGraceChoices(page: Page, label: string): Promise<string[]> {
  await page.getByRole('button', { name: `Rotate ${label}`, exact: true }).click();
  const rotate = dialog(page, `Rotate ${label}`);
  const radios = rotate.getByRole('radio');
  await radios.first().waitFor();
  const seen = await radios.evaluateAll((els) =>
    els.map((el) => `${(el as HTMLInputElement).checked ? '*' : ''}${el.parentElement!.textContent!.trim()}`),
  );
  await page.keyboard.press('Escape');
  await rotate.waitFor({ state: 'detached' });
  return seen;
}

/** Revokes `label` from its row (the dialog waits for `lastUse` and is scanned as `revoke`). */
export async function revokeToken(page: Page, label: string, lastUse: RegExp, scan: Scan): Promise<string[]> {
  await page.getByRole('button', { name: `Revoke ${label}`, exact: true }).click();
  const revoke = dialog(page, `Revoke ${label}?`);
  await revoke.getByText(lastUse).waitFor();
  const violations = await scan('revoke');
  const answered = page.waitForResponse((r) => /\/tokens\/[^/]+\/revoke$/.test(new URL(r.url()).pathname));
  await revoke.getByRole('button', { name: 'Revoke token', exact: true }).click();
  expect((await answered).status()).toBe(200);
  await revoke.waitFor({ state: 'detached' });
  return violations;
}

/**
 * Opens Revoke all, waits for the live count `count`, checks the button stays disabled until the
 * phrase is typed, types it and scans the dialog as `revoke-all`. Returns the dialog and its button.
 */
export async function confirmRevokeAll(
  page: Page,
  count: number,
  scan: Scan,
): Promise<{ all: Locator; go: Locator; violations: string[] }> {
  await page.getByRole('button', { name: 'Revoke all', exact: true }).click();
  const all = dialog(page, 'Revoke all tokens');
  await all.getByText(`This revokes ${count} tokens`, { exact: false }).waitFor();
  const go = all.getByRole('button', { name: 'Revoke all tokens', exact: true });
  expect(await go.isDisabled()).toBe(true);
  await all.getByRole('textbox', { name: 'Type "revoke all" to confirm' }).fill('revoke all');
  expect(await go.isDisabled()).toBe(false);
  return { all, go, violations: await scan('revoke-all') };
}
