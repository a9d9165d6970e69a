/**
 * The timer that reports a pending `N more of: …` count (src/core/report.ts) never keeps a Node
 * process alive: a process whose management handler has just failed 40 requests in a burst, and
 * then has nothing left to do, exits at once (the built package, in a child process).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../dist/index.js', import.meta.url).href;

const SCRIPT = `
import { createKeycard, createManagementHandler, defineScopes } from ${JSON.stringify(DIST)};
const reports = [];
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const keycard = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }), onError: () => {} });
const handler = createManagementHandler(keycard, {
  authorize: () => Promise.reject(new Error('session store: connection refused')),
  onError: (e) => reports.push(e.message),
  device: false,
});
const before = timers();
const statuses = new Set();
for (let i = 0; i < 40; i++) statuses.add((await handler(new Request('http://127.0.0.1/tokens'))).status);
console.log(JSON.stringify({ statuses: [...statuses], reports: reports.length, before, after: timers() }));
`;

function run(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('a pending report count and process exit', () => {
  it('a burst of failures, then nothing to do: the process exits, no timer holds it', { timeout: 20_000 }, async () => {
    const { code, stdout, stderr } = await run();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { statuses: number[]; reports: number; before: number; after: number };
    expect(out.statuses).toEqual([503]);
    // The first failure was reported; the other 39 are a pending count with its timer armed, and
    // that timer is not one that keeps the event loop alive.
    expect(out.reports).toBe(1);
    expect(out.after).toBe(out.before);
  });
});
