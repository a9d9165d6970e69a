/**
 * The device routes with failing dependencies, for the outage tests: a pending-grant store whose
 * chosen methods throw, reject or never answer, a token store that can be down, and the expected
 * 503 answers (JSON for the program's routes, a page for the person's).
 */
import { expect } from 'vitest';
import {
  createKeycard,
  createManagementHandler,
  defineScopes,
  memoryAuditSink,
  memoryTokenStore,
  type TokenStore,
  type UserActor,
} from '../src/index.ts';
import { createDeviceRoutes, memoryPendingGrantStore, type PendingGrantStore } from '../src/device/index.ts';
import { fakeClock } from '../src/testing/index.ts';

export const ORIGIN = 'https://app.example';
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
export const jason: UserActor = { kind: 'user', id: 'u_jason', scopes: ['read', 'write'] };
export const SESSION = { cookie: 'session=jason', origin: ORIGIN };
const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'Device login is unavailable; try again shortly',
};

type Method = keyof PendingGrantStore;

/**
 * A pending-grant store whose chosen methods fail — a synchronous throw, a rejection naming their
 * argument, or a promise that never settles — or are slow: `'slow'` answers `slowMs` late (the
 * write itself happens then, as a slow database's does).
 */
export function faultyGrants(slowMs = 200) {
  const inner = memoryPendingGrantStore();
  const failing = new Map<Method, 'throw' | 'reject' | 'hang' | 'slow'>();
  const store = Object.fromEntries(
    (['create', 'get', 'getByUserCode', 'update', 'take', 'prune'] as const).map((m) => [
      m,
      (...args: unknown[]) => {
        const how = failing.get(m);
        const error = new Error(`ECONNRESET during ${m} ${JSON.stringify(args[0])}`);
        if (how === 'throw') throw error;
        if (how === 'reject') return Promise.reject(error);
        if (how === 'hang') return new Promise(() => {});
        if (how === 'slow')
          return new Promise((resolve) => setTimeout(resolve, slowMs)).then(() =>
            (inner[m] as (...a: unknown[]) => unknown)(...args),
          );
        return (inner[m] as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as PendingGrantStore;
  return {
    inner,
    store,
    fail: (m: Method, how: 'throw' | 'reject' | 'hang' | 'slow' = 'reject') => failing.set(m, how),
    heal: () => failing.clear(),
  };
}

/** A token store whose `create` throws a driver error while `down.create` is set. */
export function flakyTokens() {
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

export function setup(
  opts: {
    via?: 'routes' | 'management';
    authorize?: (r: Request) => UserActor | null | Promise<UserActor | null>;
    sessionKey?: (r: Request) => string | Promise<string>;
    storeTimeoutMs?: number;
    /** The instance's resource types, for logins asking for restrictions. */
    resources?: string[];
  } = {},
) {
  const clock = fakeClock();
  const grants = faultyGrants();
  const tokens = flakyTokens();
  const errors: unknown[] = [];
  const audit = memoryAuditSink();
  const keycard = createKeycard({
    audit,
    prefix: 'toado',
    scopes: defineScopes({ read: { description: 'Read' }, write: { implies: ['read'] } }),
    clock,
    store: tokens.store,
    ...(opts.storeTimeoutMs === undefined ? {} : { storeTimeoutMs: opts.storeTimeoutMs }),
    ...(opts.resources === undefined ? {} : { resources: opts.resources }),
    onError: () => {}, // the instance's own reports are not what these tests count
  });
  const authorize = opts.authorize ?? ((r: Request) => (r.headers.get('cookie') === SESSION.cookie ? jason : null));
  const onError = (e: unknown) => void errors.push(e);
  const hooks = opts.sessionKey ? { sessionKey: opts.sessionKey } : {};
  const handle =
    opts.via === 'management'
      ? createManagementHandler(keycard, {
          basePath: '/api/tokens',
          authorize,
          onError,
          device: { store: grants.store, ...hooks },
        })
      : createDeviceRoutes(keycard, { basePath: '/api/tokens', authorize, onError, store: grants.store, ...hooks });
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
  const poll = (deviceCode: string) =>
    post('/token', { grant_type: GRANT_TYPE, device_code: deviceCode, client_id: 'toado-cli' });
  const approve = (userCode: string) =>
    post('/approve', { user_code: userCode, scope: 'read', expires: '30d' }, SESSION);
  return { keycard, clock, grants, tokens, errors, audit, send, post, start, poll, approve };
}

/** The one report: an `unavailable` KeycardError, with no device code, hash or user code anywhere in it. */
export function expectOneReport(errors: unknown[], secrets: readonly string[]) {
  expect(errors).toHaveLength(1);
  const [e] = errors as Error[];
  expect(e).toMatchObject({ name: 'KeycardError', code: 'unavailable' });
  const seen = [e!.message, e!.stack, String(e!.cause), (e!.cause as Error | undefined)?.stack].join('\n');
  for (const s of secrets) expect(seen).not.toContain(s);
}

export async function expectJson503(r: Response) {
  expect(r.status).toBe(503);
  expect(r.headers.get('content-type')).toBe('application/json');
  expect(r.headers.get('cache-control')).toBe('no-store');
  expect(r.headers.get('retry-after')).toBe('5');
  expect(await r.json()).toEqual(UNAVAILABLE);
}

export async function expectPage503(r: Response) {
  expect(r.status).toBe(503);
  expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(r.headers.get('retry-after')).toBe('5');
  const text = await r.text();
  expect(text).toContain('<title>Try again shortly</title>');
  expect(text).toContain('Device login is unavailable; try again shortly.');
  expect(text).not.toMatch(/ECONNRESET|session hook|KeycardError|\bat \S+ \(/);
}
