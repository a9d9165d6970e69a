#!/usr/bin/env node
/**
 * Builds the package (tsup: dist/ and its type declarations) unless `dist/` is newer than every
 * source file, `package.json` and `tsup.config.ts`. The examples' `prestart` and the test
 * suite's global set-up run it, so a second `npm start` or test run does not rebuild.
 * With `--next` (examples/next's `prestart`), it then runs `next build` in the current directory
 * unless `.next/BUILD_ID` is newer than dist/, the example and examples/shared: Turbopack bundles
 * keycard into `.next` here, so an older build would serve the keycard it was built with.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The newest mtime under `dir` (0 if it is missing), skipping tests, builds and installs; with
 * `folders`, the folders' own too (a deleted file leaves only its folder newer).
 */
function newest(dir, folders = false) {
  if (!existsSync(dir)) return 0;
  let t = folders ? statSync(dir).mtimeMs : 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.name === '.next' || entry.name === 'node_modules') continue;
    if (entry.isDirectory()) t = Math.max(t, newest(p, folders));
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

/**
 * True when `app`'s `.next` build is missing or older than dist/, `app` or examples/shared (a file
 * in them, or a folder: a `git pull` that deletes a route changes no file that is left).
 */
export function nextStale(app) {
  const id = join(app, '.next', 'BUILD_ID');
  if (!existsSync(id)) return true;
  const shared = join(root, 'examples', 'shared');
  const sources = Math.max(newest(join(root, 'dist')), newest(app, true), newest(shared, true));
  return statSync(id).mtimeMs < sources;
}

/** Runs tsup when {@link stale}; `quiet` hides its output. */
export function buildIfStale({ quiet = false } = {}) {
  if (!stale()) return false;
  execFileSync('npx', ['tsup'], { cwd: root, stdio: quiet ? 'ignore' : 'inherit' });
  return true;
}

/**
 * As an example's `prestart` runs it: a line before the build and one after, not tsup's ~110 lines
 * of chunk sizes and warnings ahead of the example's own banner; tsup's output only when it fails.
 */
function main() {
  if (!stale()) return console.log('keycard: dist/ is up to date');
  console.log('keycard: building dist/ (tsup, a minute or two on a fresh clone; `npm run build` shows its output)');
  const started = Date.now();
  try {
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    process.stdout.write(error.stdout ?? '');
    process.stderr.write(error.stderr ?? String(error));
    process.exit(typeof error.status === 'number' && error.status !== 0 ? error.status : 1);
  }
  console.log(`keycard: built dist/ in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** `--next`: the Next example's own build, when {@link nextStale}; its output as next prints it. */
function mainNext() {
  if (!nextStale(process.cwd())) return;
  console.log('keycard: building the Next app (.next is missing or older than dist/ or the example)');
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  try {
    execFileSync('next', ['build'], { stdio: 'inherit', env }); // on npm's PATH, as the script's own was
  } catch (error) {
    process.exit(typeof error.status === 'number' && error.status !== 0 ? error.status : 1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main();
  if (process.argv.includes('--next')) mainNext();
}
