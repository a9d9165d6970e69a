/**
 * deviceLogin honours the server's poll interval to the letter of RFC 8628 §3.5: it waits at least
 * `interval` seconds between polls however long that is, 5 s more after each `slow_down`, never
 * less after connection trouble; and it never shortens the last wait to squeeze a poll in before
 * `expires_in`: a poll that would come after the code expired is not sent, the login ends with
 * `expired_token`. A server whose `interval` is not shorter than the code's life is refused at once.
 * A real HTTP server on 127.0.0.1 answers as scripted; the sleeps are recorded, not slept. The
 * 6 s slow_down, the 503 after a slow_down, the missing interval and the server's expired_token
 * each kill a mutant of src/cli/login.ts the rest let live (docs/testing.md).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CODES, quietLogin, serveLoopback } from '../../test/login-fixture.ts';

let close: (() => void) | undefined;
afterEach(() => close?.());

const PENDING = { status: 400, body: { error: 'authorization_pending' } };
const TOKEN = {
  status: 200,
  body: { access_token: 'toado_sk_1', token_type: 'Bearer', scope: 'read', token_id: 't1' },
};
type Answer = { status: number; body: Record<string, unknown> };

/**
 * A login against a server answering `/device/code` with `codes` and the polls with `polls` in
 * turn (the last one for ever after); the outcome, each wait asked for, what was printed, and how
 * many polls came.
 */
async function login(codes: Record<string, unknown>, polls: Answer[] = [PENDING]) {
  let polled = 0;
  const server = await serveLoopback(async (r) => {
    if (r.url.endsWith('/device/code')) return Response.json(codes);
    const a = polls[Math.min(polled++, polls.length - 1)]!;
    return Response.json(a.body, { status: a.status });
  });
  close = server.close;
  const sleeps: number[] = [];
  const lines: string[] = [];
  const outcome = await quietLogin(`${server.origin}/api/tokens`, {
    output: (l) => lines.push(l),
    sleep: async (ms) => {
      sleeps.push(ms);
      if (sleeps.length > 1000) throw new Error('runaway');
    },
  });
  return { outcome, sleeps, lines, polls: () => polled };
}

describe('deviceLogin waits the interval the server asks for (RFC 8628 §3.5)', () => {
  it('interval 120: every wait is 120 s, not 60; the login ends at expires_in 600 after four polls (none at 600 s)', async () => {
    const { outcome, sleeps, polls } = await login({ ...CODES, interval: 120, expires_in: 600 });
    expect(outcome).toMatchObject({ name: 'KeycardError', code: 'expired_token' });
    expect(sleeps).toEqual([120_000, 120_000, 120_000, 120_000]);
    expect(polls()).toBe(4);
  });

  const thenApproved: [string, number, Answer, number[]][] = [
    [
      'slow_down after an interval of 120 s: the next wait is 125 s',
      120,
      { status: 400, body: { error: 'slow_down' } },
      [120_000, 125_000],
    ],
    [
      'slow_down naming an interval of 300 s: the next wait is 300 s',
      5,
      { status: 400, body: { error: 'slow_down', interval: 300 } },
      [5_000, 300_000],
    ],
    [
      'connection trouble (503) never brings the wait under the server’s interval of 120 s',
      120,
      { status: 503, body: { error: 'temporarily_unavailable' } },
      [120_000, 120_000],
    ],
    [
      'slow_down naming an interval under the wait plus 5 s (6 s after 5 s): the next wait is 10 s',
      5,
      { status: 400, body: { error: 'slow_down', interval: 6 } },
      [5_000, 10_000],
    ],
  ];
  it.each(thenApproved)('%s', async (_what, interval, first, waits) => {
    const { outcome, sleeps } = await login({ ...CODES, interval, expires_in: 600 }, [first, TOKEN]);
    expect(outcome).toMatchObject({ token: 'toado_sk_1' });
    expect(sleeps).toEqual(waits);
  });

  it('slow_down holds for every later poll: connection trouble (503) after it never brings the wait under 125 s', async () => {
    const slowDown = { status: 400, body: { error: 'slow_down' } };
    const trouble = { status: 503, body: { error: 'temporarily_unavailable' } };
    const { outcome, sleeps } = await login({ ...CODES, interval: 120, expires_in: 900 }, [slowDown, trouble, TOKEN]);
    expect(outcome).toMatchObject({ token: 'toado_sk_1' });
    expect(sleeps).toEqual([120_000, 125_000, 125_000]);
  });

  it('a code answer without interval: every wait is 5 s (RFC 8628 §3.2), not 1 s', async () => {
    const { interval: _, ...noInterval } = CODES;
    const { outcome, sleeps, polls } = await login({ ...noInterval, expires_in: 12 });
    expect(outcome).toMatchObject({ name: 'KeycardError', code: 'expired_token' });
    expect(sleeps).toEqual([5_000, 5_000]);
    expect(polls()).toBe(2);
  });
});

describe('deviceLogin never polls early to beat expires_in', () => {
  it('interval 120, expires_in 300: polls at 120 s and 240 s, then expired_token without a shortened third wait', async () => {
    const { outcome, sleeps, polls } = await login({ ...CODES, interval: 120, expires_in: 300 });
    expect(outcome).toMatchObject({ name: 'KeycardError', code: 'expired_token' });
    expect(sleeps).toEqual([120_000, 120_000]);
    expect(polls()).toBe(2);
  });

  it('a slow_down whose interval outlasts the code: expired_token at once, no wait and no further poll', async () => {
    const { outcome, sleeps, polls } = await login({ ...CODES, interval: 5, expires_in: 600 }, [
      { status: 400, body: { error: 'slow_down', interval: 900 } },
    ]);
    expect(outcome).toMatchObject({ name: 'KeycardError', code: 'expired_token' });
    expect(sleeps).toEqual([5_000]);
    expect(polls()).toBe(1);
  });

  it('expired_token from the server ends the login at once: no further wait, no further poll', async () => {
    const { outcome, sleeps, polls } = await login({ ...CODES, interval: 5, expires_in: 600 }, [
      { status: 400, body: { error: 'expired_token' } },
    ]);
    expect(outcome).toMatchObject({ name: 'KeycardError', code: 'expired_token' });
    expect(sleeps).toEqual([5_000]);
    expect(polls()).toBe(1);
  });

  // An interval longer than expires_in could never poll; one equal to it would poll as the code expires.
  it.each([900, 600])(
    'an interval of %i s, not shorter than expires_in (600 s), is refused before anything is printed',
    async (interval) => {
      const { outcome, sleeps, lines, polls } = await login({ ...CODES, interval, expires_in: 600 });
      expect(outcome).toMatchObject({
        name: 'KeycardError',
        code: 'invalid_request',
        message: `Could not start the login: interval (${interval} s) is not shorter than expires_in (600 s)`,
      });
      expect([lines, sleeps, polls()]).toEqual([[], [], 0]);
    },
  );
});
