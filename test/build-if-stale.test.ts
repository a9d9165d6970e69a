/**
 * The newcomer's first command, `npm ci && npm start`: the example's `prestart` builds keycard
 * with scripts/build-if-stale.mjs. It used to pass tsup's whole output through — about 110 lines
 * of chunk sizes, with tsup's and rollup's warnings ("Generated an empty chunk", an unused
 * re-export) — before the example's own banner. It now says what it does in a line and how long
 * it took in another, and shows tsup's output only when the build fails. Run against a stand-in
 * `tsup` in a scratch package (the real build takes a minute or two and is run by global-setup).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
