/**
 * Builds the package once before the suites that need `dist/` (the packed-tarball test, the
 * types fixture, the example servers), instead of each running tsup: two parallel tsup runs
 * with `clean: true` raced each other, and each took minutes on a loaded 2-core machine.
 * Skipped when `dist/` is newer than every source file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(p));
    else if (!entry.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const built = join(root, 'dist', 'index.js');
  const sources = Math.max(
    newest(join(root, 'src')),
    statSync(join(root, 'package.json')).mtimeMs,
    statSync(join(root, 'tsup.config.ts')).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs > sources) return;
  execFileSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
}
