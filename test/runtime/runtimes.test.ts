/**
 * The core in the runtimes it promises (SPEC: Web standards only): the scenario of
 * scenario.ts — issue → verify → authenticate → revoke — bundled with esbuild from the sources
 * (the `#hash` import resolved to the portable back-end, as a Worker bundler does) and run under
 * workerd (through miniflare), Bun and Deno, each a real runtime binary from node_modules.
 * workerd forbids randomness and I/O at module scope, so this also proves nothing runs at import.
 * package-runtimes.test.ts runs the handlers on the built package the same way.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inBun, inDeno, inWorkerd, scriptEntry, workerEntry } from './runners.ts';

const root = new URL('../..', import.meta.url).pathname;
const SCENARIO = join(root, 'test/runtime/scenario.ts');

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
  writeFileSync(file, entry);
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

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keycard-runtimes-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the core in real runtimes: issue → verify → authenticate → revoke', () => {
  it('workerd (Cloudflare Workers, through miniflare): the bundle loads and the scenario passes', async () => {
    const { status, body } = await inWorkerd(
      await bundle(workerEntry(SCENARIO, 'scenario'), ['workerd', 'worker', 'browser']),
    );
    expect(status, body).toBe(200);
    expect(JSON.parse(body)).toEqual(EXPECTED);
  }, 120_000);

  it('Bun: the scenario passes', async () => {
    const file = join(dir, 'bun.mjs');
    writeFileSync(file, await bundle(scriptEntry(SCENARIO, 'scenario'), ['bun', 'worker']));
    expect(await inBun(file, dir)).toEqual(EXPECTED);
  }, 120_000);

  it('Deno: the scenario passes with no permissions granted', async () => {
    const file = join(dir, 'deno.mjs');
    writeFileSync(file, await bundle(scriptEntry(SCENARIO, 'scenario'), ['deno', 'worker']));
    expect(await inDeno(file, dir)).toEqual(EXPECTED);
  }, 120_000);
});
