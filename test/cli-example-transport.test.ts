/**
 * examples/cli's own calls to the API (`whoami`, `tickets`, the revoke of `logout`) meet a server
 * as keycard/client does: no redirect followed (a 307 to another origin would take the bearer
 * token, or hand back that origin's answer as the API's), and a bound on the wait (30 s, or
 * `TOADO_TIMEOUT_MS`), after which the CLI exits 1 saying the server did not answer. The real
 * script, run by node against real node:http servers on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '../examples/cli/cli.js');
const TOKEN = 'toado_sk_example';
let home: string;
const servers: Server[] = [];

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeEach(() => void (home = mkdtempSync(path.join(tmpdir(), 'kc-cli-net-'))));
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  rmSync(home, { recursive: true, force: true });
});

/** Runs the CLI; `killed` is true when it had to be stopped after 20 s (it never ended by itself). */
const run = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        timeout: 20_000,
        env: { PATH: process.env['PATH'] ?? '', HOME: home, TOADO_CONFIG_DIR: path.join(home, 'cfg'), ...env },
      },
      (e, stdout, stderr) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, killed: Boolean(e?.killed), stdout, stderr }),
    ),
  );

/** A server that records each request's path and whether it carried the bearer token. */
async function recorder() {
  const heard: { path: string; bearer: boolean }[] = [];
  const url = await listen((req, res) => {
    heard.push({ path: req.url ?? '', bearer: (req.headers.authorization ?? '').includes(TOKEN) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ownerId: 'u_other', label: 'other', tokenId: 't', scopes: [], tickets: [] }));
  });
  return { url, heard };
}

describe('examples/cli follows no redirect', () => {
  for (const status of [301, 302, 303, 307, 308])
    it(`whoami answered ${status} to another local origin: exit 1 naming the redirect; that origin hears nothing`, async () => {
      const other = await recorder();
      const api = await listen((req, res) => {
        res.writeHead(status, { location: `${other.url}${req.url}?state=secret-state` });
        res.end();
      });
      const r = await run(['whoami', '--url', api, '--token', TOKEN]);
      expect(other.heard).toEqual([]);
      expect([r.code, r.killed, r.stdout]).toEqual([1, false, '']);
      expect(r.stderr).toBe(
        `toado: the server answered ${status}, a redirect to ${other.url}/api/v1/whoami, not followed (--url must be the API's own URL)\n`,
      );
    });

  it('tickets answered 307 to a path of the same origin: not followed either', async () => {
    const heard: string[] = [];
    const api = await listen((req, res) => {
      heard.push(req.url ?? '');
      res.writeHead(307, { location: '/elsewhere' });
      res.end();
    });
    const r = await run(['tickets', '--url', api, '--token', TOKEN]);
    expect(heard).toEqual(['/api/v1/tickets']);
    expect([r.code, r.stderr]).toEqual([
      1,
      `toado: the server answered 307, a redirect to ${api}/elsewhere, not followed (--url must be the API's own URL)\n`,
    ]);
  });

  it("logout's revoke answered 307 to another origin: the token goes nowhere else, the file is kept", async () => {
    const other = await recorder();
    const api = await listen((req, res) => {
      res.writeHead(307, { location: `${other.url}${req.url}` });
      res.end();
    });
    const dir = path.join(home, 'cfg');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dir, 'env'), `TOADO_API_TOKEN=${TOKEN}\nTOADO_API_URL=${api}\n`, { mode: 0o600 });
    const r = await run(['logout']);
    expect(other.heard).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a redirect to .*, not followed/);
    expect(existsSync(path.join(dir, 'env'))).toBe(true);
  });
});

describe('examples/cli waits for an answer within a bound', () => {
  it('a server that accepts and never answers: exit 1 saying so, within TOADO_TIMEOUT_MS', async () => {
    const api = await listen(() => {}); // reads the request, never answers
    const r = await run(['whoami', '--url', api, '--token', TOKEN], { TOADO_TIMEOUT_MS: '300' });
    expect([r.code, r.killed, r.stdout]).toEqual([1, false, '']);
    expect(r.stderr).toBe(`toado: ${api} did not answer within 300 ms\n`);
  });

  it('headers sent, then silence: the body wait is bounded too', async () => {
    const api = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ownerId":');
    });
    const r = await run(['whoami', '--url', api, '--token', TOKEN], { TOADO_TIMEOUT_MS: '300' });
    expect([r.code, r.killed, r.stderr]).toEqual([1, false, `toado: ${api} did not answer within 300 ms\n`]);
  });

  it('TOADO_TIMEOUT_MS that is not a positive whole number: exit 1 naming it, nothing sent', async () => {
    const heard: string[] = [];
    const api = await listen((req, res) => (heard.push(req.url ?? ''), res.end('{}')));
    const r = await run(['whoami', '--url', api, '--token', TOKEN], { TOADO_TIMEOUT_MS: 'soon' });
    expect([r.code, heard, r.stderr]).toEqual([1, [], 'toado: TOADO_TIMEOUT_MS must be a whole number of ms from 1\n']);
  });
});
