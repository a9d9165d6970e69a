/**
 * The management half's remaining surfaces in the runtimes the docs name (SPEC §11: the handler
 * "lives in the core (Web standards only, edge-safe)"; docs/runtimes.md: the core, keycard/next,
 * the management handler and the client run on Bun, Deno and Workers): manage-scenario.ts on the
 * built package — view, update, catalogue, OpenAPI, activity from memoryAuditStore, a whole device
 * login and its token, revoke-all with expectCount, the GitLab leak intake, keycard/oauth and
 * keycard/next — under workerd (bundled with Wrangler's conditions), Bun and Deno (unbundled, no
 * permission granted). dist/ is built by global-setup.ts.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDirectory, inRuntime } from './runners.ts';

const root = new URL('../..', import.meta.url).pathname;
const SCENARIO = join(root, 'test/runtime/manage-scenario.ts');

const ALICE = 'https://app.example.com/tickets?by=alice';
const EXPECTED = {
  created: [201, ['read']],
  call: ALICE,
  viewed: ['ci', 'active', ['read']],
  patched: ['ci deploy', { repo: 'acme/app' }],
  catalogue: ['read:read', 'tickets:write:tickets:write+read'],
  openapi: ['3.1', true],
  activity: ['token.updated', 'request.allowed', 'token.issued'],
  device: {
    pending: [200, 400, 'authorization_pending'],
    page: [200, 'text/html; charset=utf-8', true],
    approved: 200,
    issued: [200, 'read', true],
    call: ALICE,
    reused: [400, 'invalid_grant'],
  },
  revokeAll: {
    stale: [409, 'count_changed', 2],
    done: [200, 2],
    after: ['401 token_revoked', '401 token_revoked'],
    listed: 2,
  },
  deviceAlone: [200, 'https://app.example.com/cli/device', null],
  leak: [200, 'revoked'],
  oauth: {
    metadataUrl: 'https://app.example.com/.well-known/oauth-protected-resource/mcp',
    document: [200, ['https://auth.example.com']],
    jwt: 'https://app.example.com/tickets?by=carol',
    anonymous: [
      401,
      'Bearer realm="api", resource_metadata="https://app.example.com/.well-known/oauth-protected-resource/mcp"',
    ],
  },
};

let dir: string;
beforeAll(() => {
  dir = appDirectory('keycard-manage-runtimes-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the management half on the built package in real runtimes', () => {
  for (const [runtime, how] of [
    ['workerd', 'bundled under workerd, worker, browser'],
    ['bun', 'unbundled, its own resolution'],
    ['deno', 'unbundled, node_modules resolution, no permission granted'],
  ] as const) {
    it(`${runtime} (${how}): the scenario passes`, async () => {
      const { report, sources } = await inRuntime(runtime, SCENARIO, 'manageScenario', dir);
      expect(sources).toEqual([]);
      expect(report).toEqual(EXPECTED);
    }, 120_000);
  }
});
