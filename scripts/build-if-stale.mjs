#!/usr/bin/env node
/**
 * Builds the package (tsup: dist/ and its type declarations) unless `dist/` is newer than every
 * source file, `package.json` and `tsup.config.ts`. The examples' `prestart` and the test
 * suite's global set-up run it, so a second `npm start` or test run does not rebuild.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(p));
    else if (!entry.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** True when dist/ is older than a source (or missing). */
export function stale() {
  const built = join(root, 'dist', 'index.js');
  const sources = Math.max(
    newest(join(root, 'src')),
    statSync(join(root, 'package.json')).mtimeMs,
    statSync(join(root, 'tsup.config.ts')).mtimeMs,
  );
  return !(existsSync(built) && statSync(built).mtimeMs > sources);
}

/** Runs tsup when {@link stale}; `quiet` hides its output. */
export function buildIfStale({ quiet = false } = {}) {
  if (!stale()) return false;
  execFileSync('npx', ['tsup'], { cwd: root, stdio: quiet ? 'ignore' : 'inherit' });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!buildIfStale()) console.log('keycard: dist/ is up to date');
}
