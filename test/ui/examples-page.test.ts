/**
 * The settings page of the example servers themselves (examples/express, examples/hono: `node
 * server.js` on a free port, keycard from dist/, as `npm start` runs them; examples/next through
 * `next start`), in real Chromium, the whole life of a token (issue 16): the demo sign-in leads to
 * /settings/tokens; a token created there with a use-case preset and a company restriction is
 * copied with the Copy button (the clipboard holds the secret) and works on the tickets API (200,
 * Acme only); rotated with the example's short grace choice (KEYCARD_EXAMPLE_ROTATE_GRACE=15s),
 * old and new both answer 200 until the grace ends, then the old one 401; revoked, 401; "Revoke
 * all" with the typed confirmation revokes every token of the person (the management API lists
 * them all revoked, the demo tokens answer 401, another person's token still 200). axe-core finds
 * no serious or critical violation on any screen, light or dark. Needs `npm run build`
 * (dist/ui.js); skipped with a message otherwise. The Next example runs when it has been built
 * (`npm run build -w examples/next`, which .ci/run does before the tests); skipped otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureScreen, hasChromium, launch } from './browser.ts';
import {
  closeReveal,
  confirmRevokeAll,
  copyFromReveal,
  createToken,
  openNewToken,
  revokeToken,
  rotateToken,
  rowOf,
} from './flow.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(`${ROOT}dist/ui.js`) && existsSync(`${ROOT}dist/index.js`);
if (!built) console.warn('test/ui/examples-page: skipped, dist/ is not built (npm run build)');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const nextBuilt = existsSync(`${ROOT}examples/next/.next/BUILD_ID`);
if (!nextBuilt)
  console.warn('test/ui/examples-page: the Next example is skipped, it is not built (npm run build -w examples/next)');

/** The example's short grace choice: long enough for two requests on a busy machine, short enough to wait for. */
const GRACE = '15s';

async function startExample(name: string): Promise<{ base: string; child: ChildProcess; banner: string }> {
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    AUDIT: '0',
    NEXT_TELEMETRY_DISABLED: '1',
    KEYCARD_DEMO: '1',
    KEYCARD_EXAMPLE_ROTATE_GRACE: GRACE,
  };
  const args =
    name === 'next'
      ? [`${ROOT}node_modules/next/dist/bin/next`, 'start', '-p', String(port), '-H', '127.0.0.1']
      : ['server.js'];
  const child = spawn(process.execPath, args, {
    cwd: `${ROOT}examples/${name}`,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const ready = () => out.includes(`Listening on ${base}`) || (name === 'next' && /Ready in|✓ Ready/.test(out));
    const check = () => (ready() ? resolve() : child.exitCode !== null ? reject(new Error(out)) : undefined);
    child.stdout!.on('data', check);
    child.on('exit', check);
  });
  return { base, child, banner: out };
}

interface DemoToken {
  env: string;
  token: string;
  ownerId: string;
  label: string;
}

/**
 * The demo tokens the example issued at start: from its banner (Express, Hono), or from
 * GET /api/demo-tokens (Next, whose banner may come after "Ready"; served with KEYCARD_DEMO=1).
 */
async function demoTokensOf(name: string, example: { base: string; banner: string }): Promise<DemoToken[]> {
  if (name === 'next') {
    const res = await fetch(`${example.base}/api/demo-tokens`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { tokens: DemoToken[] }).tokens;
  }
  return [...example.banner.matchAll(/^export ([A-Z_]+)='([^']+)'\n#   (.+?) · owner (u_[a-z]+) · /gm)].map((m) => ({
    env: m[1]!,
    token: m[2]!,
    label: m[3]!,
    ownerId: m[4]!,
  }));
}

describe.skipIf(!hasChromium || !built)(
  'the examples serve <keycard-tokens> at /settings/tokens behind their demo session',
  () => {
    let browser: Browser;
    const children: ChildProcess[] = [];
    beforeAll(async () => {
      browser = await launch();
    });
    afterAll(async () => {
      await browser?.close();
      for (const c of children) c.kill('SIGKILL');
    });

    // Side by side: most of each flow is the rotation grace's 15 s of waiting, which need not be
    // served three times over. Each flow has its own server, context and tokens; one Chromium's
    // clipboard is shared, so copyFromReveal takes turns.
    it.concurrent.each(['express', 'hono', ...(nextBuilt ? ['next'] : [])])(
      '%s: sign in → create with a preset and a restriction → copy → 200 → rotate with grace (both 200, then the old one 401) → revoke → 401 → revoke all (typed) → every token of the person revoked; axe clean',
      async (name) => {
        const started = Date.now();
        const example = await startExample(name);
        const { base, child } = example;
        children.push(child);
        const demo = await demoTokensOf(name, example);
        const jasons = demo.filter((t) => t.ownerId === 'u_jason');
        const other = demo.find((t) => t.ownerId !== 'u_jason')!;
        expect(jasons.length).toBeGreaterThan(0);
        const call = async (token: string, path = '/api/v1/companies') =>
          fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
        const api = async (token: string) => (await call(token)).status;
        /** Jason's tokens through the management API, with his session (every status). */
        const listed = async () => {
          const res = await fetch(`${base}/api/tokens/tokens?status=all&limit=100`, {
            headers: { cookie: 'demo_session=u_jason' },
          });
          expect(res.status).toBe(200);
          return ((await res.json()) as { data: { label: string; status: string }[] }).data;
        };

        // UTC: the expiry badge counts calendar days (a daylight-saving change would make 31).
        const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 960, height: 760 } });
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
        const page = await context.newPage();
        const scan = (screen: string) => captureScreen(page, `${name} ${screen}`, false);
        const violations: string[] = [];

        // Signed out, the page sends you to the sign-in; signing in brings you back.
        await page.goto(`${base}/settings/tokens`);
        expect(new URL(page.url()).pathname).toBe('/demo/login');
        await page.getByRole('link', { name: 'Sign in as u_jason' }).click();
        await page.waitForURL(`${base}/settings/tokens`);
        await rowOf(page, jasons[0]!.label).waitFor();
        violations.push(...(await scan('list')));

        // Create: the Triage agent preset (read implied and locked), limited to company c1, 30 days.
        const label = `triage agent from ${name} settings`;
        const form = await openNewToken(page);
        violations.push(...(await createToken(page, form, { label, preset: 'Triage agent', company: 'c1' }, scan)));
        const first = await copyFromReveal(page);
        expect(first).toMatch(/^toado_/);
        await closeReveal(page);
        const companies = await call(first);
        expect(companies.status).toBe(200);
        // The restriction holds: the listing holds Acme only, and Globex's projects are refused.
        expect(((await companies.json()) as { companies: { id: string }[] }).companies.map((c) => c.id)).toEqual([
          'c1',
        ]);
        expect((await call(first, '/api/v1/companies/c2/projects')).status).toBe(403);
        const row = rowOf(page, label);
        await row.getByText('company: c1').waitFor();
        expect(await row.getByText(/Expires in 30 days/).count()).toBe(1);
        violations.push(...(await scan('list with the new token')));

        // Rotate with the example's short grace: both answer 200 until it ends, then only the new one.
        // The calls inside the grace run as soon as the new secret shows, before its copy waits for
        // the clipboard (the three examples' pages take turns on it).
        const rotated = await rotateToken(page, label, '15 seconds', scan, async (secret, previousExpiresAt) => {
          expect(previousExpiresAt - Date.now()).toBeLessThanOrEqual(15_000);
          const statuses = [await api(first), await api(secret)];
          // Both calls were made inside the grace (else the statuses below prove nothing).
          expect(Date.now()).toBeLessThan(previousExpiresAt);
          return statuses;
        });
        violations.push(...rotated.violations);
        const second = rotated.secret;
        expect(second).not.toBe(first);
        expect(rotated.during).toEqual([200, 200]);
        await new Promise((r) => setTimeout(r, Math.max(0, rotated.previousExpiresAt - Date.now()) + 500));
        expect([await api(first), await api(second)]).toEqual([401, 200]);

        // Revoke, after a reload (the list now shows the new token's use): the API answers 401.
        await page.reload();
        violations.push(...(await revokeToken(page, label, /It was last used/, scan)));
        expect(await api(second)).toBe(401);

        // Revoke all: Jason's live tokens — his demo tokens; the rotated-out one has expired, so it is
        // not counted (it is revoked too: nothing below is left unrevoked).
        const live = jasons.length;
        expect((await listed()).filter((t) => t.status !== 'revoked' && t.status !== 'expired').length).toBe(live);
        const { all, go, violations: found } = await confirmRevokeAll(page, live, scan);
        violations.push(...found);
        const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/tokens/tokens/revoke-all');
        await go.click();
        expect((await answered).status()).toBe(200);
        await all.waitFor({ state: 'detached' });
        await page.getByText(/^No tokens yet/).waitFor();
        violations.push(...(await scan('empty list')));
        const after = await listed();
        expect(after.length).toBe(live + 2); // and the rotated-out one and its successor
        expect(after.filter((t) => t.status !== 'revoked')).toEqual([]);
        for (const t of jasons) expect(await api(t.token)).toBe(401);
        expect(await api(other.token)).toBe(200); // another person's token is not Jason's to revoke

        expect(violations).toEqual([]);
        await context.close();
        child.kill('SIGTERM');
        console.info(`examples-page ${name}: full flow in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      },
      180_000,
    );
  },
);
