import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { runSnippet, snippetsOf } from './snippets.ts';

const files = [
  'README.md',
  ...readdirSync(new URL('../docs', import.meta.url))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('documentation snippets run as written', () => {
  for (const file of files) {
    const snippets = snippetsOf(file).filter((s) => !(file === 'README.md' && s.name === 'quickstart'));
    for (const s of snippets) {
      it(`${file} › ${s.name}`, async () => {
        const log = vi.spyOn(console, 'log').mockImplementation(() => {});
        const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
        const error = vi.spyOn(console, 'error').mockImplementation(() => {});
        try {
          await expect(runSnippet(s)).resolves.toBeUndefined();
          // A newcomer runs these as written: a start-up warning would be the first thing they see.
          expect(warn.mock.calls.map((c) => c.map(String).join(' '))).toEqual([]);
          expect(error.mock.calls.map((c) => c.map(String).join(' '))).toEqual([]);
        } finally {
          log.mockRestore();
          warn.mockRestore();
          error.mockRestore();
        }
      });
    }
  }

  it('finds the snippets the issues require', () => {
    for (const f of ['docs/tokens.md', 'docs/scopes.md']) expect(snippetsOf(f).length).toBeGreaterThan(0);
  });

  it('docs/mcp.md shows an MCP server beside a Hono app (keycard/mcp is Express middleware), run as written', () => {
    const hono = snippetsOf('docs/mcp.md').find((s) => s.name === 'mcp-hono');
    expect(hono?.code).toMatch(/from 'hono'/);
    expect(hono?.code).toMatch(/mcpGate\(/);
  });
  it('docs/next.md: lib/keycard.ts exports the instance, and a hand-made project is told how `@/lib/keycard` resolves', () => {
    const next = snippetsOf('docs/next.md').find((s) => s.name === 'next');
    expect(next?.code).toMatch(/^export const keycard = \(g\.keycard \?\?= create\(\)\);$/m);
    expect(next?.code).toContain("import { keycard } from '@/lib/keycard'");
    const doc = readFileSync(new URL('../docs/next.md', import.meta.url), 'utf8');
    const setUp = /## Set up\n([\s\S]*?)\n<!-- snippet: next -->/.exec(doc)?.[1] ?? '';
    expect(setUp).toContain('npx create-next-app@latest');
    expect(setUp).toContain('"paths": { "@/*": ["./*"] }');
  });
  it('docs/next.md: the management route uses the one instance of lib/keycard.ts, and a hand-made project is told to run next through npx', () => {
    // Copied as written into app/api/keycard/[...path]/route.ts, a createKeycard() of its own was a
    // second memory store: every token it issued was 401 "Invalid token" on the guarded routes.
    const issue = snippetsOf('docs/next.md').find((s) => s.name === 'next-issue')?.code ?? '';
    const [lib = '', route = ''] = issue.split(/^\/\/ app\/api\/keycard\/\[\.\.\.path\]\/route\.ts/m);
    expect(lib).toMatch(/^\/\/ lib\/keycard\.ts/m);
    expect(lib).toContain('createKeycard(');
    expect(route).toContain("import { keycard } from '@/lib/keycard'");
    expect(route).not.toContain('createKeycard(');
    // A project made by hand has no `build`/`start` scripts and no `next` on the shell's PATH.
    const doc = readFileSync(new URL('../docs/next.md', import.meta.url), 'utf8');
    const setUp = /## Set up\n([\s\S]*?)\n<!-- snippet: next -->/.exec(doc)?.[1] ?? '';
    expect(setUp).toContain('`npx next build && npx next start`');
  });
  it('docs/ui.md: a hand-made Next project (docs/next.md) is told that the settings page needs a root layout', () => {
    const doc = readFileSync(new URL('../docs/ui.md', import.meta.url), 'utf8');
    const next =
      /### Next\.js App Router \(React 19\)\n([\s\S]*?)<!-- snippet-types: next-client-component -->/.exec(doc)?.[1] ??
      '';
    expect(next).toContain('app/layout.tsx');
    expect(next).toContain("doesn't have a root layout");
  });
});
