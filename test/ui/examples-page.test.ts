/**
 * The settings page of the example servers themselves (examples/express, examples/hono: `node
 * server.js` on a free port, keycard from dist/, as `npm start` runs them), in real Chromium: the
 * demo sign-in leads to /settings/tokens; a token created there works on the tickets API (200);
 * revoking it there makes the API answer 401; axe-core finds no serious or critical violation on
 * the list, the form and the reveal. Needs `npm run build` (dist/ui.js); skipped with a message
 * otherwise. The Next example runs through `next start` when it has been built
 * (`npm run build -w examples/next`, which .ci/run does before the tests); skipped otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, seriousViolations } from './browser.ts';

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

async function startExample(
  name: string,
): Promise<{ base: string; child: ChildProcess; tokens: Record<string, string> }> {
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), AUDIT: '0', NEXT_TELEMETRY_DISABLED: '1', KEYCARD_DEMO: '1' };
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
  const tokens = Object.fromEntries([...out.matchAll(/^export ([A-Z_]+)='([^']+)'$/gm)].map((m) => [m[1]!, m[2]!]));
  return { base, child, tokens };
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

    it.each(['express', 'hono', ...(nextBuilt ? ['next'] : [])])(
      '%s: sign in → create → the API answers 200 → revoke → 401; axe clean',
      async (name) => {
        const { base, child } = await startExample(name);
        children.push(child);
        const api = async (token: string) =>
          (await fetch(`${base}/api/v1/companies`, { headers: { Authorization: `Bearer ${token}` } })).status;

        const context = await browser.newContext();
        const page = await context.newPage();
        // Signed out, the page sends you to the sign-in; signing in brings you back.
        await page.goto(`${base}/settings/tokens`);
        expect(new URL(page.url()).pathname).toBe('/demo/login');
        await page.getByRole('link', { name: 'Sign in as u_jason' }).click();
        await page.waitForURL(`${base}/settings/tokens`);
        await page.getByRole('button', { name: 'New token', exact: true }).waitFor();
        const violations = (await seriousViolations(page)).map((v) => `list: ${v.id}`);

        await page.getByRole('button', { name: 'New token', exact: true }).click();
        const form = page.getByRole('dialog', { name: 'New token', exact: true });
        await form.getByRole('textbox', { name: 'Label', exact: true }).fill('dashboard from settings');
        await form.getByRole('checkbox', { name: 'read', exact: true }).check();
        violations.push(...(await seriousViolations(page)).map((v) => `form: ${v.id}`));
        await form.getByRole('button', { name: 'Create token', exact: true }).click();
        const reveal = page.getByRole('dialog', { name: 'Copy your new token', exact: true });
        const secret = await reveal.getByLabel('Token', { exact: true }).inputValue();
        expect(secret).toMatch(/^toado_sk_/);
        violations.push(...(await seriousViolations(page)).map((v) => `reveal: ${v.id}`));
        expect(await api(secret)).toBe(200);
        await reveal
          .getByRole('button', { name: 'Copy', exact: true })
          .click()
          .catch(() => undefined);
        await reveal.getByRole('button', { name: 'Done' }).click();
        await reveal.waitFor({ state: 'detached' }).catch(async () => {
          // Closing without a successful copy asks first.
          await page
            .getByRole('button', { name: /close|discard|yes/i })
            .first()
            .click();
        });

        await page.getByRole('button', { name: 'Revoke dashboard from settings', exact: true }).click();
        const confirm = page.getByRole('dialog', { name: 'Revoke dashboard from settings?', exact: true });
        violations.push(...(await seriousViolations(page)).map((v) => `revoke: ${v.id}`));
        const revoked = page.waitForResponse((r) => /\/api\/tokens\/tokens\/[^/]+\/revoke$/.test(r.url()));
        await confirm.getByRole('button', { name: 'Revoke token', exact: true }).click();
        expect((await revoked).status()).toBe(200);
        expect(await api(secret)).toBe(401);
        expect(violations).toEqual([]);
        await context.close();
        child.kill('SIGTERM');
      },
      120_000,
    );
  },
);
