/**
 * CMDOP's page (shared/seeds/003), walked as CMDOP's engineer would build it from docs/ only, on
 * real Express: personal and workspace tokens, the expiry presets, rotation checked against the
 * audit log's last use, single and mass revoke, audit with actor and request id, and `cmdop login`
 * (keycard/cli's deviceLogin, approved in real Chromium) writing a 0600 credentials file. The mass
 * revoke clicks through `<keycard-tokens>` by the accessible names docs/ui.md lists: before the
 * table named the dialog's confirm button ("Revoke all tokens"), a page following it (the confirm
 * buttons paragraph said **Revoke all**) clicked the opener's name again and waited forever.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressGuard, type AuthenticatedRequest } from '../src/adapters/express.ts';
import { deviceLogin, readCredentials, writeCredentials } from '../src/cli/index.ts';
import { createManagementClient } from '../src/client/index.ts';
import { createKeycard, createManagementHandler, defineScopes, memoryAuditStore } from '../src/index.ts';
import { listen, settingsApp } from './seeds-fixture.ts';
import { hasChromium, launch } from './ui/browser.ts';

const ALL = [
  'machines:read',
  'machines:write',
  'commands:execute',
  'files:read',
  'files:write',
  'schedules:manage',
  'agent:invoke',
  'permissions:manage',
];
const scopes = defineScopes(
  {
    'machines:read': { description: 'List and inspect machines' },
    'machines:write': { implies: ['machines:read'], description: 'Register, deregister, retag' },
    'commands:execute': { description: 'Drive sessions and run commands' },
    'files:read': { description: 'Read files via the agent' },
    'files:write': { description: 'Modify files via the agent' },
    'schedules:manage': { description: 'Create, edit, delete schedules' },
    'agent:invoke': { description: 'Call ask_agent / ask_agents cross-machine' },
    'permissions:manage': { description: 'Edit permissions.yaml rules remotely' },
  },
  { defaults: ['machines:read'] },
);
const members = new Map([
  ['u_ivan', 'w1'],
  ['u_olga', 'w1'],
]);
const audit = memoryAuditStore();
const keycard = createKeycard({
  prefix: 'cmdop',
  scopes,
  audit,
  resolveOwner: (principal, _workspaceId, kind) =>
    kind === 'workspace' || members.has(principal) ? { status: 'active', scopes: ALL } : { status: 'gone' },
});
const sessionOf = (req: Request) => /(?:^|;\s*)sid=(\w+)/.exec(req.headers.get('cookie') ?? '')?.[1];
let base = '';
let close: () => Promise<void>;
const home = mkdtempSync(path.join(tmpdir(), 'seeds-cmdop-'));

beforeAll(async () => {
  const manage = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    auditStore: audit,
    authorize: async (req) => {
      const id = sessionOf(req);
      return id && members.has(id) ? { kind: 'user', id, scopes: ALL } : null;
    },
    canManageWorkspace: (actor, workspaceId) => members.get(actor.id) === workspaceId,
  });
  const guard = expressGuard(keycard);
  const app = await settingsApp(
    manage,
    '/settings/workspace',
    'base-path="/api/tokens" workspace-id="w1" kinds="workspace"',
  );
  app.use('/api/v1', guard());
  app.get(
    '/api/v1/machines',
    guard({ scope: 'machines:read' }),
    (req: AuthenticatedRequest, res) => void res.json({ by: req.keycard.tokenId }),
  );
  const listening = await listen(app);
  base = listening.base;
  close = async () => {
    await listening.close();
    await keycard.close();
    rmSync(home, { recursive: true, force: true });
  };
});
afterAll(() => close());

const as = (user: string) =>
  createManagementClient({ baseUrl: `${base}/api/tokens`, headers: { cookie: `sid=${user}`, origin: base } });
const machines = (token: string, requestId?: string) =>
  fetch(`${base}/api/v1/machines`, {
    headers: { authorization: `Bearer ${token}`, ...(requestId ? { 'x-request-id': requestId } : {}) },
  });
const days = (iso: string | null, from: number) =>
  iso === null ? null : Math.round((Date.parse(iso) - from) / 86_400_000);

describe('CMDOP: API tokens', () => {
  it('Create token: expiry never, 30 days, 90 days, 1 year or custom', async () => {
    const now = Date.now();
    const ivan = as('u_ivan');
    const got: Record<string, number | null> = {};
    for (const expiresIn of ['never', '30d', '90d', '365d'] as const) {
      got[expiresIn] = days(
        (await ivan.create({ label: `gha-${expiresIn}`, scopes: ['machines:read'], expiresIn })).record.expiresAt,
        now,
      );
    }
    expect(got).toEqual({ never: null, '30d': 30, '90d': 90, '365d': 365 });
    const custom = await ivan.create({
      label: 'custom',
      scopes: ['machines:read'],
      expiresAt: '2031-02-03T04:05:06.000Z',
    });
    expect(custom.record.expiresAt).toBe('2031-02-03T04:05:06.000Z');
  });

  it('personal tokens die with the member; workspace tokens survive member churn', async () => {
    const ivan = as('u_ivan');
    const personal = await ivan.create({ label: 'my script', scopes: ['machines:read'] });
    const shared = await ivan.create({
      label: 'gha-deploy',
      kind: 'workspace',
      workspaceId: 'w1',
      scopes: ['machines:read'],
    });
    expect((await as('u_olga').list({ workspaceId: 'w1', kind: 'workspace' })).data.map((t) => t.id)).toContain(
      shared.record.id,
    );
    members.delete('u_ivan');
    await keycard.invalidateOwner('u_ivan');
    try {
      expect([(await machines(personal.token)).status, (await machines(shared.token)).status]).toEqual([401, 200]);
    } finally {
      members.set('u_ivan', 'w1');
      await keycard.invalidateOwner('u_ivan');
    }
  });

  it('rotation without downtime: the audit log shows the old token’s last use before the rollout, then revoke', async () => {
    const ivan = as('u_ivan');
    const old = await ivan.create({ label: 'prod deploy', scopes: ['machines:read'] });
    expect((await machines(old.token, 'deploy-1')).status).toBe(200);
    const next = await ivan.rotate(old.record.id, { graceMs: 3_600_000 });
    const rollout = Date.now();
    expect((await machines(next.token, 'deploy-2')).status).toBe(200);
    await keycard.flush();
    expect(
      (await ivan.activity(old.record.id, { outcome: 'allowed', since: new Date(rollout).toISOString() })).data,
    ).toEqual([]);
    expect(Date.parse((await ivan.get(old.record.id)).lastUsedAt!)).toBeLessThanOrEqual(rollout);
    await ivan.revoke(old.record.id, { reason: 'rotated' });
    expect((await machines(old.token)).status).toBe(401);
  });

  it('issuance, use and revocation are audited with the actor and the request id', async () => {
    const created = await fetch(`${base}/api/tokens/tokens`, {
      method: 'POST',
      headers: { cookie: 'sid=u_ivan', origin: base, 'content-type': 'application/json', 'x-request-id': 'cab-1' },
      body: JSON.stringify({ label: 'audited', scopes: ['machines:read'] }),
    });
    const { token, record } = (await created.json()) as { token: string; record: { id: string } };
    expect((await machines(token, 'use-1')).status).toBe(200);
    await fetch(`${base}/api/tokens/tokens/${record.id}/revoke`, {
      method: 'POST',
      headers: { cookie: 'sid=u_ivan', origin: base, 'content-type': 'application/json', 'x-request-id': 'cab-2' },
      body: '{}',
    });
    await keycard.flush();
    const events = (await audit.query({ tokenId: record.id, order: 'asc' })).events;
    const pick = (type: string) =>
      events.find((e) => e.type === type) as { actor?: { id?: string }; requestId: string } | undefined;
    expect([pick('token.issued')?.actor?.id, pick('token.issued')?.requestId]).toEqual(['u_ivan', 'cab-1']);
    expect(pick('request.allowed')?.requestId).toBe('use-1');
    expect([pick('token.revoked')?.actor?.id, pick('token.revoked')?.requestId]).toEqual(['u_ivan', 'cab-2']);
  });
});

describe.skipIf(!hasChromium)('CMDOP: the CLI and the cabinet in a real browser', () => {
  it('`cmdop login` (device flow, approved in Chromium) writes a 0600 file whose token works and is listed', async () => {
    const browser = await launch();
    const saved = process.env.CMDOP_CONFIG_DIR;
    process.env.CMDOP_CONFIG_DIR = path.join(home, 'cmdop');
    try {
      let shown!: (m: RegExpExecArray) => void;
      const instructions = new Promise<RegExpExecArray>((r) => (shown = r));
      const lines: string[] = [];
      const login = deviceLogin({
        url: `${base}/api/tokens`,
        clientId: 'cmdop-cli',
        host: 'ci-runner',
        scopes: ['machines:read', 'commands:execute'],
        openBrowser: false,
        output: (line) => {
          lines.push(line);
          const m = /(https?:\/\/\S+)[\s\S]*?([B-Z]{4}-[B-Z]{4})/.exec(lines.join('\n'));
          if (m) shown(m);
        },
      });
      const [, uri, code] = await instructions;
      const context = await browser.newContext({ timezoneId: 'UTC' }); // calendar-day badges: no daylight saving
      await context.addCookies([{ name: 'sid', value: 'u_ivan', url: base }]);
      const page = await context.newPage();
      await page.goto(uri!);
      await page.getByLabel('Enter the code shown in your terminal').fill(code!);
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('heading', { name: 'Device connected' }).waitFor();
      const got = await login;
      const file = await writeCredentials(
        'cmdop',
        { token: got.token, url: base, tokenId: got.tokenId },
        { revokeAt: `${base}/settings` },
      );
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect((await readCredentials('cmdop'))?.token).toBe(got.token);
      expect(readFileSync(file, 'utf8')).toContain(`CMDOP_TOKEN_ID=${got.tokenId}`);
      expect((await machines(got.token)).status).toBe(200);
      expect((await as('u_ivan').get(got.tokenId)).label).toBe('cmdop-cli on ci-runner');
    } finally {
      if (saved === undefined) delete process.env.CMDOP_CONFIG_DIR;
      else process.env.CMDOP_CONFIG_DIR = saved;
      await browser.close();
    }
  });

  it('"Revoke all" in the workspace settings, by the accessible names docs/ui.md lists, ends every workspace token', async () => {
    const row = readFileSync(new URL('../docs/ui.md', import.meta.url), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('| mass revoke |'))!;
    const named = (what: string) => new RegExp(`${what} \\*\\*([^*]+)\\*\\*`).exec(row)?.[1];
    const names = { open: named('button'), dialog: named('dialog'), confirm: named('confirm button') };
    expect(names, 'docs/ui.md names the opener, the dialog and its confirm button').toEqual({
      open: 'Revoke all',
      dialog: 'Revoke all tokens',
      confirm: expect.any(String),
    });
    const ivan = as('u_ivan');
    const tokens = [
      await ivan.create({ label: 'gha-a', kind: 'workspace', workspaceId: 'w1', scopes: ['machines:read'] }),
      await ivan.create({ label: 'gha-b', kind: 'workspace', workspaceId: 'w1', scopes: ['machines:read'] }),
    ];
    const personal = await ivan.create({ label: 'own script', scopes: ['machines:read'] });
    const browser = await launch();
    try {
      const context = await browser.newContext({ timezoneId: 'UTC' }); // calendar-day badges: no daylight saving
      await context.addCookies([{ name: 'sid', value: 'u_ivan', url: base }]);
      const page = await context.newPage();
      await page.goto(`${base}/settings/workspace`);
      await page.getByRole('button', { name: names.open!, exact: true }).click();
      const dialog = page.getByRole('dialog', { name: names.dialog!, exact: true });
      await dialog.getByRole('textbox', { name: 'Type "revoke all" to confirm' }).fill('revoke all');
      await dialog.getByRole('button', { name: names.confirm!, exact: true }).click({ timeout: 10_000 });
      await dialog.waitFor({ state: 'detached' });
    } finally {
      await browser.close();
    }
    for (const t of tokens) expect((await machines(t.token)).status).toBe(401);
    expect((await machines(personal.token)).status).toBe(200);
  });
});
