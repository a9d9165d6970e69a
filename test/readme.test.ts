import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSnippet, snippetsOf } from './snippets.ts';

describe('README quickstart', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is at most 15 lines and runs as written: issues a token and verifies it', async () => {
    const [quickstart] = snippetsOf('README.md').filter((s) => s.name === 'quickstart');
    expect(quickstart).toBeDefined();
    expect(quickstart!.code.split('\n').length).toBeLessThanOrEqual(15);
    expect(quickstart!.code).toContain('defineScopes');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await runSnippet(quickstart!);
    expect(log).toHaveBeenCalledTimes(2);
    expect(log.mock.calls[0]![0]).toMatch(/^acme_sk_1[0-9A-Za-z]{38}$/);
    expect(log.mock.calls[1]![0]).toMatch(/^tok_/);
    expect(log.mock.calls[1]![1]).toEqual(['tickets:write', 'read']);
  });

  it('the Documentation list links every page of docs/ and names the client and CLI entry points', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const list = /## Documentation\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    const pages = readdirSync(new URL('../docs', import.meta.url)).filter((f) => f.endsWith('.md'));
    expect(pages.filter((f) => !list.includes(`](docs/${f})`))).toEqual([]);
    for (const entry of ['`keycard/client`', '`keycard/cli`']) expect(list).toContain(entry);
  });

  it('every example with a start script builds keycard first (prestart), so `npm start -w examples/<name>` works on a fresh clone', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('so\n`npm start -w examples/<name>` works on a fresh clone');
    const examples = readdirSync(new URL('../examples', import.meta.url), { withFileTypes: true }).filter((d) =>
      d.isDirectory(),
    );
    const missing = examples.filter((d) => {
      const pkg = JSON.parse(readFileSync(new URL(`../examples/${d.name}/package.json`, import.meta.url), 'utf8')) as {
        scripts?: Record<string, string>;
      };
      return pkg.scripts?.start !== undefined && !pkg.scripts.prestart?.includes('scripts/build-if-stale.mjs');
    });
    expect(missing.map((d) => d.name)).toEqual([]);
  });
  it('the sign-in link names each example on its own default port (express 3000, hono 3001, next 3002, mcp 3003)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const defaultPort = (name: string): string => {
      const dir = new URL(`../examples/${name}/`, import.meta.url);
      const pkg = readFileSync(new URL('package.json', dir), 'utf8');
      const source = name === 'next' ? pkg : readFileSync(new URL('server.js', dir), 'utf8');
      const port = /PORT \?\? (\d{4})|PORT:-(\d{4})/.exec(source);
      return port![1] ?? port![2]!;
    };
    for (const name of ['express', 'hono', 'next', 'mcp']) {
      expect(readme, name).toContain(`\`http://127.0.0.1:${defaultPort(name)}/demo/login?as=u_jason\` (${name})`);
    }
  });
});
