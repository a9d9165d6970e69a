/**
 * Runs the code blocks of README.md and docs/*.md that are marked `<!-- snippet: name -->`, with
 * `keycard` imports pointed at the sources, so the documentation cannot drift from the code.
 * Blocks marked `<!-- snippet-types: name -->` (fragments that need a server, a database or an app
 * around them) are only compiled, by test/newcomer.test.ts, against the names declared in
 * test/types/newcomer/doc-context.d.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from './write-atomic.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const SUBPATHS: Record<string, string> = {
  keycard: 'src/index.ts',
  'keycard/testing': 'src/testing/index.ts',
  'keycard/express': 'src/adapters/express.ts',
  'keycard/hono': 'src/adapters/hono.ts',
  'keycard/next': 'src/adapters/next.ts',
  'keycard/mcp': 'src/adapters/mcp/index.ts',
  'keycard/redis': 'src/stores/redis.ts',
  'keycard/postgres': 'src/stores/postgres.ts',
  'keycard/cli': 'src/cli/index.ts',
  'keycard/client': 'src/client/index.ts',
  'keycard/oauth': 'src/oauth/index.ts',
  'keycard/device': 'src/device/index.ts',
  'keycard/ui': 'src/ui/index.ts',
  'keycard/store-kit': 'src/store-kit.ts',
  'keycard/adapter-kit': 'src/adapter-kit.ts',
};

export interface Snippet {
  readonly file: string;
  readonly name: string;
  readonly code: string;
  /** `tsx` for a JSX block. */
  readonly lang?: 'ts' | 'tsx';
}

/** Every marked snippet of a markdown file. */
export function snippetsOf(file: string): Snippet[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: Snippet[] = [];
  const re = /<!-- snippet: ([\w-]+) -->\s*\n```ts\n([\s\S]*?)\n```/g;
  for (const m of text.matchAll(re)) out.push({ file, name: m[1]!, code: m[2]! });
  return out;
}

/** Every block of a markdown file marked `<!-- snippet-types: name -->`: compiled, never run. */
export function typeSnippetsOf(file: string): Snippet[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: Snippet[] = [];
  // A block inside a list item is indented: the fence and every line by the same spaces, removed here.
  const re = /<!-- snippet-types: ([\w-]+) -->\s*\n( *)```(tsx?)\n([\s\S]*?)\n\2```/g;
  for (const m of text.matchAll(re)) {
    const code = m[4]!.replace(new RegExp(`^${m[2]}`, 'gm'), '');
    out.push({ file, name: m[1]!, code, lang: m[3] as 'ts' | 'tsx' });
  }
  // A marker whose block the pattern missed (another fence, a blank line) would be skipped silently.
  const markers = text.match(/<!-- snippet-types:/g)?.length ?? 0;
  if (markers !== out.length) throw new Error(`${file}: ${markers} snippet-types markers, ${out.length} blocks read`);
  return out;
}

/** Writes a snippet as a module under .tmp/ and imports it. */
export async function runSnippet(s: Snippet): Promise<void> {
  const code = s.code.replace(/from '(keycard(?:\/[a-z-]+)?)'/g, (whole, spec: string) => {
    const target = SUBPATHS[spec];
    return target ? `from '${join(root, target)}'` : whole;
  });
  const dir = join(root, '.tmp', 'snippets');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${s.file.replace(/[/.]/g, '_')}-${s.name}.ts`);
  writeFileAtomic(path, `${code}\nexport {};\n`);
  await import(/* @vite-ignore */ `${path}?t=${Date.now()}`);
}

/**
 * Writes every marked snippet (run or compile-only) of README.md and docs/*.md under `.tmp/<folder>/`
 * and compiles them with `tsc -p <tsconfig>`: how many were written, and what tsc printed ('' when clean).
 */
export function compileDocSnippets(folder: string, tsconfig: string): { count: number; out: string } {
  const dir = join(root, '.tmp', folder);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));
  for (const file of ['README.md', ...docs.map((f) => `docs/${f}`)]) {
    for (const s of [...snippetsOf(file), ...typeSnippetsOf(file)]) {
      writeFileSync(join(dir, `${file.replace(/[/.]/g, '_')}-${s.name}.${s.lang ?? 'ts'}`), `${s.code}\nexport {};\n`);
      count++;
    }
  }
  return { count, out: tscOutput(tsconfig) };
}

/** What `tsc -p <tsconfig>` (a path from the repository root) printed: '' when it compiled clean. */
export function tscOutput(tsconfig: string): string {
  try {
    execFileSync('npx', ['tsc', '-p', tsconfig], { cwd: root, encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout) + String((e as { stderr?: string }).stderr);
  }
}
