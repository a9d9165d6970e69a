/**
 * keycard/client against a hostile or broken server (real node:http servers on 127.0.0.1, node's
 * fetch): a redirect to another origin, nothing listening, a `baseUrl` with a password, an answer
 * without end, headers and then silence, a problem whose detail is 10 MB of escape sequences, ids
 * that are dot segments. Every method rejects with a ManagementError, never a TypeError; no header
 * goes to another origin; no read is unbounded in bytes or time; no message quotes a secret or
 * drives a terminal.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createManagementClient, ManagementError } from '../../src/client/index.ts';
import { serve } from './real-servers.ts';

const BEARER = 'Bearer toado_sk_S3cretBearerValue';
const API_KEY = 'S3cretApiKeyValue';
const client = (origin: string, more: Record<string, unknown> = {}) =>
  createManagementClient({
    baseUrl: `${origin}/api/tokens`,
    headers: { Authorization: BEARER, 'X-Api-Key': API_KEY },
    ...more,
  });

/** The rejection as plain data (a TypeError or anything else shows as `thrown`). */
const failure = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ resolved: value }) as Record<string, unknown>,
    (e: unknown) =>
      e instanceof ManagementError
        ? ({ code: e.code, status: e.status, message: e.message } as Record<string, unknown>)
        : { thrown: String(e) },
  );

const noSecret = (outcome: unknown) => {
  const text = JSON.stringify(outcome);
  expect(text).not.toContain('S3cret');
};

describe('keycard/client: redirects are not followed', () => {
  for (const status of [301, 302, 303, 307, 308])
    it(`a ${status} to another origin: invalid_response; the other origin hears nothing, no header goes there`, async () => {
      const heard: string[] = [];
      const other = await serve((req, res) => {
        heard.push(`${req.method} ${req.url} ${req.headers['x-api-key']}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"token":"other_sk_1","record":{}}');
      });
      const origin = await serve((req, res) => {
        res.writeHead(status, { location: `${other}${req.url}` });
        res.end();
      });
      const outcome = await failure(client(origin).create({ label: 'CI', scopes: ['read'] }));
      expect(outcome).toEqual({
        code: 'invalid_response',
        status,
        message: `HTTP ${status}: a redirect to ${other}/api/tokens/tokens, not followed (baseUrl must be the API's own URL)`,
      });
      expect(heard).toEqual([]);
      noSecret(outcome);
    });
});

describe('keycard/client: no answer', () => {
  it('nothing listening: unavailable naming the origin, never a TypeError, never the path or a header', async () => {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    await new Promise((resolve) => s.close(resolve));
    const outcome = await failure(client(origin).list());
    expect(outcome).toEqual({ code: 'unavailable', status: 0, message: `Could not reach ${origin} (ECONNREFUSED)` });
    noSecret(outcome);
  });

  it("a port fetch refuses (6666: node's fetch never dials it, whoever listens): unavailable saying so", async () => {
    // The Fetch standard's "bad ports" (6000, 6665–6669, 10080, …): curl and the server work, fetch
    // refuses before connecting, with no system code. "Could not reach" alone sent people to
    // check a server that was up.
    const outcome = await failure(client('http://127.0.0.1:6666').list());
    expect(outcome).toEqual({
      code: 'unavailable',
      status: 0,
      message: 'Could not reach http://127.0.0.1:6666 (a port fetch refuses)',
    });
  });

  it('a baseUrl with a password: invalid_config at creation, not quoting it (fetch would)', () => {
    let thrown: unknown;
    try {
      createManagementClient({ baseUrl: 'https://ci:pa55w0rd@app.example/api/tokens' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ManagementError);
    expect(thrown).toMatchObject({ code: 'invalid_config', status: 0 });
    expect((thrown as Error).message).toBe(
      'createManagementClient: baseUrl: must not carry a user name or password (send credentials in headers)',
    );
  });

  it('a header value fetch cannot send: invalid_config naming the header, never quoting the token (fetch would)', () => {
    let thrown: unknown;
    try {
      createManagementClient({
        baseUrl: 'https://app.example/api/tokens',
        headers: { Authorization: `${BEARER}\r\nX-Evil: 1`, 'X-Api-Key': `${API_KEY}\u0000` },
      });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ManagementError);
    expect((thrown as Error).message).toBe(
      'createManagementClient: headers.Authorization: must be text a header can carry (no line break, NUL or character past Latin-1); headers.X-Api-Key: must be text a header can carry (no line break, NUL or character past Latin-1)',
    );
  });

  it('headers sent, then silence: unavailable after timeoutMs, the connection given up', async () => {
    const origin = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items":[');
    });
    const outcome = await failure(client(origin, { timeoutMs: 300 }).list());
    expect(outcome).toEqual({
      code: 'unavailable',
      status: 0,
      message: `${origin} did not answer within 300 ms`,
    });
  });

  it('timeoutMs that is not a positive whole number: invalid_config naming it', () => {
    for (const bad of [0, -1, 1.5, '30000', Infinity])
      expect(() => client('http://127.0.0.1:1', { timeoutMs: bad })).toThrow(
        'createManagementClient: timeoutMs: must be a whole number of milliseconds from 1 to 2147483647',
      );
  });

  it('a fetch that is no function and a credentials fetch does not know: invalid_config naming both', () => {
    // Before: accepted, and the first call failed with a TypeError (fetch) or fetch's own refusal.
    expect(() => client('http://127.0.0.1:1', { fetch: 'fetch', credentials: 'includes' })).toThrow(
      "createManagementClient: fetch: must be a function; credentials: must be 'omit', 'same-origin' or 'include'",
    );
  });
});

describe('keycard/client: answers without end', () => {
  it('an endless chunked 200: invalid_response past the cap, the stream cancelled', { timeout: 20_000 }, async () => {
    let closed = false;
    const origin = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('close', () => (closed = true));
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.write('{"items":');
      pump();
    });
    const outcome = await failure(client(origin).list());
    expect(outcome).toEqual({
      code: 'invalid_response',
      status: 200,
      message: 'HTTP 200: the answer is larger than 16 MiB',
    });
    await new Promise((resolve) => setImmediate(resolve));
    await expect.poll(() => closed).toBe(true);
  });

  it('a Content-Length past the cap: invalid_response, refused before the body is read', async () => {
    let closed = false;
    const origin = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1 << 30) });
      res.on('close', () => (closed = true));
      res.write('{"data":['); // and nothing more: the client must not wait for the rest
    });
    const outcome = await failure(client(origin).list());
    expect(outcome).toEqual({
      code: 'invalid_response',
      status: 200,
      message: 'HTTP 200: the answer is larger than 16 MiB',
    });
    await expect.poll(() => closed).toBe(true);
  });

  it('a gzip bomb (17 KiB announced, 17 MiB of JSON once undone): invalid_response, cut at the cap', async () => {
    const json = `{"data":[],"pad":"${'a'.repeat(17 * 1024 * 1024)}"}`;
    const bomb = gzipSync(json);
    const origin = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': String(bomb.length),
      });
      res.end(bomb);
    });
    const outcome = await failure(client(origin).list());
    expect(outcome).toEqual({
      code: 'invalid_response',
      status: 200,
      message: 'HTTP 200: the answer is larger than 16 MiB',
    });
  });

  it('a problem whose detail is 10 MB of escape sequences: the message is cut and holds no control character', async () => {
    const detail = '\u001b]52;c;cm0gLXJmIH4K\u0007\u001b[2J\u202e'.repeat(250_000); // 10.5 MB as JSON
    const origin = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Bad', status: 400, code: 'invalid_request', detail }));
    });
    const e = await client(origin)
      .list()
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ManagementError);
    expect((e as ManagementError).code).toBe('invalid_request');
    const message = (e as Error).message;
    expect(message.length).toBeLessThanOrEqual(1_000);
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(message).toMatch(/^\uFFFD\]52;c;cm0gLXJmIH4K/);
  });
});

describe('keycard/client: ids', () => {
  for (const id of ['.', '..', ''])
    it(`id ${JSON.stringify(id)}: invalid_request naming id, nothing sent (a dot segment would climb out of /tokens)`, async () => {
      const heard: string[] = [];
      const origin = await serve((req, res) => {
        heard.push(`${req.method} ${req.url}`);
        res.writeHead(404).end();
      });
      const api = client(origin);
      for (const call of [api.get(id), api.revoke(id), api.rotate(id), api.update(id, {}), api.activity(id)]) {
        const outcome = await failure(call);
        expect(outcome).toEqual({ code: 'invalid_request', status: 0, message: 'id: must be a token id' });
        noSecret(outcome);
      }
      expect(heard).toEqual([]);
    });
});
