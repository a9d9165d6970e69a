/**
 * docs/express.md, hono.md and next.md say a misspelt scope is a compile error. That holds only if
 * the instance a snippet builds keeps its catalogue's type: docs/next.md's `globalThis` slot once
 * typed it as a bare `Keycard`, which widened it, so `withKeycard(keycard, { scope: 'raed' })`
 * compiled. Each snippet below is compiled as written with a misspelt requirement appended under
 * `@ts-expect-error`, which is itself an error when nothing is refused.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snippetsOf, tscOutput } from './snippets.ts';

const root = join(import.meta.dirname, '..');
const typos: [file: string, snippet: string, typo: string][] = [
  ['docs/express.md', 'express', "guard({ scope: 'raed' });"],
  ['docs/hono.md', 'hono', "honoGuard(keycard, { scope: 'raed' });"],
  ['docs/next.md', 'next', "withKeycard(keycard, { scope: 'raed' }, () => new Response(null));"],
  ['docs/next.md', 'next-dynamic', "withKeycard(keycard, { scope: 'raed' }, () => new Response(null));"],
];

describe('the framework snippets keep scope names typed: a misspelt scope does not compile', () => {
  it(
    typos.map(([file, name]) => `${file} › ${name}`).join(', '),
    () => {
      const dir = join(root, '.tmp', 'typed-scopes');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const [file, name, typo] of typos) {
        const snippet = snippetsOf(file).find((s) => s.name === name);
        expect(snippet, `${file} › ${name}`).toBeDefined();
        const check = `// @ts-expect-error: "raed" is not a scope of the catalogue\n${typo}`;
        writeFileSync(join(dir, `${name}.ts`), `${snippet!.code}\n${check}\nexport {};\n`);
      }
      expect(tscOutput('test/types/typed-scopes/tsconfig.json').trim()).toBe('');
    },
    120_000,
  );
});
