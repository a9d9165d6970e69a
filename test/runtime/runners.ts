/**
 * Runs an ES module under a real runtime binary from node_modules and answers the JSON it
 * reports: workerd (through miniflare: the module is a Worker whose fetch answers the report),
 * Bun and Deno (the module prints the report as its last line). Each run stops by itself.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const bin = (name: string) => join(root, 'node_modules/.bin', name);
const lastLine = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').at(-1)!);

/** A temporary application directory whose node_modules holds keycard (the repository) and hono. */
export function appDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  return dir;
}

/** A Worker's fetch handler answering `await report()` as JSON, or its error's stack as a 500. */
export const workerEntry = (module: string, report: string) =>
  `import { ${report} } from ${JSON.stringify(module)};\nexport default { async fetch() { try { return Response.json(await ${report}()); } catch (e) { return new Response(String(e && e.stack || e), { status: 500 }); } } };\n`;

/** A script printing `await report()` as one JSON line. */
export const scriptEntry = (module: string, report: string) =>
  `import { ${report} } from ${JSON.stringify(module)};\nconsole.log(JSON.stringify(await ${report}()));\n`;

/** Loads `script` (a bundled Worker module) in workerd and answers the report of one request. */
export async function inWorkerd(script: string): Promise<{ status: number; body: string }> {
  const mf = new Miniflare({ modules: true, script, compatibilityDate: '2025-01-01' });
  try {
    const res = await mf.dispatchFetch('http://localhost/');
    return { status: res.status, body: await res.text() };
  } finally {
    await mf.dispose();
  }
}

export async function inBun(file: string, cwd: string): Promise<unknown> {
  const { stdout } = await run(bin('bun'), ['run', file], { cwd, timeout: 60_000 });
  return lastLine(stdout);
}

/** Deno with no permission granted; `config: false` ignores any package.json (a self-contained bundle). */
export async function inDeno(file: string, cwd: string, { config = false } = {}): Promise<unknown> {
  const args = ['run', ...(config ? [] : ['--no-config']), '--no-lock', '--no-prompt', file];
  const { stdout } = await run(bin('deno'), args, {
    cwd,
    timeout: 60_000,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  return lastLine(stdout);
}
