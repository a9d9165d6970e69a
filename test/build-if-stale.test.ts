/**
 * The newcomer's first command, `npm ci && npm start`: the example's `prestart` builds keycard
 * with scripts/build-if-stale.mjs. It used to pass tsup's whole output through — about 110 lines
 * of chunk sizes, with tsup's and rollup's warnings ("Generated an empty chunk", an unused
 * re-export) — before the example's own banner. It now says what it does in a line and how long
 * it took in another, and shows tsup's output only when the build fails. Run against a stand-in
 * `tsup` in a scratch package (the real build takes a minute or two and is run by global-setup).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = new URL('../scripts/build-if-stale.mjs', import.meta.url);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A package whose dist/ is stale, with a `tsup` that prints like the real one and exits `code`. */
function scratch(code: number): string {
  const root = mkdtempSync(join(tmpdir(), 'keycard-build-if-stale-'));
  dirs.push(root);
  for (const d of ['scripts', 'src', 'node_modules/.bin']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(script, join(root, 'scripts/build-if-stale.mjs'));
  writeFileSync(join(root, 'package.json'), '{"name":"scratch","private":true,"type":"module"}\n');
  writeFileSync(join(root, 'tsup.config.ts'), 'export default {};\n');
  writeFileSync(join(root, 'src/index.ts'), 'export const x = 1;\n');
  const tsup = join(root, 'node_modules/.bin/tsup');
  writeFileSync(
    tsup,
    [
      '#!/bin/sh',
      'i=0; while [ $i -lt 110 ]; do echo "ESM dist/chunk-$i.js 1.00 KB"; i=$((i+1)); done',
      'echo \'Generated an empty chunk: "chunk-AOHUEW3M".\' >&2',
      code === 0
        ? 'mkdir -p dist && echo "export const x = 1;" > dist/index.js'
        : 'echo "src/index.ts(1,1): error TS1005: the build broke" >&2',
      `exit ${code}`,
    ].join('\n') + '\n',
  );
  chmodSync(tsup, 0o755);
  return root;
}

describe('scripts/build-if-stale.mjs, as an example’s prestart runs it', () => {
  it('a stale dist/ is built with two lines of output, no tsup listing or warnings; then "up to date"', () => {
    const root = scratch(0);
    const run = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(existsSync(join(root, 'dist/index.js'))).toBe(true);
    const lines = `${run.stdout}${run.stderr}`.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^keycard: building dist\/ .*npm run build/);
    expect(lines[1]).toMatch(/^keycard: built dist\/ in \d+ s$/);
    const again = execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, encoding: 'utf8' });
    expect(again.trim()).toBe('keycard: dist/ is up to date');
  });

  it('a failed build shows tsup’s output and exits non-zero, so `npm start` stops there', () => {
    const root = scratch(2);
    const run = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('error TS1005: the build broke');
    expect(run.stdout).toContain('ESM dist/chunk-109.js');
  });
});

/**
 * examples/next's `prestart` also builds the Next app. In this repository Turbopack bundles
 * keycard into `.next` (it is linked from the root, outside node_modules), so a `.next` older than
 * dist/ serves the keycard it was built with. The prestart was `test -f .next/BUILD_ID || next
 * build`: after a `git pull` or an edit to src/, `npm start -w examples/next` rebuilt dist/ and
 * then started the old build (seen on a clone: a changed 401 `detail` in dist/ never reached the
 * running example). Run with the real prestart line, a stand-in `tsup` and a stand-in `next`.
 */
describe('examples/next’s prestart, as `npm start -w examples/next` runs it', () => {
  const prestart = (
    JSON.parse(readFileSync(new URL('../examples/next/package.json', import.meta.url), 'utf8')) as {
      scripts: { prestart: string };
    }
  ).scripts.prestart;

  /** The scratch package with examples/next and examples/shared, and a `next` that writes `.next/BUILD_ID`. */
  function nextScratch(): { root: string; app: string; start: () => string } {
    const root = scratch(0);
    const app = join(root, 'examples/next');
    mkdirSync(join(app, 'app'), { recursive: true });
    mkdirSync(join(root, 'examples/shared'), { recursive: true });
    writeFileSync(join(app, 'package.json'), '{"name":"keycard-example-next","private":true}\n');
    writeFileSync(join(app, 'app/route.ts'), 'export const GET = () => new Response("v1");\n');
    writeFileSync(join(root, 'examples/shared/data.js'), 'export const data = [];\n');
    const next = join(root, 'node_modules/.bin/next');
    writeFileSync(next, '#!/bin/sh\nmkdir -p .next && echo id > .next/BUILD_ID && echo "next $*: built"\n');
    chmodSync(next, 0o755);
    // As npm runs a script: the package's and the root's node_modules/.bin on the PATH.
    const env = { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` };
    const start = () => execFileSync('sh', ['-c', prestart], { cwd: app, env, encoding: 'utf8' });
    return { root, app, start };
  }
  /** Every file of the scratch at `base` seconds, then `.next/BUILD_ID` at base + 10. */
  function settle(root: string, base: number): void {
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        utimesSync(p, base, base);
      }
    };
    walk(root);
    utimesSync(join(root, 'dist/index.js'), base + 5, base + 5); // dist/ newer than src/: up to date
    utimesSync(join(root, 'examples/next/.next/BUILD_ID'), base + 10, base + 10);
  }
  const base = 1_700_000_000;

  it('a fresh clone builds dist/ and the Next app; a second start builds neither', () => {
    const { root, start } = nextScratch();
    expect(start()).toMatch(/built dist\/[\s\S]*next build: built/);
    settle(root, base);
    expect(start().trim()).toBe('keycard: dist/ is up to date');
  });

  it('a dist/ newer than the Next build (a git pull, an edit to src/) rebuilds the Next app', () => {
    const { root, start } = nextScratch();
    start();
    settle(root, base);
    utimesSync(join(root, 'dist/index.js'), base + 20, base + 20);
    expect(start()).toContain('next build: built');
  });

  it('an edit to the example or to examples/shared rebuilds the Next app', () => {
    const { root, app, start } = nextScratch();
    start();
    for (const edited of [join(app, 'app/route.ts'), join(root, 'examples/shared/data.js')]) {
      settle(root, base);
      utimesSync(edited, base + 20, base + 20);
      expect(start()).toContain('next build: built');
    }
  });

  // review53: a `git pull` that deletes a route leaves no newer file behind, only a newer folder.
  it('a file deleted from the example or from examples/shared rebuilds the Next app', () => {
    const { root, app, start } = nextScratch();
    mkdirSync(join(app, 'app/old'), { recursive: true });
    writeFileSync(join(app, 'app/old/route.ts'), 'export const GET = () => new Response("old");\n');
    writeFileSync(join(root, 'examples/shared/old.js'), 'export const old = 1;\n');
    start();
    for (const deleted of [join(app, 'app/old/route.ts'), join(root, 'examples/shared/old.js')]) {
      settle(root, base);
      rmSync(deleted);
      expect(start()).toContain('next build: built');
    }
  });
});
