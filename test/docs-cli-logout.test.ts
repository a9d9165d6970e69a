/**
 * The `login` script of docs/cli.md ("Your own `login`"), run as written with `keycard/cli`
 * pointed at the sources, a stubbed `fetch` and a throwaway config folder: its `logout` keeps the
 * credentials file unless the server revoked the token (or says it is already dead, 401), as
 * examples/cli/cli.js does.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeCredentials } from '../src/cli/index.ts';
import { runSnippet } from './snippets.ts';

const doc = readFileSync(new URL('../docs/cli.md', import.meta.url), 'utf8');
const script = /## Your own `login`[^\n]*\n\n```js\n([\s\S]*?)\n```/.exec(doc)?.[1];
const TOKEN = `toado_sk_1${'a'.repeat(38)}`;

describe('docs/cli.md: the login script’s logout', () => {
  let dir: string;
  const argv = process.argv;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keycard-doc-logout-'));
    vi.stubEnv('TOADO_CONFIG_DIR', dir);
    vi.stubEnv('TOADO_API_URL', 'https://api.toado.test');
    vi.spyOn(console, 'log').mockImplementation(() => {});
    process.argv = [argv[0]!, 'toado', 'logout'];
  });
  afterEach(() => {
    process.argv = argv;
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  const logout = async (status: number) => {
    const file = await writeCredentials('toado', { token: TOKEN, url: 'https://api.toado.test' });
    const calls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      calls.push(url);
      return new Response(null, { status });
    });
    const run = runSnippet({ file: 'docs/cli.md', name: `logout-${status}`, code: script! });
    return { file, calls, run };
  };

  it('is in the page', () => expect(script).toContain("command === 'logout'"));

  for (const status of [500, 503, 403]) {
    it(`keeps the file and fails when the revoke call answers ${status}`, async () => {
      const { file, calls, run } = await logout(status);
      await expect(run).rejects.toThrow(`(${status}); the file was kept`);
      expect(calls).toEqual(['https://api.toado.test/api/v1/token/revoke']);
      expect(existsSync(file)).toBe(true);
    });
  }

  for (const status of [200, 204, 401]) {
    it(`deletes the file when the server revoked the token or says it is dead (${status})`, async () => {
      const { file, run } = await logout(status);
      await expect(run).resolves.toBeUndefined();
      expect(existsSync(file)).toBe(false);
    });
  }
});
