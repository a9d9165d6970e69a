/**
 * The device routes when a dependency fails (SPEC §13, fail closed): a pending-grant store that
 * throws or rejects, a token store that is down, an `authorize` hook that throws. Every route
 * answers 503 — RFC 6749-style JSON (`temporarily_unavailable`, `Retry-After`) for the program's
 * two routes, an HTML page without a stack for the person's three — reports the failure once to
 * `onError` with no device code or hash in it, and writes nothing: the login carries on once the
 * dependency is back. Run through `createDeviceRoutes` and through `createManagementHandler`.
 */
import { describe, expect, it } from 'vitest';
import {
  createKeycard,
  createManagementHandler,
  defineScopes,
  memoryTokenStore,
  type TokenStore,
  type UserActor,
} from '../src/index.ts';
import { createDeviceRoutes, memoryPendingGrantStore, type PendingGrantStore } from '../src/device/index.ts';
import { hashDeviceCode } from '../src/device/codes.ts';
import { fakeClock } from '../src/testing/index.ts';

const ORIGIN = 'https://app.example';
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
const jason: UserActor = { kind: 'user', id: 'u_jason', scopes: ['read', 'write'] };
const SESSION = { cookie: 'session=jason', origin: ORIGIN };
const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'Device login is unavailable; try again shortly',
};

type Method = keyof PendingGrantStore;

/** A pending-grant store whose chosen methods fail, by a synchronous throw or a rejection, naming their argument. */
function faultyGrants() {
  const inner = memoryPendingGrantStore();
  const failing = new Map<Method, 'throw' | 'reject'>();
  const store = Object.fromEntries(
    (['create', 'get', 'getByUserCode', 'update', 'take', 'prune'] as const).map((m) => [
      m,
      (...args: unknown[]) => {
        const how = failing.get(m);
        const error = new Error(`ECONNRESET during ${m} ${JSON.stringify(args[0])}`);
        if (how === 'throw') throw error;
        if (how === 'reject') return Promise.reject(error);
        return (inner[m] as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as PendingGrantStore;
  return {
    inner,
    store,
    fail: (m: Method, how: 'throw' | 'reject' = 'reject') => failing.set(m, how),
    heal: () => failing.clear(),
  };
}

/** A token store whose `create` throws a driver error while `down.create` is set. */
function flakyTokens() {
  const inner = memoryTokenStore();
  const down = { create: false };
  const store: TokenStore = new Proxy(inner, {
    get(target, key, receiver) {
      if (key !== 'create') return Reflect.get(target, key, receiver) as unknown;
      return (record: Parameters<TokenStore['create']>[0]) => {
        if (down.create) return Promise.reject(new Error(`insert failed for ${record.hash}`));
        return target.create(record);
      };
    },
  });
  return { store, down };
}

function setup(opts: { via?: 'routes' | 'management'; authorize?: (r: Request) => UserActor | null } = {}) {
  const clock = fakeClock();
  const grants = faultyGrants();
  const tokens = flakyTokens();
  const errors: unknown[] = [];
  const keycard = createKeycard({
    prefix: 'toado',
    scopes: defineScopes({ read: { description: 'Read' }, write: { implies: ['read'] } }),
    clock,
    store: tokens.store,
    onError: () => {}, // the instance's own reports are not what these tests count
  });
  const authorize = opts.authorize ?? ((r: Request) => (r.headers.get('cookie') === SESSION.cookie ? jason : null));
  const onError = (e: unknown) => void errors.push(e);
  const handle =
    opts.via === 'management'
      ? createManagementHandler(keycard, {
          basePath: '/api/tokens',
          authorize,
          onError,
          device: { store: grants.store },
        })
      : createDeviceRoutes(keycard, { basePath: '/api/tokens', authorize, onError, store: grants.store });
  const send = async (path: string, init: RequestInit = {}) =>
    (await handle(new Request(`${ORIGIN}/api/tokens/device${path}`, init)))!;
  const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(body).toString(),
    });
  const start = async () =>
    (await (await post('/code', { client_id: 'toado-cli', host: 'laptop', scope: 'read' })).json()) as {
      device_code: string;
      user_code: string;
    };
  const poll = (deviceCode: string) => post('/token', { grant_type: GRANT_TYPE, device_code: deviceCode });
  const approve = (userCode: string) =>
    post('/approve', { user_code: userCode, scope: 'read', expires: '30d' }, SESSION);
  return { clock, grants, tokens, errors, send, post, start, poll, approve };
}

/** The one report: an `unavailable` KeycardError, with no device code, hash or user code anywhere in it. */
function expectOneReport(errors: unknown[], secrets: readonly string[]) {
  expect(errors).toHaveLength(1);
  const [e] = errors as Error[];
  expect(e).toMatchObject({ name: 'KeycardError', code: 'unavailable' });
  const seen = [e!.message, e!.stack, String(e!.cause), (e!.cause as Error | undefined)?.stack].join('\n');
  for (const s of secrets) expect(seen).not.toContain(s);
}

async function expectJson503(r: Response) {
  expect(r.status).toBe(503);
  expect(r.headers.get('content-type')).toBe('application/json');
  expect(r.headers.get('cache-control')).toBe('no-store');
  expect(r.headers.get('retry-after')).toBe('5');
  expect(await r.json()).toEqual(UNAVAILABLE);
}

async function expectPage503(r: Response) {
  expect(r.status).toBe(503);
  expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(r.headers.get('retry-after')).toBe('5');
  const text = await r.text();
  expect(text).toContain('<title>Try again shortly</title>');
  expect(text).toContain('Device login is unavailable; try again shortly.');
  expect(text).not.toMatch(/ECONNRESET|session hook|KeycardError|\bat \S+ \(/);
}

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
      expect(errors).toHaveLength(6);
      expectOneReport(errors.slice(0, 1), [a.user_code]);
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
      const { grants, errors, send, start, approve } = setup({ via, authorize: hook });
      const a = await start();
      await expectPage503(await send('', { headers: { cookie: SESSION.cookie } }));
      expectOneReport(errors, []);
      expect((errors[0] as Error).cause).toMatchObject({ message: 'session hook: redis down' });
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
