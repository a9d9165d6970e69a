/**
 * A `can` that fails while a person approves a device login (SPEC §11, §13) is one failure, and
 * `onError` hears of it once, as it does when the same `can` fails under `POST /tokens`: the
 * error `can` threw (or the deadline's `unavailable` when it hangs), not that error and then a
 * `can() failed` wrapper of it as well. The page still answers 503 and nothing is approved.
 */
import { describe, expect, it } from 'vitest';
import type { ManagementOptions } from '../../src/index.ts';
import { ORIGIN, deviceForms, setup } from './fixture.ts';

type Can = NonNullable<ManagementOptions['can']>;

function world(can: Can) {
  const reports: unknown[] = [];
  const t = setup({ can, onError: (e) => void reports.push(e) });
  const { post, start, token } = deviceForms(t.handler);
  const approve = (userCode: string) =>
    post('/approve', { user_code: userCode, scope: 'read', expires: '30d' }, { cookie: 'sid=alice', origin: ORIGIN });
  const poll = async (deviceCode: string) =>
    (await (await token(deviceCode)).json()) as {
      error?: string;
    };
  return { ...t, reports, start, approve, poll };
}

/** What `onError` heard, as comparable text: name, code and message of each report. */
const heard = (reports: unknown[]) =>
  reports.map((e) => {
    const err = e as { name?: string; code?: string; message?: string };
    return `${err.name ?? typeof e}:${err.code ?? ''}:${err.message ?? String(e)}`;
  });

/** The reports of one `POST /tokens` and of one device approval, each under a fresh handler. */
async function bothWays(can: () => Can) {
  const tokens = world(can());
  expect((await tokens.call('POST', '/tokens', { body: { label: 'x', scopes: ['read'] } })).status).toBe(503);
  const device = world(can());
  const a = await device.start();
  const r = await device.approve(a.user_code);
  expect(r.status).toBe(503);
  expect(await r.text()).not.toContain('role service down');
  device.clock.advance(6_000);
  expect((await device.poll(a.device_code)).error).toBe('authorization_pending');
  // A report still coalescing (the device routes hold repeats of a second) is out by close().
  await device.keycard.close();
  await tokens.keycard.close();
  return { tokens: heard(tokens.reports), device: heard(device.reports), raw: device.reports };
}

describe('a failing can on the device approval is reported once, as POST /tokens reports it', () => {
  it('a can that throws: one report, the error it threw', async () => {
    const seen = await bothWays(() => () => {
      throw new Error('role service down');
    });
    expect(seen.tokens).toEqual(['Error::role service down']);
    expect(seen.device).toEqual(seen.tokens);
    expect(seen.raw[0]).toBeInstanceOf(Error);
  });

  it('a can that rejects: one report, its rejection', async () => {
    const seen = await bothWays(() => () => Promise.reject(new TypeError('role service down')));
    expect(seen.tokens).toEqual(['TypeError::role service down']);
    expect(seen.device).toEqual(seen.tokens);
  });

  it('a can that never answers: one report, the deadline’s unavailable', async () => {
    const seen = await bothWays(() => () => new Promise<boolean>(() => {}));
    expect(seen.tokens).toHaveLength(1);
    expect(seen.tokens[0]).toMatch(/^KeycardError:unavailable:can\(\) timed out/);
    expect(seen.device).toEqual(seen.tokens);
  });
});
