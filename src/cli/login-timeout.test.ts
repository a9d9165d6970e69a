/**
 * deviceLogin against a server that accepts the connection and never answers (a real HTTP server
 * on 127.0.0.1, node's fetch): each request has a deadline (`timeoutMs`), so the terminal never
 * hangs. A silent `/device/code` fails with a clear KeycardError; a silent `/device/token` poll is
 * connection trouble: back off and poll again, until the login's lifetime runs out. Each request's
 * deadline (`AbortSignal.timeout(timeoutMs)`) is the test's to fire, once the server has the
 * request: a loaded machine answering `/device/code` in over 100 ms cannot fail a case, and a login
 * that ignored its deadline would still hang past BOUND.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeycardError } from '../core/errors.ts';
import { CODES, quietLogin } from '../../test/login-fixture.ts';
import { holdDeadlines, type HeldDeadline } from '../../test/deadlines.ts';
import { deviceLogin } from './login.ts';

let server: Server | undefined;
/** The deadlines the login set, in order: the ms it asked for and the test's hand on it. */
let deadlines: HeldDeadline[] = [];
beforeEach(() => {
  deadlines = holdDeadlines();
});
afterEach(async () => {
  vi.restoreAllMocks();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/**
 * A server that answers `/device/code` with `codes` (or never, when null) and never answers a poll;
 * `onSilence` runs once it holds a request it will never answer (by default: that request's deadline passes).
 */
async function silent(codes: Record<string, unknown> | null, onSilence = () => deadlines.at(-1)!.fire()) {
  const seen: string[] = [];
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    req.resume();
    if (codes === null || !req.url?.endsWith('/device/code')) req.once('end', onSilence);
    if (codes !== null && req.url?.endsWith('/device/code')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(codes));
    }
    // Anything else: the connection stays open and nothing is ever written.
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/tokens`, seen };
}

const login = quietLogin;

// Without a per-request deadline these logins never end; the test's own bound makes that a failure.
const BOUND = 5_000;

describe('deviceLogin: a server that accepts and never answers', () => {
  it(
    'a silent /device/code: KeycardError unavailable naming the deadline, within timeoutMs',
    { timeout: BOUND },
    async () => {
      const { url } = await silent(null);
      const lines: string[] = [];
      const outcome = await login(`${url}?client=secret-query`, { timeoutMs: 100, output: (l) => lines.push(l) });
      // Its one request had a deadline of timeoutMs, and the login ended when that passed (the server never answered).
      expect(deadlines.map((d) => d.ms)).toEqual([100]);
      expect(outcome).toBeInstanceOf(KeycardError);
      // The origin names which server stayed silent; never the path or the query.
      expect(outcome).toMatchObject({
        code: 'unavailable',
        message: `Could not start the login: ${new URL(url).origin} did not answer within 100 ms`,
      });
      expect(lines).toEqual([]);
    },
  );

  it(
    'silent polls: back off as on connection trouble, then expired_token at the lifetime cap',
    { timeout: BOUND },
    async () => {
      const { url, seen } = await silent({ ...CODES, expires_in: 4 });
      const sleeps: number[] = [];
      const outcome = await login(url, { timeoutMs: 100, sleep: async (ms) => void sleeps.push(ms) });
      expect(outcome).toMatchObject({ name: 'KeycardError', code: 'expired_token' });
      expect(deadlines.map((d) => d.ms)).toEqual([100, 100, 100]); // the code request, two polls
      // 1 s, then doubled after each silent poll (1 → 2 → 4), each poll's 100 ms counted against the
      // 4 s: after 1 + 0.1 + 2 + 0.1 s a 4 s wait would pass the code's life, so no third poll.
      expect(sleeps).toEqual([1000, 2000]);
      expect(seen.filter((u) => u.endsWith('/device/token'))).toHaveLength(2);
    },
  );

  it(
    'the caller aborting during a silent poll ends the login with the caller’s reason, not a retry',
    { timeout: BOUND },
    async () => {
      const controller = new AbortController();
      const reason = new Error('user pressed Ctrl-C');
      // Ctrl-C once the server holds the poll (its deadline never passes).
      const { url, seen } = await silent(CODES, () => controller.abort(reason));
      const outcome = await login(url, { timeoutMs: 60_000, signal: controller.signal });
      expect(outcome).toBe(reason);
      expect(seen.filter((u) => u.endsWith('/device/token'))).toHaveLength(1);
    },
  );
});

describe('deviceLogin: timeoutMs is checked with the other options', () => {
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '30000', 2 ** 31])
    it(`timeoutMs ${String(bad)}: invalid_config naming timeoutMs and url`, async () => {
      const outcome = await deviceLogin({ url: 'not a url', clientId: 'x', timeoutMs: bad as number }).catch(
        (e: unknown) => e,
      );
      expect(outcome).toMatchObject({ name: 'KeycardError', code: 'invalid_config' });
      expect((outcome as Error).message).toMatch(
        /url: .*; timeoutMs: must be a whole number of ms from 1 to 2147483647/,
      );
    });
});

describe('deviceLogin: a server that answers every poll, slowly', () => {
  it(
    'the time spent waiting for answers counts against the lifetime (one 1.2 s poll uses up a 2 s login)',
    { timeout: BOUND },
    async () => {
      const polls: number[] = [];
      server = createServer((req, res) => {
        req.resume();
        const answer = (body: unknown) => {
          res.writeHead(req.url?.endsWith('/device/code') ? 200 : 400, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.url?.endsWith('/device/code')) return answer({ ...CODES, expires_in: 2 });
        polls.push(Date.now());
        setTimeout(() => answer({ error: 'authorization_pending' }), 1_200); // inside timeoutMs
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/tokens`;
      // Sleeps are instant here, so before the fix the 2 s lifetime was two 1 s sleeps and two
      // polls, however long each answer took (a hostile server could hold a login for hours).
      const outcome = await login(url, { timeoutMs: 10_000 });
      expect(outcome).toMatchObject({ code: 'expired_token' });
      expect(polls).toHaveLength(1);
    },
  );
});
