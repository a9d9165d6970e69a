/**
 * The Express example's leak route (examples/express/server.js, as `npm start` runs it, on the
 * built package) is the one integrators copy: a body over the intake's 5 MB cap must be refused
 * while it streams in, not buffered whole first. Anyone can POST to a secret-scanning endpoint.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExpressExample, type RunningExample } from './express-example.ts';

const MB = 1024 * 1024;
let example: RunningExample;
let base: string;

beforeAll(async () => {
  example = await startExpressExample();
  base = example.base;
}, 60_000);
afterAll(() => example?.stop());

/**
 * POSTs up to `total` bytes in 64 KB chunks, yielding between chunks, and stops writing as soon as
 * an answer arrives. Resolves with the status and how many bytes had been written by then.
 */
function stream(total: number, headers: Record<string, string>) {
  return new Promise<{ status: number; written: number }>((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = httpRequest(`${base}/leaks/github`, { method: 'POST', headers }, (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode!, written });
      req.destroy();
    });
    req.on('error', (e) => (answered ? undefined : reject(e)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    void (async () => {
      while (!answered && written < total) {
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        written += chunk.length;
        await new Promise((r) => setImmediate(r));
      }
      if (!answered) req.end();
    })().catch(() => undefined);
  });
}

const signed = { 'github-public-key-identifier': 'k1', 'github-public-key-signature': 'MEQCIA==' };

describe('examples/express: the leak route under an oversized body', () => {
  it('a chunked body is refused with 413 once it passes 5 MB, before the client has sent 64 MB', async () => {
    const r = await stream(64 * MB, signed);
    expect(r.status).toBe(413);
    expect(r.written).toBeLessThan(64 * MB);
  });

  it('an announced Content-Length over 5 MB is refused with 413 before the body is sent', async () => {
    const r = await stream(64 * MB, { ...signed, 'content-length': String(64 * MB) });
    expect(r.status).toBe(413);
    expect(r.written).toBeLessThan(64 * MB);
  });

  it("an unsigned report is still the intake's 401 problem through the route", async () => {
    const res = await fetch(`${base}/leaks/github`, { method: 'POST', body: '[]' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 401, code: 'unauthenticated' });
  });
});
