/**
 * keycard/mcp's gate on its own: the SPEC §8 table through a real Express server and a raw
 * socket, its start-up checks, and examples/mcp run as a user runs it (split from mcp.test.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it, vi } from 'vitest';
import { createKeycard } from '../src/index.ts';
import { mcpGate } from '../src/adapters/mcp/index.ts';
import { contractFixture } from './contract-fixture.ts';
import { toadoScopes } from './helpers.ts';
import { contractRow, expectProblem } from './contract-table.ts';
import { rawRequest } from './raw-http.ts';
import { expectedWarning, mcpClient, until } from './mcp-helpers.ts';

describe('mcpGate answers the SPEC §8 table with the same bytes as every adapter', () => {
  it('for every row that does not depend on a route requirement (raw socket; doubled Authorization included)', async () => {
    const fx = await contractFixture();
    const app = express();
    app.use(
      express.json(),
      mcpGate(fx.keycard, { onWarning: expectedWarning }),
      (req, res) => void res.json({ by: req.keycard?.label }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const rows = fx.cases.filter((c) => c.code !== 'insufficient_scope' && c.code !== 'forbidden_resource');
      expect(rows.map((c) => c.code)).toEqual(
        expect.arrayContaining([
          'missing_token',
          'invalid_request',
          'invalid_token',
          'token_expired',
          'token_revoked',
          'rate_limited',
          'unavailable',
        ]),
      );
      for (const c of rows)
        expectProblem(await rawRequest(port, c.method, c.path, c.headers), contractRow(c.code), expect);
      const ok = await rawRequest(port, 'GET', '/mcp', { authorization: `Bearer ${fx.good}` });
      expect(ok.status).toBe(200);
      expect(ok.headers['ratelimit-policy']).toBe('"default";q=60;w=60');
    } finally {
      await new Promise((r) => server.close(r));
      await fx.keycard.close();
    }
  });
});

describe('mcpGate options', () => {
  it('resourceMetadataUrl: only the 401 that carried no credentials gains resource_metadata (SPEC §16)', async () => {
    const fx = await contractFixture();
    const url = 'https://api.example.com/.well-known/oauth-protected-resource/mcp';
    const app = express();
    app.use(express.json(), mcpGate(fx.keycard, { resourceMetadataUrl: url }), (_req, res) => void res.end());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const rows = fx.cases.filter((c) => c.code !== 'insufficient_scope' && c.code !== 'forbidden_resource');
      for (const c of rows) {
        const row = contractRow(c.code);
        const expected =
          c.code === 'missing_token'
            ? { ...row, wwwAuthenticate: `${row.wwwAuthenticate}, resource_metadata="${url}"` }
            : row;
        expectProblem(await rawRequest(port, c.method, c.path, c.headers), expected, expect);
      }
    } finally {
      await new Promise((r) => server.close(r));
      await fx.keycard.close();
    }
  });

  it('fails at start on a tool scope the catalogue does not know', async () => {
    const { keycard } = await contractFixture();
    expect(() => mcpGate(keycard, { tools: { t: { scope: 'tickets:wrtie' } }, onWarning: expectedWarning })).toThrow(
      /tickets:wrtie/,
    );
    expect(() => mcpGate(keycard, { recheckSeconds: 0, onWarning: expectedWarning })).toThrow(/recheckSeconds/);
    await keycard.close();
  });
});

describe('mcpGate warns when a 401 gives MCP clients no way to find how to authenticate (SPEC §16)', () => {
  const keycardWith = (hint: Record<string, string> = {}) =>
    createKeycard({ prefix: 'acme', scopes: toadoScopes(), onWarning: () => {}, ...hint });

  it('once, at construction, naming the options to set, when neither keycard nor the gate points anywhere', async () => {
    const keycard = keycardWith();
    const warnings: string[] = [];
    const gate = mcpGate(keycard, { onWarning: (m) => void warnings.push(m) });
    expect(warnings).toHaveLength(1);
    for (const option of ['settingsUrl', 'resourceMetadataUrl']) expect(warnings[0]).toContain(option);
    // Serving requests adds none: the warning is about the configuration, said once.
    const app = express();
    app.use(express.json(), gate, (_req, res) => void res.end());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const port = (server.address() as AddressInfo).port;
      for (let i = 0; i < 3; i++) expect((await rawRequest(port, 'GET', '/mcp', {})).status).toBe(401);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(warnings).toHaveLength(1);
    await gate.close();
    await keycard.close();
  });

  it('through console.warn by default', async () => {
    const keycard = keycardWith();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await mcpGate(keycard).close();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/^keycard\/mcp: .*settingsUrl/);
    } finally {
      warn.mockRestore();
    }
    await keycard.close();
  });

  it("not at all when keycard's settingsUrl or resourceMetadataUrl, or the gate's resourceMetadataUrl, is set", async () => {
    const url = 'https://api.example.com/.well-known/oauth-protected-resource/mcp';
    for (const [kc, gateOptions] of [
      [keycardWith({ settingsUrl: 'https://app.example.com/settings/tokens' }), {}],
      [keycardWith({ resourceMetadataUrl: url }), {}],
      [keycardWith(), { resourceMetadataUrl: url }],
    ] as const) {
      const warnings: string[] = [];
      await mcpGate(kc, { ...gateOptions, onWarning: (m) => void warnings.push(m) }).close();
      expect(warnings).toEqual([]);
      await kc.close();
    }
  });

  it('onWarning is validated like every option', async () => {
    const keycard = keycardWith();
    expect(() => mcpGate(keycard, { onWarning: 'loud' as never })).toThrow(/onWarning/);
    await keycard.close();
  });
});

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, unknown> };
const built = existsSync(new URL('dist/mcp.js', root)) && './mcp' in pkg.exports;

describe.skipIf(!built)('examples/mcp as a user runs it (needs `keycard/mcp` built and exported)', () => {
  it('`node server.js` prints demo tokens and an MCP client config, serves both doors, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['server.js'], {
      cwd: new URL('examples/mcp/', root),
      env: { ...process.env, PORT: '0', AUDIT: '0' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      const url = (await until(() => /Listening on (http:\/\/\S+)/.exec(out), 'the banner', 15_000))[1]!;
      const token = /export TRIAGE='([^']+)'/.exec(out)![1]!;
      expect(out).toContain('"Authorization": "Bearer <paste $TRIAGE here>"');
      expect((await fetch(`${url}/api/v1/tickets`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
        200,
      );
      const c = await mcpClient(url, token, []);
      expect((await c.client.listTools()).tools).toHaveLength(4);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await c.client.close();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
