/**
 * A body the JSON parser refuses (a charset or content encoding it does not support, a broken gzip
 * stream) is the client's fault and gets the parser's 4xx as a problem, never a 500 (SPEC §8:
 * hostile input gets a 4xx): on the MCP example, which parses before the gate, so anyone can send
 * one, and on the Express example (built package, as `npm start` runs it), behind a token.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExpressExample } from './express-example.ts';
import { loadExample } from './mcp-helpers.ts';

const { createApp } = (await loadExample()) as {
  createApp(o: Record<string, unknown>): {
    start(o: { port: number; host: string }): Promise<{ url: string; stop(): Promise<void> }>;
  };
};
let started: { url: string; stop(): Promise<void> };
const logs: string[] = [];
beforeAll(async () => {
  started = await createApp({ log: (l: string) => logs.push(l) }).start({ port: 0, host: '127.0.0.1' });
});
afterAll(() => started.stop());

/** A POST with exactly these headers and bytes (fetch would fix a content-encoding). */
function post(headers: Record<string, string>, body: string, to = `${started.url}/mcp`) {
  const url = new URL(to);
  return new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: url.pathname,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const ping = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

const REFUSED: [string, Record<string, string>, string, number][] = [
  ['an unsupported charset', { ...json, 'content-type': 'application/json; charset=latin1' }, ping, 415],
  ['an unsupported content encoding', { ...json, 'content-encoding': 'bogus' }, ping, 415],
  ['a broken gzip stream', { ...json, 'content-encoding': 'gzip' }, 'not gzip', 400],
];
/** The answer is the parser's status as a problem, with no stack and no "Something went wrong". */
function expectRefused(res: { status: number; type: string | undefined; body: string }, status: number) {
  expect({ status: res.status, type: res.type }).toEqual({ status, type: 'application/problem+json; charset=utf-8' });
  expect(JSON.parse(res.body)).toMatchObject({ type: 'about:blank', status });
  expect(res.body).not.toMatch(/ at |node_modules|Something went wrong/);
}

describe('bodies the parser refuses are 4xx problems', () => {
  it.each(REFUSED)('examples/mcp, no token: %s', async (_, headers, body, status) => {
    expectRefused(await post(headers, body), status);
  });

  it('examples/express, with a token: each of them', async () => {
    const example = await startExpressExample();
    try {
      const token = /export TRIAGE='([^']+)'/.exec(example.out)![1]!;
      const to = `${example.base}/api/v1/tickets/t1/comments`;
      for (const [, headers, body, status] of REFUSED)
        expectRefused(
          await post({ ...headers, authorization: `Bearer ${token}` }, body.replace('ping', 'x'), to),
          status,
        );
    } finally {
      example.stop();
    }
  }, 60_000);
});
