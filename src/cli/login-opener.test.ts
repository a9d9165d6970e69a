/**
 * deviceLogin with a browser opener that misbehaves, against the real device routes over real
 * HTTP (@hono/node-server on 127.0.0.1, node's fetch): the instructions are printed before the
 * opener runs, so polling starts whatever the opener does. An opener that never settles, rejects
 * or throws cannot hold or fail the login; the "browser opened" line appears only for an opener
 * that resolved while the login was still waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveLoopback } from '../../test/login-fixture.ts';
import { createDeviceRoutes } from '../device/index.ts';
import { createKeycard, defineScopes, type Keycard } from '../index.ts';
import { deviceLogin, type DeviceLoginOptions } from './login.ts';

const OPENED = '(A browser window was opened for you.)';
let keycard: Keycard;
let origin: string;
let close: () => void;
beforeAll(async () => {
  keycard = createKeycard({ prefix: 'toado', scopes: defineScopes({ read: { description: 'Read tickets' } }) });
  const device = createDeviceRoutes(keycard, {
    basePath: '/api/tokens',
    authorize: () => ({ kind: 'user', id: 'u_jason', scopes: ['read'] }),
  });
  ({ origin, close } = await serveLoopback(device));
});
afterAll(async () => {
  close();
  await keycard.close();
});

/** The person approves `userCode` in the browser (a real POST to the approval route). */
const approve = async (userCode: string): Promise<void> => {
  const r = await fetch(`${origin}/api/tokens/device/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ user_code: userCode, scope: 'read', expires: '90d' }).toString(),
  });
  if (r.status !== 200) throw new Error(`approval answered ${r.status}`);
};

/**
 * A login whose person approves as soon as the user code is printed; each wait between polls
 * lasts until that approval is in (so no poll finds the grant pending, and no real time passes).
 */
async function loginApproved(openBrowser: DeviceLoginOptions['openBrowser']) {
  const lines: string[] = [];
  let approved: Promise<void> | undefined;
  const result = await deviceLogin({
    url: `${origin}/api/tokens`,
    clientId: 'toado-cli',
    host: 'laptop',
    scopes: ['read'],
    openBrowser,
    output: (l) => {
      lines.push(l);
      const code = /code ([A-Z]{4}-[A-Z]{4})/.exec(l)?.[1];
      if (code) approved = approve(code);
    },
    sleep: async () => void (await approved),
  });
  return { result, lines };
}

// Before the fix, a never-settling opener held the login here for ever.
const BOUND = 5_000;

describe('deviceLogin: the opener cannot hold or fail the login', () => {
  it('an opener that never settles: the login polls, and completes once approved', { timeout: BOUND }, async () => {
    const opened: string[] = [];
    const { result, lines } = await loginApproved((url) => {
      opened.push(url);
      return new Promise<void>(() => {});
    });
    expect(result.token).toMatch(/^toado_/);
    expect(result.scopes).toEqual(['read']);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatch(/\/api\/tokens\/device\?user_code=/);
    expect(lines).not.toContain(OPENED);
  });

  it('an opener that rejects: the login completes, no "opened" line', { timeout: BOUND }, async () => {
    const { result, lines } = await loginApproved(() => Promise.reject(new Error('no browser here')));
    expect(result.token).toMatch(/^toado_/);
    expect(lines).not.toContain(OPENED);
  });

  it('an opener that throws: the login completes, no "opened" line', { timeout: BOUND }, async () => {
    const { result, lines } = await loginApproved(() => {
      throw new Error('no display');
    });
    expect(result.token).toMatch(/^toado_/);
    expect(lines).not.toContain(OPENED);
  });

  it('an opener that returns at once: the "opened" line follows the instructions', { timeout: BOUND }, async () => {
    const { lines } = await loginApproved(() => {});
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^To log in, open /);
    expect(lines[1]).toBe(OPENED);
  });

  it(
    'an opener that resolves only after the login: no "opened" line printed after the answer',
    { timeout: BOUND },
    async () => {
      let done!: () => void;
      const late = new Promise<void>((resolve) => (done = resolve));
      const { result, lines } = await loginApproved(() => late);
      expect(result.token).toMatch(/^toado_/);
      done();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(lines).toHaveLength(1);
    },
  );
});
