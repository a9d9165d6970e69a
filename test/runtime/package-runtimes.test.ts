/**
 * The built package in the runtimes the docs name, imported as an application imports it: the
 * handlers scenario (handlers.ts: the management API through keycard/client, keycard/hono, the
 * device routes, the leak intake's WebCrypto signature check) under workerd, bundled from dist/
 * with the conditions Wrangler uses, and under Bun and Deno unbundled, each runtime resolving
 * `keycard`, its subpaths and `#hash` from node_modules itself. dist/ is built by global-setup.ts.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDirectory, hashBackEnd, inRuntime } from './runners.ts';

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

describe('the built package in real runtimes: management, client, Hono, device routes, leak intake', () => {
  it('workerd (bundled from dist/ under workerd, worker, browser): the portable hash, and the scenario passes', async () => {
    const { report, sources, inputs } = await inRuntime('workerd', HANDLERS, 'handlersScenario', dir);
    expect(inputs.filter((i) => /dist\/sha256\.(web|node)\.js$/.test(i))).toEqual(['dist/sha256.web.js']);
    expect(sources).toEqual([]);
    expect(sorted(report)).toEqual(EXPECTED);
  }, 120_000);

  for (const [runtime, how] of [
    ['bun', 'unbundled, its own resolution'],
    ['deno', 'unbundled, node_modules resolution, no permission granted'],
  ] as const) {
    it(`${runtime} (${how}): the node:crypto hash (docs/tokens.md), and the scenario passes`, async () => {
      expect(await hashBackEnd(runtime, dir)).toEqual(['dist/sha256.node.js']);
      const { report, sources } = await inRuntime(runtime, HANDLERS, 'handlersScenario', dir);
      expect(sources).toEqual([]);
      expect(sorted(report)).toEqual(EXPECTED);
    }, 120_000);
  }
});
