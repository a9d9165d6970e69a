/**
 * deviceLogin when the network itself fails (real sockets on 127.0.0.1, node's fetch): nothing
 * listening on the port, a name that does not resolve, and a server that streams an answer far
 * larger than any device-flow reply. The caller gets a KeycardError naming the server's origin,
 * never fetch's bare `TypeError: fetch failed`; a poll that meets the same trouble backs off; an
 * oversized reply is read no further than the cap and its connection is closed.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KeycardError } from '../core/errors.ts';
import { CODES, quietLogin } from '../../test/login-fixture.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server?.listening ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** The cap on each reply (64 KiB), as docs/cli.md states it. */
const MAX_REPLY_BYTES = 65_536;

const listen = async (s: Server): Promise<string> => {
  server = s;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

/** A port nothing listens on: bound by a real server, then closed. */
async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const login = quietLogin;

// A login that hangs is a failure, not a stuck run.
const BOUND = 10_000;

describe('deviceLogin: the server cannot be reached', () => {
  it('nothing listening on the port: KeycardError unavailable naming the origin, nothing printed', async () => {
    const origin = await closedPort();
    const lines: string[] = [];
    const outcome = await login(`${origin}/api/tokens`, { output: (l) => lines.push(l) });
    expect(outcome).toBeInstanceOf(KeycardError);
    expect(outcome).toMatchObject({
      code: 'unavailable',
      message: `Could not start the login: could not reach ${origin} (ECONNREFUSED)`,
    });
    expect(lines).toEqual([]);
  });

  it('a port fetch refuses (6666): KeycardError unavailable saying so, nothing printed', async () => {
    const lines: string[] = [];
    const outcome = await login('http://127.0.0.1:6666/api/tokens', { output: (l) => lines.push(l) });
    expect(outcome).toMatchObject({
      code: 'unavailable',
      message: 'Could not start the login: could not reach http://127.0.0.1:6666 (a port fetch refuses)',
    });
    expect(lines).toEqual([]);
  });

  it(
    'a name that does not resolve (.invalid, RFC 6761): KeycardError unavailable naming the origin',
    { timeout: BOUND },
    async () => {
      const outcome = await login('http://keycard-login-test.invalid/api/tokens?client=x', { timeoutMs: 5_000 });
      expect(outcome).toBeInstanceOf(KeycardError);
      expect(outcome).toMatchObject({ code: 'unavailable' });
      // The origin only: never the path or the query of the URL.
      expect((outcome as Error).message).toMatch(
        /^Could not start the login: (could not reach http:\/\/keycard-login-test\.invalid( \(E[A-Z_]+\))?|http:\/\/keycard-login-test\.invalid did not answer within 5000 ms)$/,
      );
    },
  );

  it('a poll that meets a closed port backs off and ends with expired_token, never a TypeError', async () => {
    const seen: string[] = [];
    const origin = await listen(
      createServer((req, res) => {
        seen.push(req.url ?? '');
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
        // After the codes, the server goes away: every poll is refused.
        res.end(JSON.stringify({ ...CODES, expires_in: 4 }), () => server?.close());
      }),
    );
    const sleeps: number[] = [];
    const outcome = await login(`${origin}/api/tokens`, { sleep: async (ms) => void sleeps.push(ms) });
    expect(outcome).toBeInstanceOf(KeycardError);
    expect(outcome).toMatchObject({ code: 'expired_token' });
    expect(seen).toEqual(['/api/tokens/device/code']);
    expect(sleeps).toEqual([1000, 2000]); // 1 s, then doubled after the refused poll; none at the 4 s lifetime
  });

  for (const [what, url] of [
    ['an ftp: url', 'ftp://127.0.0.1/api/tokens'],
    ['a url with a user name and password', 'https://me:hunter2@app.example/api/tokens'],
  ] as const)
    it(`${what}: invalid_config naming url, never quoting the password`, async () => {
      const outcome = await login(url);
      expect(outcome).toMatchObject({ name: 'KeycardError', code: 'invalid_config' });
      expect((outcome as Error).message).toMatch(/url: must be an http\(s\) URL without a user name or password/);
      expect((outcome as Error).message).not.toContain('hunter2');
    });
});

/** Writes `chunk` to `res` forever (minding back-pressure) until the client goes away. */
function stream(res: ServerResponse, chunk: string): void {
  const more = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', more);
  };
  more();
}

/** A server that answers `/device/code` with `code` and each poll with `token`; each either a body or a stream. */
async function server2(code: (res: ServerResponse) => void, token?: (res: ServerResponse) => void) {
  const closed: string[] = [];
  const origin = await listen(
    createServer((req, res) => {
      req.resume();
      const path = req.url ?? '';
      res.on('close', () => closed.push(path));
      const answer = path.endsWith('/device/code') ? code : token;
      if (answer) answer(res);
      else json(res, { error: 'authorization_pending' }, 400);
    }),
  );
  return { url: `${origin}/api/tokens`, closed };
}

const json = (res: ServerResponse, body: unknown, status = 200): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** The code answer padded with spaces to exactly `bytes` bytes (JSON allows the whitespace). */
const padded = (bytes: number): string => {
  const body = JSON.stringify(CODES);
  return body.slice(0, -1) + ' '.repeat(bytes - body.length) + '}';
};

describe('deviceLogin: each reply is read up to 64 KiB, no further', () => {
  it(
    'a /device/code answer that never ends: invalid_request, the connection closed, nothing printed',
    { timeout: BOUND },
    async () => {
      const s = await server2((res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"device_code":"');
        stream(res, 'x'.repeat(16_384));
      });
      const lines: string[] = [];
      const outcome = await login(s.url, { output: (l) => lines.push(l) });
      expect(outcome).toBeInstanceOf(KeycardError);
      expect(outcome).toMatchObject({
        code: 'invalid_request',
        message: 'Could not start the login: the server’s answer is larger than 64 KiB',
      });
      expect(lines).toEqual([]);
      await expect.poll(() => s.closed).toEqual(['/api/tokens/device/code']);
    },
  );

  it('a /device/code answer one byte over 64 KiB (valid JSON): invalid_request, nothing printed', async () => {
    const s = await server2((res) => json(res, padded(MAX_REPLY_BYTES + 1)));
    const lines: string[] = [];
    const outcome = await login(s.url, { output: (l) => lines.push(l) });
    expect(outcome).toMatchObject({ name: 'KeycardError', code: 'invalid_request' });
    expect(lines).toEqual([]);
  });

  it('a /device/code answer of exactly 64 KiB is read: the instructions are printed', async () => {
    const s = await server2((res) => json(res, padded(MAX_REPLY_BYTES)));
    const lines: string[] = [];
    const outcome = await login(s.url, { output: (l) => lines.push(l) });
    expect(outcome).toMatchObject({ code: 'expired_token' });
    expect(lines[0]).toContain('BCDF-GHJK');
  });

  it(
    'a poll answer that never ends: invalid_request as any malformed poll answer, the connection closed',
    { timeout: BOUND },
    async () => {
      const s = await server2(
        (res) => json(res, CODES),
        (res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"access_token":"');
          stream(res, 'a'.repeat(16_384));
        },
      );
      const outcome = await login(s.url);
      expect(outcome).toBeInstanceOf(KeycardError);
      expect(outcome).toMatchObject({
        code: 'invalid_request',
        message: 'Could not finish the login: the server’s answer is larger than 64 KiB',
      });
      await expect.poll(() => s.closed).toContain('/api/tokens/device/token');
    },
  );
});
