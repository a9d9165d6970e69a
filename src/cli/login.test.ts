/**
 * deviceLogin against the real device routes (in process, Web Requests, an injected clock):
 * it waits `interval`, slows down by 5 s on `slow_down`, never prints the device code, opens no
 * browser under CI, SSH or a non-TTY, and reports a denial and an expiry as KeycardErrors.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes } from '../index.ts';
import { createDeviceRoutes, memoryPendingGrantStore, type DeviceRoutesOptions } from '../device/index.ts';
import { fakeClock } from '../testing/clock.ts';
import { mayOpenBrowser } from './browser.ts';
import { deviceLogin } from './login.ts';

const scopes = defineScopes({ read: { description: 'Read' }, comments: { implies: ['read'], description: 'Comment' } });

function server(over: Partial<DeviceRoutesOptions> = {}) {
  const clock = fakeClock();
  const keycard = createKeycard({ prefix: 'toado', scopes, clock });
  const routes = createDeviceRoutes(keycard, {
    basePath: '/api/tokens',
    authorize: () => ({ kind: 'user', id: 'u1', scopes: ['comments'] }),
    onError: () => {},
    ...over,
  });
  const deviceCodes: string[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    const r = await routes(new Request(url, init));
    const copy = r!.clone();
    if (url.endsWith('/device/code')) deviceCodes.push(((await copy.json()) as { device_code: string }).device_code);
    return r!;
  }) as unknown as typeof fetch;
  const act = async (verdict: 'approve' | 'deny', userCode: string, picked: string[]) =>
    routes(
      new Request(`https://app.example/api/tokens/device/${verdict}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://app.example' },
        body: new URLSearchParams([
          ['user_code', userCode],
          ['expires', '90d'],
          ...picked.map((s) => ['scope', s]),
        ]).toString(),
      }),
    );
  return { clock, keycard, fetchImpl, deviceCodes, act };
}

describe('deviceLogin', () => {
  it('polls at the interval, adds 5 s after slow_down, and answers the approved token', async () => {
    const s = server();
    const lines: string[] = [];
    const sleeps: number[] = [];
    let userCode = '';
    let polls = 0;
    const result = await deviceLogin({
      url: 'https://app.example/api/tokens',
      clientId: 'toado-cli',
      host: 'laptop',
      scopes: ['read', 'comments'],
      fetch: s.fetchImpl,
      output: (l) => {
        lines.push(l);
        userCode = /code ([A-Z]{4}-[A-Z]{4})/.exec(l)?.[1] ?? userCode;
      },
      openBrowser: false,
      sleep: async (ms) => {
        sleeps.push(ms);
        polls++;
        // The second wait is cut short (the server sees a poll 1 s after the first: slow_down); then approve.
        s.clock.advance(polls === 2 ? 1000 : ms);
        if (polls === 3) await s.act('approve', userCode, ['read']);
      },
    });
    expect(sleeps).toEqual([5000, 5000, 10_000]);
    expect(result.scopes).toEqual(['read']);
    expect((await s.keycard.verify(result.token)).ok).toBe(true);
    expect(lines.join('\n')).toContain('https://app.example/api/tokens/device');
    expect(lines.join('\n')).not.toContain(s.deviceCodes[0]);
  });

  it('backs off on a 503 temporarily_unavailable poll (the grant store was down) and finishes once it is back', async () => {
    const grants = memoryPendingGrantStore();
    let outages = 1;
    const s = server({
      store: {
        ...grants,
        get: (hash) => (outages-- > 0 ? Promise.reject(new Error('ECONNRESET')) : grants.get(hash)),
      },
    });
    const sleeps: number[] = [];
    let userCode = '';
    const result = await deviceLogin({
      url: 'https://app.example/api/tokens',
      clientId: 'toado-cli',
      scopes: ['read'],
      fetch: s.fetchImpl,
      openBrowser: false,
      output: (l) => (userCode = /code ([A-Z]{4}-[A-Z]{4})/.exec(l)?.[1] ?? userCode),
      sleep: async (ms) => {
        sleeps.push(ms);
        s.clock.advance(ms);
        if (sleeps.length === 2) await s.act('approve', userCode, ['read']);
      },
    });
    expect(sleeps).toEqual([5000, 10_000]);
    expect((await s.keycard.verify(result.token)).ok).toBe(true);
  });

  it('throws access_denied when denied, expired_token when nobody answers', async () => {
    const s = server();
    let code = '';
    await expect(
      deviceLogin({
        url: 'https://app.example/api/tokens',
        clientId: 'c',
        scopes: ['read'],
        fetch: s.fetchImpl,
        openBrowser: false,
        output: (l) => (code = /code (\S+)$/.exec(l)?.[1] ?? code),
        sleep: async (ms) => {
          s.clock.advance(ms);
          await s.act('deny', code, []);
        },
      }),
    ).rejects.toMatchObject({ code: 'access_denied' });
    const t = server();
    await expect(
      deviceLogin({
        url: 'https://app.example/api/tokens',
        clientId: 'c',
        scopes: ['read'],
        fetch: t.fetchImpl,
        openBrowser: false,
        output: () => {},
        sleep: async (ms) => t.clock.advance(ms),
      }),
    ).rejects.toMatchObject({ code: 'expired_token' });
  });

  it('opens no browser under CI or SSH (and none here: the test runner has no TTY)', () => {
    expect(mayOpenBrowser({ CI: 'true' })).toBe(false);
    expect(mayOpenBrowser({ SSH_CONNECTION: '1 2 3 4' })).toBe(false);
    expect(mayOpenBrowser({ SSH_TTY: '/dev/pts/1' })).toBe(false);
    expect(mayOpenBrowser({})).toBe(Boolean(process.stdout.isTTY && process.stdin.isTTY));
  });
});
