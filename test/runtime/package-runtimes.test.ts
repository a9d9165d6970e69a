/**
 * The built package in the runtimes the docs name, imported as an application imports it: the
 * handlers scenario (handlers.ts: the management API through keycard/client, keycard/hono, the
 * device routes, the leak intake's WebCrypto signature check) under workerd, bundled from dist/
 * with the conditions Wrangler uses, and under Bun and Deno unbundled, each runtime resolving
 * `keycard`, its subpaths and `#hash` from node_modules itself. dist/ is built by global-setup.ts.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDirectory, inBun, inDeno, inWorkerd, scriptEntry, workerEntry } from './runners.ts';

const root = new URL('../..', import.meta.url).pathname;
const HANDLERS = join(root, 'test/runtime/handlers.ts');

const EXPECTED = {
  created: [true, 'active', ['tasks:read']],
  listed: [true],
  read: [200, { owner: 'alice' }],
  write: '403 insufficient_scope',
  rotated: [true, '401 token_expired', 200],
  revoked: ['revoked', '401 token_revoked'],
  stranger: '401 unauthenticated',
  device: [200, 'string', 400, 'authorization_pending'],
  leak: [401, 200, ['true_positive'], ['bob']],
  leakedToken: [false, true],
  audit: [
    ...['device.requested', 'request.allowed', 'request.allowed'],
    ...['request.denied', 'request.denied', 'request.denied'],
    ...['token.issued', 'token.issued', 'token.issued', 'token.revoked', 'token.revoked', 'token.rotated'],
  ],
};
/** Audit delivery is asynchronous: the events are compared as a multiset. */
const sorted = (report: unknown) => {
  const r = report as { audit: string[] };
  return { ...r, audit: [...r.audit].sort() };
};

let dir: string;
beforeAll(() => {
  dir = appDirectory('keycard-package-runtimes-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bundle = async (contents: string, options: { conditions?: string[]; external?: boolean }) => {
  const out = await build({
    stdin: { contents, resolveDir: dir, sourcefile: 'entry.mjs' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: options.conditions ?? [],
    mainFields: ['module', 'main'],
    packages: options.external ? 'external' : undefined,
    metafile: true,
    logLevel: 'silent',
  });
  return { text: out.outputFiles[0]!.text, inputs: Object.keys(out.metafile.inputs) };
};

/** The scenario compiled to one script whose `keycard` and `hono` imports the runtime resolves. */
const script = async (name: string) => {
  const file = join(dir, name);
  writeFileSync(file, (await bundle(scriptEntry(HANDLERS, 'handlersScenario'), { external: true })).text);
  return file;
};

describe('the built package in real runtimes: management, client, Hono, device routes, leak intake', () => {
  it('workerd (bundled from dist/ under workerd, worker, browser): the portable hash, and the scenario passes', async () => {
    const { text, inputs } = await bundle(workerEntry(HANDLERS, 'handlersScenario'), {
      conditions: ['workerd', 'worker', 'browser'],
    });
    expect(inputs.filter((i) => /dist\/sha256\.(web|node)\.js$/.test(i))).toEqual(['dist/sha256.web.js']);
    const { status, body } = await inWorkerd(text);
    expect(status, body).toBe(200);
    expect(sorted(JSON.parse(body))).toEqual(EXPECTED);
  }, 120_000);

  it('Bun (unbundled, its own resolution): the scenario passes', async () => {
    expect(sorted(await inBun(await script('bun.mjs'), dir))).toEqual(EXPECTED);
  }, 120_000);

  it('Deno (unbundled, node_modules resolution, no permission granted): the scenario passes', async () => {
    expect(sorted(await inDeno(await script('deno.mjs'), dir, { config: true }))).toEqual(EXPECTED);
  }, 120_000);
});
