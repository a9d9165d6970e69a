import { readdirSync } from 'node:fs';
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
});
