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
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const bin = (name: string) => join(root, 'node_modules/.bin', name);
const denoEnv = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
const lastLine = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').at(-1)!);

/** A temporary application directory whose node_modules holds keycard (the repository) and hono. */
export function appDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  return dir;
}

/**
 * `contents` (an entry importing the built package) as one ES module resolved from `dir`: bundled
 * whole under `conditions` (a Worker, as Wrangler bundles it), or with every package left
 * `external` for the runtime to resolve from node_modules itself (Bun, Deno). Answers the module
 * and the files it holds.
 */
async function bundleFromPackage(
  contents: string,
  dir: string,
  options: { conditions?: string[]; external?: boolean },
): Promise<{ text: string; inputs: string[] }> {
  const out = await build({
    stdin: { contents, resolveDir: dir, sourcefile: 'entry.mjs' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: options.conditions ?? [],
    mainFields: ['module', 'main'],
    packages: options.external ? 'external' : undefined,
    metafile: true,
    // Not the repository's tsconfig.json: its `paths` point `keycard` at src/ for the type check,
    // and esbuild would follow them for the test's own files, bundling the sources, not dist/.
    tsconfigRaw: {},
    logLevel: 'silent',
  });
  return { text: out.outputFiles[0]!.text, inputs: Object.keys(out.metafile.inputs) };
}

/** `report` of `module` compiled to the script `name` in `dir`, its package imports left to the runtime. */
async function scriptFromPackage(
  module: string,
  report: string,
  dir: string,
  name: string,
): Promise<{ file: string; inputs: string[] }> {
  const file = join(dir, name);
  const { text, inputs } = await bundleFromPackage(scriptEntry(module, report), dir, { external: true });
  writeFileSync(file, text);
  return { file, inputs };
}

/** The files of keycard's sources among a bundle's inputs: none when it holds the built package. */
const sourcesIn = (inputs: string[]): string[] => inputs.filter((i) => i.startsWith('src/'));

/**
 * The report of `report` in `module`, an application of the built package, run in `runtime`:
 * workerd bundled with Wrangler's conditions, Bun and Deno (no permission) resolving the package
 * from `dir`'s node_modules. Also answers what was bundled: `sources`, the keycard source files
 * that slipped in (none when the run holds the built package), and every input.
 */
export async function inRuntime(
  runtime: 'workerd' | 'bun' | 'deno',
  module: string,
  report: string,
  dir: string,
): Promise<{ report: unknown; sources: string[]; inputs: string[] }> {
  if (runtime === 'workerd') {
    const conditions = ['workerd', 'worker', 'browser'];
    const { text, inputs } = await bundleFromPackage(workerEntry(module, report), dir, { conditions });
    const { status, body } = await inWorkerd(text);
    if (status !== 200) throw new Error(`workerd answered ${status}: ${body}`);
    return { report: JSON.parse(body), sources: sourcesIn(inputs), inputs };
  }
  const { file, inputs } = await scriptFromPackage(module, report, dir, `${runtime}.mjs`);
  const answer = runtime === 'bun' ? await inBun(file, dir) : await inDeno(file, dir, { config: true });
  return { report: answer, sources: sourcesIn(inputs), inputs };
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

/**
 * Which SHA-256 back-end of dist/ (`sha256.node.js` or `sha256.web.js`) `keycard`'s `#hash` import
 * resolves to when the runtime itself resolves it from `dir`: Bun's resolver, or Deno's module graph.
 */
export async function hashBackEnd(runtime: 'bun' | 'deno', dir: string): Promise<string[]> {
  const file = join(dir, `${runtime}-hash.mjs`);
  if (runtime === 'bun') {
    writeFileSync(
      file,
      `console.log(JSON.stringify([Bun.resolveSync('#hash', Bun.resolveSync('keycard', ${JSON.stringify(dir)}))]));\n`,
    );
    return ((await inBun(file, dir)) as string[]).map((path) => path.slice(root.length));
  }
  writeFileSync(file, "import 'keycard';\n");
  const { stdout } = await run(bin('deno'), ['info', '--json', '--no-lock', file], {
    cwd: dir,
    timeout: 60_000,
    env: denoEnv,
  });
  const { modules } = JSON.parse(stdout) as { modules: { specifier: string }[] };
  return modules
    .map((m) => m.specifier)
    .filter((s) => /\/dist\/sha256\.\w+\.js$/.test(s))
    .map((s) => s.slice(`file://${root}`.length));
}

/** Deno with no permission granted; `config: false` ignores any package.json (a self-contained bundle). */
export async function inDeno(file: string, cwd: string, { config = false } = {}): Promise<unknown> {
  const args = ['run', ...(config ? [] : ['--no-config']), '--no-lock', '--no-prompt', file];
  const { stdout } = await run(bin('deno'), args, {
    cwd,
    timeout: 60_000,
    env: denoEnv,
  });
  return lastLine(stdout);
}
