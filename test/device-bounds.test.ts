/**
 * The device routes under a store that hangs and under a long outage (SPEC §13, §8 fail closed):
 * every pending-grant store call is bounded by the keycard's `storeTimeoutMs`, so a store whose
 * promise never settles answers the same 503 as one that fails, and writes nothing; and the
 * failures reach `onError` coalesced as the core's are (src/core/report.ts): the first of a kind
 * in a second as it is, the rest of that second as one count, reported when the second ends even
 * if no failure follows (or at `keycard.close()`). The session hooks (`authorize`,
 * `sessionKey`) are bounded by the same deadline.
 */
import { describe, expect, it } from 'vitest';
import { hashDeviceCode } from '../src/device/codes.ts';
import { until } from './mcp-helpers.ts';
import { SESSION, expectJson503, expectOneReport, expectPage503, setup } from './device-fixture.ts';

// A bound for the test itself: without the store deadline these requests never answer.
const BOUND = 5_000;
const via = ['routes', 'management'] as const;

for (const v of via) {
  describe(`a pending-grant store that never answers (${v})`, () => {
    it(
      'POST /device/code: 503 temporarily_unavailable within storeTimeoutMs, nothing stored, one report',
      { timeout: BOUND },
      async () => {
        const { grants, errors, post } = setup({ via: v, storeTimeoutMs: 50 });
        grants.fail('create', 'hang');
        await expectJson503(await post('/code', { client_id: 'toado-cli', host: 'laptop', scope: 'read' }));
        expectOneReport(errors, []);
        expect(await grants.inner.prune(Number.POSITIVE_INFINITY)).toBe(0);
      },
    );

    it(
      'POST /device/token: 503 while polling, the grant untouched; the login goes on once the store answers',
      { timeout: BOUND },
      async () => {
        const { grants, errors, start, poll, clock } = setup({ via: v, storeTimeoutMs: 50 });
        const a = await start();
        grants.fail('get', 'hang');
        await expectJson503(await poll(a.device_code));
        expectOneReport(errors, [a.device_code, hashDeviceCode(a.device_code)]);
        expect(await grants.inner.get(hashDeviceCode(a.device_code))).toMatchObject({ lastPolledAt: null, version: 1 });
        grants.heal();
        clock.advance(5000);
        expect(await (await poll(a.device_code)).json()).toMatchObject({ error: 'authorization_pending' });
      },
    );

    it(
      'POST /device/token of an approved grant: a hung take answers 503 and the grant stays approved',
      { timeout: BOUND },
      async () => {
        const { grants, start, poll, approve, clock } = setup({ via: v, storeTimeoutMs: 50 });
        const a = await start();
        expect((await approve(a.user_code)).status).toBe(200);
        grants.fail('take', 'hang');
        await expectJson503(await poll(a.device_code));
        expect(await grants.inner.get(hashDeviceCode(a.device_code))).toMatchObject({ status: 'approved' });
        grants.heal();
        clock.advance(5000);
        expect((await poll(a.device_code)).status).toBe(200);
      },
    );

    it('GET /device?user_code=…: a 503 page, no wrong entry counted', { timeout: BOUND }, async () => {
      const { grants, errors, send, start } = setup({ via: v, storeTimeoutMs: 50 });
      const a = await start();
      grants.fail('getByUserCode', 'hang');
      await expectPage503(await send(`?user_code=${a.user_code}`, { headers: { cookie: SESSION.cookie } }));
      expectOneReport(errors, [a.user_code]);
      grants.heal();
      expect((await send(`?user_code=${a.user_code}`, { headers: { cookie: SESSION.cookie } })).status).toBe(200);
    });

    it(
      'POST /device/approve: a hung write answers a 503 page and the grant stays pending',
      { timeout: BOUND },
      async () => {
        const { grants, start, approve } = setup({ via: v, storeTimeoutMs: 50 });
        const a = await start();
        grants.fail('update', 'hang');
        await expectPage503(await approve(a.user_code));
        expect(await grants.inner.get(hashDeviceCode(a.device_code))).toMatchObject({ status: 'pending', version: 1 });
      },
    );
  });

  describe(`session hooks that never settle (${v})`, () => {
    const never = <T>(): Promise<T> => new Promise<T>(() => {});

    it(
      'authorize: a 503 page on GET /device and POST /device/approve within storeTimeoutMs, nothing approved',
      { timeout: BOUND },
      async () => {
        const { grants, errors, send, start, approve, clock } = setup({ via: v, storeTimeoutMs: 50, authorize: never });
        const a = await start();
        await expectPage503(await send('', { headers: { cookie: SESSION.cookie } }));
        expectOneReport(errors, []);
        expect(errors[0]).toMatchObject({ message: 'authorize() timed out after 50 ms' });
        clock.advance(1000);
        await expectPage503(await approve(a.user_code));
        expect(errors).toHaveLength(2);
        expect(await grants.inner.get(hashDeviceCode(a.device_code))).toMatchObject({ status: 'pending', version: 1 });
      },
    );

    it(
      'sessionKey: a 503 page on GET /device?user_code=… and POST /device/approve, nothing approved',
      { timeout: BOUND },
      async () => {
        const { grants, errors, send, start, approve } = setup({ via: v, storeTimeoutMs: 50, sessionKey: never });
        const a = await start();
        await expectPage503(await send(`?user_code=${a.user_code}`, { headers: { cookie: SESSION.cookie } }));
        expectOneReport(errors, [a.user_code]);
        expect(errors[0]).toMatchObject({ message: 'sessionKey() timed out after 50 ms' });
        await expectPage503(await approve(a.user_code));
        expect(await grants.inner.get(hashDeviceCode(a.device_code))).toMatchObject({ status: 'pending', version: 1 });
      },
    );
  });

  describe(`onError during an outage (${v})`, () => {
    /** 40 polls failing in one second: the first is reported, the other 39 are a pending count. */
    async function burst() {
      const world = setup({ via: v });
      const a = await world.start();
      world.grants.fail('get');
      for (let i = 0; i < 40; i++) await expectJson503(await world.poll(a.device_code));
      expectOneReport(world.errors, [a.device_code, hashDeviceCode(a.device_code)]);
      return { ...world, a };
    }
    const theCount = { code: 'unavailable', message: expect.stringMatching(/^39 more of: /) };

    it('40 failing polls in one second: 1 report; the next failure a second later brings the count of the other 39', async () => {
      const { errors, poll, clock, a } = await burst();
      clock.advance(1000);
      await expectJson503(await poll(a.device_code));
      expect(errors).toHaveLength(3);
      expect(errors[1]).toMatchObject(theCount);
      expect(errors[2]).toMatchObject({ code: 'unavailable', message: (errors[0] as Error).message });
      const seen = errors.map((e) => `${(e as Error).message} ${String((e as Error).cause)}`).join('\n');
      expect(seen).not.toContain(a.device_code);
      expect(seen).not.toContain(hashDeviceCode(a.device_code));
    });

    it('40 failing polls in one second, then silence: the count of the other 39 is reported when the second ends', async () => {
      const { errors, clock } = await burst();
      clock.advance(1000);
      await until(() => errors.length >= 2, 'the count of the other 39');
      expect(errors).toHaveLength(2);
      expect(errors[1]).toMatchObject(theCount);
    });

    it('a count still pending at keycard.close() is reported by close()', async () => {
      const { errors, keycard } = await burst();
      await keycard.close(); // the fake clock has not moved: the second is not over, close() reports it
      expect(errors).toHaveLength(2);
      expect(errors[1]).toMatchObject(theCount);
    });

    it('failures of different kinds in the same second are each reported', async () => {
      const { grants, errors, start, poll, send } = setup({ via: v });
      const a = await start();
      grants.fail('get');
      grants.fail('getByUserCode');
      await expectJson503(await poll(a.device_code));
      await expectPage503(await send(`?user_code=${a.user_code}`, { headers: { cookie: SESSION.cookie } }));
      expect(errors).toHaveLength(2);
    });
  });
}
