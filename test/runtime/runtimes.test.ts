/**
 * The core in the runtimes it promises (SPEC: Web standards only): the scenario of
 * scenario.ts — issue → verify → authenticate → revoke — bundled with esbuild from the sources
 * (the `#hash` import resolved to the portable back-end, as a Worker bundler does) and run under
 * workerd (through miniflare), Bun and Deno, each a real runtime binary from node_modules.
 * workerd forbids randomness and I/O at module scope, so this also proves nothing runs at import.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const bin = (name: string) => join(root, 'node_modules/.bin', name);

const EXPECTED = {
  tokenShape: true,
  verified: true,
  allowed: true,
  forbidden: 403,
  afterRevoke: 'token_revoked',
  denied: 401,
  audit: ['token.issued', 'request.allowed', 'request.denied', 'token.revoked', 'request.denied'],
};

let dir: string;
/** The scenario as one ES module per runtime: a Worker's fetch handler, or a script printing JSON. */
const bundle = async (entry: string, conditions: string[]): Promise<string> => {
  const file = join(dir, `${conditions[0]}-entry.ts`);
  writeFileSync(file, entry.replace('SCENARIO', JSON.stringify(join(root, 'test/runtime/scenario.ts'))));
  const out = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['keycard-source', ...conditions],
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
};
const SCRIPT = `import { scenario } from SCENARIO;\nconsole.log(JSON.stringify(await scenario()));\n`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keycard-runtimes-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the core in real runtimes: issue → verify → authenticate → revoke', () => {
  it('workerd (Cloudflare Workers, through miniflare): the bundle loads and the scenario passes', async () => {
    const script = await bundle(
      `import { scenario } from SCENARIO;\nexport default { async fetch() { try { return Response.json(await scenario()); } catch (e) { return new Response(String(e && e.stack || e), { status: 500 }); } } };\n`,
      ['workerd', 'worker', 'browser'],
    );
    const mf = new Miniflare({ modules: true, script, compatibilityDate: '2025-01-01' });
    try {
      const res = await mf.dispatchFetch('http://localhost/');
      const body = await res.text();
      expect(res.status, body).toBe(200);
      expect(JSON.parse(body)).toEqual(EXPECTED);
    } finally {
      await mf.dispose();
    }
  }, 120_000);

  it('Bun: the scenario passes', async () => {
    const file = join(dir, 'bun.mjs');
    writeFileSync(file, await bundle(SCRIPT, ['bun', 'worker']));
    const { stdout } = await run(bin('bun'), ['run', file], { cwd: dir, timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual(EXPECTED);
  }, 120_000);

  it('Deno: the scenario passes with no permissions granted', async () => {
    const file = join(dir, 'deno.mjs');
    writeFileSync(file, await bundle(SCRIPT, ['deno', 'worker']));
    const { stdout } = await run(bin('deno'), ['run', '--no-config', '--no-lock', '--no-prompt', file], {
      cwd: dir,
      timeout: 60_000,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual(EXPECTED);
  }, 120_000);
});
