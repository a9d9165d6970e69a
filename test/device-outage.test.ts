/**
 * The device routes when a dependency fails (SPEC §13, fail closed): a pending-grant store that
 * throws or rejects, a token store that is down, an `authorize` hook that throws. Every route
 * answers 503 — RFC 6749-style JSON (`temporarily_unavailable`, `Retry-After`) for the program's
 * two routes, an HTML page without a stack for the person's three — reports the failure once to
 * `onError` with no device code or hash in it, and writes nothing: the login carries on once the
 * dependency is back. Run through `createDeviceRoutes` and through `createManagementHandler`.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes } from '../src/index.ts';
import { createDeviceRoutes, memoryPendingGrantStore, type PendingGrantStore } from '../src/device/index.ts';
import { hashDeviceCode } from '../src/device/codes.ts';
import {
  ORIGIN,
  SESSION,
  expectJson503,
  expectOneReport,
  expectPage503,
  faultyGrants,
  jason,
  setup,
} from './device-fixture.ts';

for (const via of ['routes', 'management'] as const) {
  describe(`device routes with a failing dependency (${via === 'routes' ? 'createDeviceRoutes' : 'createManagementHandler'})`, () => {
    it('POST /device/code: a grant store that rejects or throws answers 503 temporarily_unavailable, stores nothing, reports once', async () => {
      for (const how of ['reject', 'throw'] as const) {
        const { grants, errors, post } = setup({ via });
        grants.fail('create', how);
        await expectJson503(await post('/code', { client_id: 'toado-cli', host: 'laptop', scope: 'read' }));
        expectOneReport(errors, []);
        expect(await grants.inner.prune(Number.POSITIVE_INFINITY)).toBe(0);
      }
    });

    it('POST /device/code needs no read after the write: a failing get does not orphan a grant behind a 503', async () => {
      const { grants, errors, post } = setup({ via });
      grants.fail('get');
      const r = await post('/code', { client_id: 'toado-cli', host: 'laptop', scope: 'read' });
      expect(r.status).toBe(200);
      const { user_code } = (await r.json()) as { user_code: string };
      expect(await grants.inner.getByUserCode(user_code.replace('-', ''))).toMatchObject({ status: 'pending' });
      expect(errors).toEqual([]);
    });

    it('POST /device/token: a store that throws while polling answers 503 without the hash; the login goes on once it is back', async () => {
      const { grants, errors, start, poll, clock } = setup({ via });
      const a = await start();
      grants.fail('get', 'throw');
      await expectJson503(await poll(a.device_code));
      expectOneReport(errors, [a.device_code, hashDeviceCode(a.device_code)]);
      grants.heal();
      clock.advance(5000);
      expect(await (await poll(a.device_code)).json()).toMatchObject({ error: 'authorization_pending' });
    });

    it('POST /device/token: an approved grant survives a store that fails to take it, and a token store that is down', async () => {
      const { grants, tokens, errors, start, poll, approve, clock } = setup({ via });
      const a = await start();
      expect((await approve(a.user_code)).status).toBe(200);
      grants.fail('take');
      await expectJson503(await poll(a.device_code));
      expectOneReport(errors, [a.device_code, hashDeviceCode(a.device_code)]);
      grants.heal();
      tokens.down.create = true;
      clock.advance(5000);
      await expectJson503(await poll(a.device_code));
      expect(errors).toHaveLength(2);
      expectOneReport(errors.slice(1), [a.device_code, hashDeviceCode(a.device_code)]);
      tokens.down.create = false;
      clock.advance(5000);
      const ok = await poll(a.device_code);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ token_type: 'Bearer', scope: 'read' });
    });

    it('GET /device?user_code=…: a store that rejects answers a 503 page with no stack, and the entry is not counted', async () => {
      const { grants, errors, send, start } = setup({ via });
      const a = await start();
      grants.fail('getByUserCode');
      for (let i = 0; i < 6; i++)
        await expectPage503(await send(`?user_code=${a.user_code}`, { headers: { cookie: SESSION.cookie } }));
      // Six failures within a second: one report (the other five are counted, src/core/report.ts).
      expectOneReport(errors, [a.user_code]);
      grants.heal();
      const page = await send(`?user_code=${a.user_code}`, { headers: { cookie: SESSION.cookie } });
      expect(page.status).toBe(200);
    });

    it('POST /device/approve: a store that fails the write answers a 503 page and leaves the grant pending', async () => {
      const { grants, errors, start, approve, poll } = setup({ via });
      const a = await start();
      grants.fail('update');
      await expectPage503(await approve(a.user_code));
      expectOneReport(errors, [a.device_code, hashDeviceCode(a.device_code)]);
      expect(await grants.inner.get(hashDeviceCode(a.device_code))).toMatchObject({ status: 'pending', version: 1 });
      grants.heal();
      expect(await (await poll(a.device_code)).json()).toMatchObject({ error: 'authorization_pending' });
    });

    it('a throwing authorize hook: 503 page on GET /device and POST /device/approve, reported once each, nothing approved', async () => {
      const hook = () => {
        throw new Error('session hook: redis down');
      };
      const { grants, errors, send, start, approve, clock } = setup({ via, authorize: hook });
      const a = await start();
      await expectPage503(await send('', { headers: { cookie: SESSION.cookie } }));
      expectOneReport(errors, []);
      expect((errors[0] as Error).cause).toMatchObject({ message: 'session hook: redis down' });
      clock.advance(1000); // a second later: not coalesced with the first
      await expectPage503(await approve(a.user_code));
      expect(errors).toHaveLength(2);
      expect(await grants.inner.get(hashDeviceCode(a.device_code))).toMatchObject({ status: 'pending' });
    });
  });
}

describe('the guarded store', () => {
  it('keeps `this` for a store written as a class', async () => {
    class ClassStore implements PendingGrantStore {
      readonly #inner = memoryPendingGrantStore();
      create(g: Parameters<PendingGrantStore['create']>[0]) {
        return this.#inner.create(g);
      }
      get(hash: string) {
        return this.#inner.get(hash);
      }
      getByUserCode(code: string) {
        return this.#inner.getByUserCode(code);
      }
      update(...a: Parameters<PendingGrantStore['update']>) {
        return this.#inner.update(...a);
      }
      take(hash: string) {
        return this.#inner.take(hash);
      }
      prune(before: number) {
        return this.#inner.prune(before);
      }
    }
    const keycard = createKeycard({ prefix: 'toado', scopes: defineScopes({ read: {} }) });
    const routes = createDeviceRoutes(keycard, { basePath: '', authorize: () => null, store: new ClassStore() });
    const r = await routes(
      new Request(`${ORIGIN}/device/code`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'client_id=cli&scope=read',
      }),
    );
    expect(r!.status).toBe(200);
  });
});

describe('the sessionKey hook', () => {
  it('a throwing sessionKey is an outage too: a 503 page, reported once', async () => {
    const keycard = createKeycard({ prefix: 'toado', scopes: defineScopes({ read: {} }) });
    const errors: unknown[] = [];
    const routes = createDeviceRoutes(keycard, {
      basePath: '',
      authorize: () => jason,
      sessionKey: () => {
        throw new Error('no session id');
      },
      onError: (e) => void errors.push(e),
    });
    await expectPage503((await routes(new Request(`${ORIGIN}/device?user_code=BCDF-GHJK`)))!);
    expectOneReport(errors, []);
  });
});

describe('onError itself', () => {
  it('a throwing onError does not change the answer', async () => {
    const keycard = createKeycard({ prefix: 'toado', scopes: defineScopes({ read: {} }) });
    const grants = faultyGrants();
    grants.fail('create');
    const routes = createDeviceRoutes(keycard, {
      basePath: '',
      authorize: () => null,
      store: grants.store,
      onError: () => {
        throw new Error('logger down');
      },
    });
    const r = await routes(
      new Request(`${ORIGIN}/device/code`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'client_id=cli&scope=read',
      }),
    );
    await expectJson503(r!);
  });
});
