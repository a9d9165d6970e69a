/**
 * SPEC §12 "personal/workspace when allowed" and CMDOP's page (shared/seeds/003: personal tokens
 * for your own scripts, workspace tokens for CI, each listed and mass-revoked on its own). With
 * `workspace-id` set and `kinds` left out, `<keycard-tokens>` offers both kinds: the list's Kind
 * selector shows one kind at a time, New token asks which kind (the one listed is checked) and
 * creates that kind, and Revoke all ends only the kind listed. Real Chromium against a real Hono
 * server whose management handler lets the person manage workspace w1 (`canManageWorkspace`).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { honoGuard } from '../../src/adapters/hono.ts';
import { createKeycard, createManagementHandler, defineScopes, type UserActor } from '../../src/index.ts';
import { hasChromium, openSettings, useChromium } from './browser.ts';
import { closeReveal, confirmRevokeAll, copyFromReveal, dialog, openNewToken, rowOf } from './flow.ts';
import { bundleUi, page as settingsPage } from './server.ts';

const USER: UserActor = { kind: 'user', id: 'u_ivan', scopes: ['machines:read', 'machines:write'] };
const SESSION = { name: 'sid', value: 'u_ivan' };

async function start() {
  const keycard = createKeycard({
    prefix: 'cmdop',
    scopes: defineScopes(
      {
        'machines:read': { description: 'List and inspect machines' },
        'machines:write': { implies: ['machines:read'], description: 'Register, deregister, retag' },
      },
      { defaults: ['machines:read'] },
    ),
  });
  const manage = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    authorize: (req) => ((req.headers.get('cookie') ?? '').includes('sid=u_ivan') ? USER : null),
    canManageWorkspace: (actor, workspaceId) => actor.kind === 'user' && workspaceId === 'w1',
  });
  const ui = await bundleUi();
  const app = new Hono();
  app.all('/api/tokens/*', (c) => manage(c.req.raw));
  app.get('/api/v1/machines', honoGuard(keycard, { scope: 'machines:read' }), (c) => c.json({ machines: [] }));
  app.get('/assets/keycard-ui.js', (c) => c.body(ui, 200, { 'Content-Type': 'text/javascript' }));
  app.get('/settings/tokens', (c) => c.html(settingsPage('base-path="/api/tokens" workspace-id="w1"')));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const headers = { cookie: `sid=${SESSION.value}`, origin, 'content-type': 'application/json' };
  return {
    origin,
    session: { ...SESSION, url: origin },
    /** Creates a token through the management API, as another tab would; returns its secret. */
    create: async (body: Record<string, unknown>) => {
      const res = await fetch(`${origin}/api/tokens/tokens`, { method: 'POST', headers, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      return ((await res.json()) as { token: string }).token;
    },
    /** Every token of the person and of w1, as `label:kind:workspaceId:status`, sorted. */
    all: async () => {
      const out: string[] = [];
      for (const q of ['kind=personal', 'kind=workspace&workspaceId=w1']) {
        const res = await fetch(`${origin}/api/tokens/tokens?${q}&status=all`, { headers });
        const { data } = (await res.json()) as {
          data: { label: string; kind: string; workspaceId: string | null; status: string }[];
        };
        out.push(...data.map((t) => `${t.label}:${t.kind}:${t.workspaceId}:${t.status}`));
      }
      return out.sort();
    },
    callApi: async (token: string) =>
      (await fetch(`${origin}/api/v1/machines`, { headers: { authorization: `Bearer ${token}` } })).status,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(!hasChromium)('<keycard-tokens workspace-id> offers personal and workspace tokens', () => {
  const browser = useChromium();
  let server: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => void (server = await start()));
  afterAll(() => server?.close());

  it('the Kind selector lists one kind, New token creates the kind chosen, Revoke all ends only the kind listed', async () => {
    const own = await server.create({ label: 'own script' });
    const ci = await server.create({ label: 'gha-deploy', kind: 'workspace', workspaceId: 'w1' });
    const { context, page, lines } = await openSettings(browser(), server, true);
    try {
      // Personal first: the person's own token, not the workspace's.
      await rowOf(page, 'own script').waitFor();
      expect(await rowOf(page, 'gha-deploy').count()).toBe(0);

      // New token while Personal is listed: both kinds offered, Personal checked; Workspace chosen.
      let form = await openNewToken(page);
      const kinds = form.getByRole('group', { name: 'Kind', exact: true });
      expect(
        await kinds.getByRole('radio').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value)),
      ).toEqual(['personal', 'workspace']);
      expect(await kinds.getByRole('radio', { name: 'Personal', exact: true }).isChecked()).toBe(true);
      await form.getByRole('textbox', { name: 'Label', exact: true }).fill('ci runner');
      await kinds.getByRole('radio', { name: 'Workspace', exact: true }).check();
      await form.getByRole('button', { name: 'Create token', exact: true }).click();
      const runner = await copyFromReveal(page);
      await closeReveal(page);
      expect(await server.callApi(runner)).toBe(200);
      expect(await server.all()).toEqual([
        'ci runner:workspace:w1:active',
        'gha-deploy:workspace:w1:active',
        'own script:personal:null:active',
      ]);

      // Workspace listed: its two tokens, not the personal one; New token has Workspace checked.
      await page.getByRole('combobox', { name: 'Kind', exact: true }).selectOption('workspace');
      await rowOf(page, 'gha-deploy').waitFor();
      await rowOf(page, 'ci runner').waitFor();
      expect(await rowOf(page, 'own script').count()).toBe(0);
      form = await openNewToken(page);
      expect(await form.getByRole('radio', { name: 'Workspace', exact: true }).isChecked()).toBe(true);
      await page.keyboard.press('Escape');
      await dialog(page, 'New token').waitFor({ state: 'detached' });

      // Revoke all while Workspace is listed: counts and ends the workspace's two, not the person's.
      const { all, go } = await confirmRevokeAll(page, 2, async () => []);
      await go.click();
      await all.waitFor({ state: 'detached' });
      expect([await server.callApi(ci), await server.callApi(runner), await server.callApi(own)]).toEqual([
        401, 401, 200,
      ]);
      expect(await server.all()).toEqual([
        'ci runner:workspace:w1:revoked',
        'gha-deploy:workspace:w1:revoked',
        'own script:personal:null:active',
      ]);
      expect(lines.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
