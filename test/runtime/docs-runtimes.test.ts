/**
 * docs/runtimes.md as a newcomer follows it: its script (`runtimes-script`) run unchanged under
 * Bun and Deno, and its Worker (`runtimes-worker`) bundled with Wrangler's conditions and served
 * by workerd through miniflare, both importing the built package (`keycard` resolved from
 * node_modules, as in an application). dist/ is built by global-setup.ts.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snippetsOf, typeSnippetsOf } from '../snippets.ts';
import { appDirectory } from './runners.ts';

const run = promisify(execFile);

const root = new URL('../..', import.meta.url).pathname;
const DOC = 'docs/runtimes.md';

const snippet = (name: string) => {
  const found = [...snippetsOf(DOC), ...typeSnippetsOf(DOC)].find((s) => s.name === name);
  if (!found) throw new Error(`${DOC} has no snippet ${name}`);
  return found.code;
};

let dir: string;
beforeAll(() => {
  dir = appDirectory('keycard-docs-runtimes-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/runtimes.md runs as written', () => {
  it('the script under Bun and Deno (no permission): issue, verify, authenticate, revoke', async () => {
    const file = join(dir, 'script.ts');
    writeFileSync(file, snippet('runtimes-script'));
    // The snippet prints `true 200 403 401` and throws otherwise (a non-zero exit rejects here).
    // No colours: Deno colours console.log's numbers and booleans when FORCE_COLOR is set (CI sets it).
    const { FORCE_COLOR: _force, ...inherited } = process.env;
    const env = { ...inherited, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
    for (const [bin, args] of [
      ['bun', ['run', file]],
      ['deno', ['run', '--no-lock', '--no-prompt', file]],
    ] as const) {
      const { stdout } = await run(join(root, 'node_modules/.bin', bin), args, { cwd: dir, env, timeout: 60_000 });
      expect(stdout.replace(/\x1b\[[0-9;]*m/g, '').trim(), bin).toBe('true 200 403 401');
    }
  }, 120_000);

  it('the Worker under workerd: created at module scope, management by session, 401/403/200, revoked at once', async () => {
    const out = await build({
      stdin: { contents: snippet('runtimes-worker'), resolveDir: dir, sourcefile: 'worker.ts', loader: 'ts' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    });
    const mf = new Miniflare({ modules: true, script: out.outputFiles[0]!.text, compatibilityDate: '2025-01-01' });
    try {
      const B = 'http://127.0.0.1';
      const session = { cookie: 'sid=alice', origin: B, 'content-type': 'application/json' };
      const created = await mf.dispatchFetch(`${B}/api/tokens/tokens`, {
        method: 'POST',
        headers: session,
        body: JSON.stringify({ label: 'edge', scopes: ['read'] }),
      });
      expect(created.status).toBe(201);
      const { token, record } = (await created.json()) as { token: string; record: { id: string } };
      const call = async (method: string, authorization?: string) => {
        const res = await mf.dispatchFetch(`${B}/api/tickets`, {
          method,
          headers: authorization ? { authorization } : {},
        });
        return [res.status, ((await res.json()) as { code?: string; by?: string }).code ?? 'ok'];
      };
      expect(await call('GET')).toEqual([401, 'missing_token']);
      expect(await call('GET', `Bearer ${token}`)).toEqual([200, 'ok']);
      expect(await call('POST', `Bearer ${token}`)).toEqual([403, 'insufficient_scope']);
      const revoked = await mf.dispatchFetch(`${B}/api/tokens/tokens/${record.id}/revoke`, {
        method: 'POST',
        headers: session,
        body: '{"reason":"done"}',
      });
      expect(revoked.status).toBe(200);
      expect(await call('GET', `Bearer ${token}`)).toEqual([401, 'token_revoked']);
    } finally {
      await mf.dispose();
    }
  }, 120_000);
  it("docs/express.md's snippet under Bun, as runtimes.md claims (`keycard/express` needs Express: Node or Bun)", async () => {
    const express = snippetsOf('docs/express.md').find((s) => s.name === 'express');
    if (!express) throw new Error('docs/express.md has no snippet express');
    const file = join(dir, 'express-app.ts');
    writeFileSync(file, express.code);
    // The snippet serves on 127.0.0.1, calls its guarded route with a token and throws unless it
    // answers 200 with the RateLimit header: a non-zero exit rejects here.
    await run(join(root, 'node_modules/.bin/bun'), ['run', file], { cwd: dir, timeout: 60_000 });
  }, 120_000);
});
