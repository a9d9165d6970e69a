/**
 * End to end (SPEC §13): the example server (examples/cli/server.js: the tickets API with the
 * device routes and a demo session) runs; the example CLI runs `login` as a child process with
 * pipes (no TTY: it prints the URL and the user code and opens no browser); real Chromium opens
 * the verification page with the demo session, types the code, unticks one scope and approves.
 * The CLI exits 0, the file is 0600 and holds a token with exactly the approved scopes; `whoami`
 * works; after revoking it in the settings page (`<keycard-tokens>` at /settings/tokens: "Revoke
 * <label>", then "Revoke token"), `whoami` fails with a clear message; `logout` then removes the
 * file. Both examples, and the `keycard/ui` bundle the page loads (KEYCARD_UI_DIR), are bundled
 * with esbuild against src/ (no dist build needed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, '.tmp', `cli-e2e-${process.pid}`);
const SOURCES: Record<string, string> = {
  keycard: 'src/index.ts',
  'keycard/cli': 'src/cli/index.ts',
  'keycard/express': 'src/adapters/express.ts',
  '#hash': 'src/core/sha256.node.ts',
};

async function bundle(entry: string, out: string): Promise<string> {
  const outfile = path.join(OUT, out);
  await build({
    entryPoints: [path.join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
    plugins: [
      {
        name: 'keycard-source',
        setup(b) {
          b.onResolve({ filter: /^(keycard(\/cli|\/express)?|#hash)$/ }, (a) => ({
            path: path.join(ROOT, SOURCES[a.path]!),
          }));
          // examples/shared (the workspace package @keycard-examples/shared), bundled, so that its
          // `keycard` imports are the sources too: `./data` → data.js.
          b.onResolve({ filter: /^@keycard-examples\/shared\/[a-z-]+$/ }, (a) => ({
            path: path.join(ROOT, 'examples/shared', `${a.path.slice('@keycard-examples/shared/'.length)}.js`),
          }));
        },
      },
    ],
  });
  return outfile;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
const children = new Set<ChildProcess>();
function start(file: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [file, ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: env['HOME'] ?? tmpdir(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => (children.delete(child), resolve({ code, stdout, stderr }))),
  );
  const waitFor = (re: RegExp, stream: 'stdout' | 'stderr') =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(stream === 'stdout' ? stdout : stderr);
        if (m) return resolve(m);
        if (child.exitCode !== null) reject(new Error(`exited ${child.exitCode}: ${stdout}\n${stderr}`));
      };
      child[stream].on('data', check);
      child.on('close', check);
      check();
    });
  return { child, done, waitFor };
}

let serverFile: string;
let cliFile: string;
let base: string;
let browser: Browser;
let home: string;

beforeAll(async () => {
  [serverFile, cliFile] = await Promise.all([
    bundle('examples/cli/server.js', 'server.mjs'),
    bundle('examples/cli/cli.js', 'cli.mjs'),
  ]);
  // The settings page's script, as dist/ui.js would be (one file: no chunks).
  await build({
    entryPoints: [path.join(ROOT, 'src/ui/index.ts')],
    outfile: path.join(OUT, 'ui', 'ui.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    logLevel: 'silent',
  });
  home = mkdtempSync(path.join(tmpdir(), 'kc-e2e-home-'));
  const server = start(serverFile, [], { PORT: '0', AUDIT: '0', KEYCARD_UI_DIR: path.join(OUT, 'ui') });
  base = (await server.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+)/, 'stdout'))[1]!;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const child of children) child.kill('SIGKILL');
  rmSync(OUT, { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('toado login → browser approval → 0600 file → whoami → revoke', () => {
  it('works end to end with real Chromium, and fails clearly once revoked', async () => {
    const configDir = path.join(home, '.config', 'toado');
    const env = { HOME: home, TOADO_API_URL: base, TOADO_CONFIG_DIR: configDir };
    const cli = (...args: string[]) => start(cliFile, args, env).done;

    const login = start(cliFile, ['login'], env);
    const [, uri, userCode] = await login.waitFor(
      /open (\S+) in a browser and enter the code ([A-Z]{4}-[A-Z]{4})/,
      'stderr',
    );
    expect(uri).toBe(`${base}/api/tokens/device`);

    const context = await browser.newContext({ bypassCSP: true }); // bypassCSP only to inject axe-core
    await context.addCookies([{ name: 'demo_session', value: 'u_jason', url: base }]);
    const page = await context.newPage();
    await page.goto(uri!);
    await page.getByLabel('Enter the code shown in your terminal').fill(userCode!.toLowerCase());
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Approve toado-cli?' }).waitFor();
    const html = await page.content();
    expect(html).toContain('Create and edit tickets');
    await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
    const violations = await page.evaluate(async () => {
      const r = await (
        globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }
      ).axe.run();
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    });
    expect(violations).toEqual([]);
    // Untick one scope by keyboard, approve.
    await page.locator('input[name=scope][value="comments"]').focus();
    await page.keyboard.press('Space');
    expect(await page.locator('input[name=scope][value="comments"]').isChecked()).toBe(false);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: 'Device connected' }).waitFor();

    const result = await login.done;
    expect(result.stderr).not.toMatch(/device_code|[0-9A-Za-z]{43}/);
    expect(result.code).toBe(0);
    const file = path.join(configDir, 'env');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    const tokenId = /TOADO_TOKEN_ID=(\S+)/.exec(text)![1]!;
    expect(text).toMatch(/TOADO_API_TOKEN=toado_sk_\S+/);

    const who = await cli('whoami');
    expect(who.code).toBe(0);
    expect(who.stdout).toContain(`u_jason via "toado-cli on`);
    expect(who.stdout).toContain('scopes: read, tickets:write\n');

    // The settings page revokes it: its row's "Revoke <label>", then "Revoke token".
    const label = who.stdout.match(/via "([^"]+)"/)![1]!;
    await page.goto(`${base}/settings/tokens`);
    await page.getByRole('button', { name: `Revoke ${label}`, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke ${label}?`, exact: true });
    const revokedCall = page.waitForResponse((r) => r.url().endsWith(`/api/tokens/tokens/${tokenId}/revoke`));
    await dialog.getByRole('button', { name: 'Revoke token', exact: true }).click();
    expect((await revokedCall).status()).toBe(200);
    const after = await cli('whoami');
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('your token was revoked (token_revoked); run `toado login` again');

    const logout = await cli('logout');
    expect(logout.code).toBe(0);
    expect(existsSync(file)).toBe(false);
    await context.close();
  }, 120_000);
});
