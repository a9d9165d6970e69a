/**
 * RFC 8628 §3.5: `slow_down` means "the interval MUST be increased by 5 seconds for this and all
 * subsequent requests", and docs/cli.md says the body names the new `interval`. Polls sent at once
 * (a retry after a client timeout, two copies of a script) lose the grant's compare-and-set to the
 * first: they were answered `slow_down` with the old interval (`"interval":5`), and nothing was
 * raised, so a poll one old interval later passed as `authorization_pending`.
 */
import { describe, expect, it } from 'vitest';
import { hashDeviceCode } from '../src/device/codes.ts';
import { setup } from './device-fixture.ts';
import { createKeycard, defineScopes } from '../src/index.ts';
import { createDeviceRoutes } from '../src/device/index.ts';
import { redisPendingGrantStore } from '../src/stores/redis.ts';
import { fakeClock } from '../src/testing/index.ts';
import { connectPort, REDIS_URL, runPrefix } from './redis-helpers.ts';

describe('slow_down answered to polls sent at once', () => {
  it('names a raised interval, and the store holds the program to it', async () => {
    const w = setup();
    const s = await w.start();
    const answers = await Promise.all(
      Array.from({ length: 3 }, async () => (await w.poll(s.device_code)).json() as Promise<Record<string, unknown>>),
    );
    const slow = answers.filter((a) => a.error === 'slow_down');
    expect(answers.filter((a) => a.error === 'authorization_pending')).toHaveLength(1);
    expect(slow).toHaveLength(2);
    for (const a of slow) expect(a.interval as number).toBeGreaterThanOrEqual(10);
    const grant = await w.grants.inner.get(hashDeviceCode(s.device_code));
    expect(grant!.interval).toBeGreaterThanOrEqual(10);
    // One old interval (5 s) and a bit after the first poll: still too soon for the raised one.
    w.clock.advance(6_000);
    expect(((await (await w.poll(s.device_code)).json()) as { error: string }).error).toBe('slow_down');
  });

  it('one poll at a time is unchanged: pending, then slow_down with 10 when too soon, then pending', async () => {
    const w = setup();
    const s = await w.start();
    expect(((await (await w.poll(s.device_code)).json()) as { error: string }).error).toBe('authorization_pending');
    expect(await (await w.poll(s.device_code)).json()).toMatchObject({ error: 'slow_down', interval: 10 });
    w.clock.advance(10_000);
    expect(((await (await w.poll(s.device_code)).json()) as { error: string }).error).toBe('authorization_pending');
  });
});

describe.runIf(REDIS_URL)('slow_down to polls sent at once to two processes sharing a real Redis grant store', () => {
  it('every slow_down names a raised interval, and the shared grant holds it', async () => {
    const prefix = runPrefix('slow-down');
    const ports = await Promise.all([connectPort('ioredis'), connectPort('node-redis')]);
    try {
      const clock = fakeClock();
      const stores = ports.map((p) => redisPendingGrantStore(p.port, { prefix }));
      const routes = stores.map((store) =>
        createDeviceRoutes(
          createKeycard({ prefix: 'toado', scopes: defineScopes({ read: { description: 'Read' } }), clock }),
          { basePath: '/d', authorize: () => null, store },
        ),
      );
      const form = (body: string) => ({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const started = await routes[0]!(new Request('http://a.test/d/device/code', form('client_id=cli&scope=read')));
      const { device_code } = (await started!.json()) as { device_code: string };
      const poll = `grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=${device_code}&client_id=cli`;
      const answers = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const r = await routes[i % 2]!(new Request('http://a.test/d/device/token', form(poll)));
          return (await r!.json()) as { error: string; interval?: number };
        }),
      );
      expect(answers.filter((a) => a.error === 'authorization_pending')).toHaveLength(1);
      for (const a of answers.filter((x) => x.error === 'slow_down')) expect(a.interval).toBeGreaterThanOrEqual(10);
      const grant = await stores[1]!.get(hashDeviceCode(device_code));
      expect(grant!.interval).toBeGreaterThanOrEqual(10);
    } finally {
      for (const p of ports) await p.close();
    }
  });
});
