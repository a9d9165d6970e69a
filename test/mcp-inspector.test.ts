/**
 * Issue 20: the official MCP Inspector (CLI mode, a child process) against examples/mcp. With a
 * keycard token it lists and calls tools; without one it ends with the settings URL, not with a
 * failed OAuth registration (the example is API-keys-only: no RFC 9728 document). What it prints
 * is recorded in docs/mcp.md.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExample } from './mcp-helpers.ts';

const bin = fileURLToPath(new URL('../node_modules/.bin/mcp-inspector', import.meta.url));
interface Example {
  issueDemoTokens(): Promise<{ env: string; token: string }[]>;
  start(o: { port: number; host: string }): Promise<{ url: string; stop(): Promise<void> }>;
}
const { createApp } = (await loadExample()) as { createApp(options: Record<string, unknown>): Example };

let url: string;
let stop: () => Promise<void>;
let triage: string;

beforeAll(async () => {
  const ex = createApp({ log: () => {}, publicUrl: 'http://127.0.0.1:0' });
  triage = (await ex.issueDemoTokens()).find((t) => t.env === 'TRIAGE')!.token;
  ({ url, stop } = await ex.start({ port: 0, host: '127.0.0.1' }));
});
afterAll(() => stop());

/** Runs the Inspector CLI; resolves with its exit code and output (it may exit non-zero). */
function inspector(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      bin,
      ['--cli', `${url}/mcp`, '--transport', 'http', ...args],
      { timeout: 60_000, env: { ...process.env, CI: '1' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
      },
    );
  });
}

describe('MCP Inspector CLI against examples/mcp', () => {
  it('lists and calls tools with a keycard token', async () => {
    const header = ['--header', `Authorization: Bearer ${triage}`];
    const list = await inspector(['--method', 'tools/list', ...header]);
    expect(list.code).toBe(0);
    expect(list.out).toContain('"list_tickets"');
    const call = await inspector(['--method', 'tools/call', '--tool-name', 'list_tickets', ...header]);
    expect(call.code).toBe(0);
    expect(call.out).toContain('"content"');
    expect(call.out).not.toContain(triage);
  }, 120_000);

  it('without a token, ends with a message holding the settings URL, not a registration error', async () => {
    const r = await inspector(['--method', 'tools/list', '--stored-auth-only']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('create one at http://127.0.0.1:0/settings/tokens');
    expect(r.out).not.toMatch(/registration/i);
  }, 120_000);
});
