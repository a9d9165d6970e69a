/**
 * SPEC §12's New token scopes, in Chromium against the real Hono test server: the scopes are
 * grouped (by prefix: the unprefixed ones under "General" first, then `tickets`), each with its
 * description; the catalogue default is pre-checked; a use-case preset checks its scopes and
 * shows what they imply checked and locked; changing a scope by hand turns the use case to
 * "Custom", and checking exactly a preset's scopes selects it again; the token created holds the
 * scopes shown. Before, only one preset's locked `read` and the default were read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openSettings, useChromium } from './browser.ts';
import { closeReveal, copyFromReveal, openNewToken } from './flow.ts';
import { startServer } from './server.ts';

describe.skipIf(!hasChromium)('the New token scope picker', () => {
  const browser = useChromium();
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => void (server = await startServer()));
  afterAll(() => server?.close());

  it('groups, describes, pre-checks the default, locks implied scopes and keeps the use case in step', async () => {
    const { context, page, lines } = await openSettings(browser(), server, true);
    try {
      const form = await openNewToken(page);
      const groups = form.getByRole('group');
      const legends = await groups.evaluateAll((els) =>
        els
          .filter((el) => el.getAttribute('part') === 'scope-group')
          .map((el) => [
            el.querySelector('legend')!.textContent,
            [...el.querySelectorAll('input[type=checkbox]')].map((b) => (b as HTMLInputElement).value),
          ]),
      );
      expect(legends).toEqual([
        ['General', ['read', 'comments']],
        ['tickets', ['tickets:write', 'tickets:assign']],
      ]);
      const box = (name: string) => form.getByRole('checkbox', { name, exact: true });
      /** Each scope as `name` with `*` checked and `!` locked. */
      const state = async () => {
        const out: string[] = [];
        for (const name of ['read', 'comments', 'tickets:write', 'tickets:assign'])
          out.push(`${name}${(await box(name).isChecked()) ? '*' : ''}${(await box(name).isDisabled()) ? '!' : ''}`);
        return out;
      };
      const description = (name: string) =>
        box(name).evaluate((el) =>
          el
            .getAttribute('aria-describedby')!
            .split(' ')
            .map((id) => (el.getRootNode() as ShadowRoot).getElementById(id)!.textContent)
            .join(' ')
            .trim(),
        );
      expect(await description('tickets:assign')).toBe('Assign people to tickets');
      const useCase = form.getByRole('combobox', { name: 'Use case' });
      const shownCase = () => useCase.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]!.textContent);

      // The default (read) alone: the "Read-only dashboard" preset.
      expect(await state()).toEqual(['read*', 'comments', 'tickets:write', 'tickets:assign']);
      expect(await shownCase()).toBe('Read-only dashboard');

      // A preset: its scopes checked, what they imply checked and locked, with the reason.
      await useCase.selectOption('Triage agent');
      expect(await state()).toEqual(['read*!', 'comments*!', 'tickets:write*', 'tickets:assign*']);
      expect(await description('comments')).toBe('Included by tickets:write Post comments');

      // By hand: off the preset ("Custom"); the implied ones go with what implied them; then
      // exactly the Slack bot's scope, which selects it.
      await box('tickets:assign').uncheck();
      expect(await shownCase()).toBe('Custom');
      await box('tickets:write').uncheck();
      expect(await state()).toEqual(['read', 'comments', 'tickets:write', 'tickets:assign']);
      expect(await shownCase()).toBe('Custom');
      await box('comments').check();
      expect(await state()).toEqual(['read*!', 'comments*', 'tickets:write', 'tickets:assign']);
      expect(await shownCase()).toBe('Slack bot');

      await form.getByRole('textbox', { name: 'Label', exact: true }).fill('slack bot');
      await form.getByRole('button', { name: 'Create token', exact: true }).click();
      await copyFromReveal(page);
      await closeReveal(page);
      const res = await fetch(`${server.origin}/api/tokens/tokens`, {
        headers: { cookie: `${server.session.name}=${server.session.value}` },
      });
      const { data } = (await res.json()) as { data: { label: string; scopes: string[]; effectiveScopes: string[] }[] };
      const made = data.find((t) => t.label === 'slack bot')!;
      expect([...made.effectiveScopes].sort()).toEqual(['comments', 'read']);
      expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
