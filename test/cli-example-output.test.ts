/**
 * examples/cli (the `toado` CLI integrators copy) against a hostile server: whatever the API
 * answers (a label, a ticket title, an error body) is printed with every control character, line
 * separator and invisible format character (bidi overrides and marks, U+FEFF…) replaced by U+FFFD, so `ESC ] 52` cannot write the clipboard nor `ESC [ 2J` clear
 * the screen. The real script, run by node against a real node:http server on 127.0.0.1 (dist/).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '../examples/cli/cli.js');
const ESCAPES = '\u001b]52;c;cm0gLXJmIH4K\u0007\u001b[2J\u202e\r\u2028\u2029\u061c\ufeff\u200b\u2060\u{e0041}';
/** Control, separator and invisible format characters (ZWNJ and ZWJ aside), as `printable` replaces them. */
const UNPRINTABLE = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u2065]/u;
let server: Server;
let url: string;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'kc-cli-out-'));
  server = createServer((req, res) => {
    if (req.url === '/api/v1/tickets') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      return res.end(`boom ${ESCAPES}`);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ ownerId: `u${ESCAPES}`, label: `L${ESCAPES}`, tokenId: `t${ESCAPES}`, scopes: [ESCAPES] }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(home, { recursive: true, force: true });
});

const run = (command: string) =>
  new Promise<{ stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [CLI, command, '--url', url, '--token', 'toado_sk_example'],
      { env: { PATH: process.env['PATH'] ?? '', HOME: home, TOADO_CONFIG_DIR: path.join(home, 'cfg') } },
      (_e, stdout, stderr) => resolve({ stdout, stderr }),
    ),
  );

describe('examples/cli prints no server text raw', () => {
  it.each(['whoami', 'tickets'])('%s: no control character but the line ends, the text kept', async (command) => {
    const { stdout, stderr } = await run(command);
    const printed = stdout + stderr;
    expect(printed).toContain(command === 'whoami' ? 'L\ufffd]52;c;cm0gLXJmIH4K' : 'boom \ufffd]52;c;');
    expect(printed.replace(/\n/g, '')).not.toMatch(UNPRINTABLE);
  });
});
