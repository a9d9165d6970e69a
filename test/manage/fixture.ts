/** A management handler over a memory keycard with three people and a fake clock, for the management tests. */
import {
  createKeycard,
  createManagementHandler,
  defineScopes,
  memoryAuditSink,
  memoryTokenStore,
  type ManagementOptions,
  type TokenStore,
  type UserActor,
} from '../../src/index.ts';
import type { StoreChange } from '../../src/core/store.ts';
import { fakeClock } from '../../src/testing/index.ts';

export const ORIGIN = 'http://app.test';
export const BASE = '/api/tokens';

export const people: Record<string, UserActor> = {
  alice: { kind: 'user', id: 'alice', scopes: ['tickets:write', 'manage'] },
  bob: { kind: 'user', id: 'bob', scopes: ['read'] },
  admin: { kind: 'user', id: 'admin', scopes: ['tickets:write', 'tickets:assign', 'manage'] },
};

export const catalogue = () =>
  defineScopes(
    {
      read: { description: 'Read everything' },
      comments: { implies: ['read'], description: 'Comment' },
      'tickets:write': { implies: ['read', 'comments'], description: 'Write tickets' },
      'tickets:assign': { implies: ['read'] },
      manage: { description: 'Manage API tokens' },
    },
    { defaults: ['read'], presets: { 'read-only': ['read'], triage: ['tickets:write', 'tickets:assign'] } },
  );

/** The session cookie `sid=<person>`; `authorize` maps it to the person. */
export const sessionOf = (request: Request): UserActor | null => {
  const m = /(?:^|;\s*)sid=([a-z]+)/.exec(request.headers.get('cookie') ?? '');
  return (m && people[m[1]!]) ?? null;
};

/** `store`: the token store (default a fresh memory one), e.g. one that fails on cue. */
export function setup(extra: Partial<ManagementOptions> = {}, store: TokenStore = memoryTokenStore()) {
  const clock = fakeClock(Date.UTC(2026, 0, 1));
  const sink = memoryAuditSink();
  const logs: string[] = [];
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: catalogue(),
    store,
    clock,
    audit: [sink],
    resources: ['company', 'project'],
    onError: (e) => logs.push(String(e)),
    onWarning: (m) => logs.push(m),
  });
  const handler = createManagementHandler(keycard, {
    basePath: BASE,
    managementScope: 'manage',
    authorize: sessionOf,
    canManageWorkspace: (actor, ws) => actor.id === 'admin' && ws === 'w1',
    onError: (e) => logs.push(String(e)),
    ...extra,
  });
  /** Calls the handler as a same-origin browser of `as` would (Origin set), or with `bearer`. */
  const call = (
    method: string,
    path: string,
    o: {
      body?: unknown;
      raw?: string;
      as?: string | null;
      bearer?: string;
      headers?: Record<string, string>;
      origin?: string | null;
    } = {},
  ) => {
    const headers: Record<string, string> = { ...o.headers };
    const as = o.as === undefined ? 'alice' : o.as;
    if (as !== null) headers.cookie = `sid=${as}`;
    if (o.bearer) headers.authorization = `Bearer ${o.bearer}`;
    const origin = o.origin === undefined ? ORIGIN : o.origin;
    if (origin !== null) headers.origin = origin;
    let body: string | undefined = o.raw;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    return handler(
      new Request(`${ORIGIN}${BASE}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }),
    );
  };
  const create = async (body: Record<string, unknown> = { label: 'ci', scopes: ['read'] }, as = 'alice') => {
    const res = await call('POST', '/tokens', { body, as });
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as { token: string; record: { id: string } & Record<string, unknown> };
  };
  return { keycard, store, handler, clock, sink, logs, call, create };
}

/**
 * `inner` with its change notifications delivered `delayMs` late (a slow subscriber, as Redis
 * pub/sub and Postgres LISTEN can be) and, after `hold()`, its next create waiting for `release()`.
 */
export function heldCreates(inner: TokenStore, delayMs: number, over: Partial<TokenStore> = {}) {
  let held = false;
  let reached!: () => void;
  let release!: () => void;
  let gate!: Promise<void>;
  const store: TokenStore = Object.assign(Object.create(inner) as TokenStore, {
    subscribe: (l: (c: StoreChange) => void) => inner.subscribe!((c) => void setTimeout(() => l(c), delayMs)),
    create: async (t: Parameters<TokenStore['create']>[0]) => {
      if (held) {
        held = false;
        reached();
        await gate;
      }
      return inner.create(t);
    },
    ...over,
  });
  const hold = () => {
    held = true;
    const atCreate = new Promise<void>((r) => (reached = r));
    gate = new Promise<void>((r) => (release = r));
    return { atCreate, release: () => release() };
  };
  return { store, hold };
}

/**
 * The device login's forms against a handler `setup()` built: `post` a form to `${BASE}/device…`,
 * `start` a login as the `acme-cli` program, and `token`, its poll (the raw answer).
 */
export function deviceForms(handler: (request: Request) => Promise<Response>) {
  const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    handler(
      new Request(`${ORIGIN}${BASE}/device${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
      }),
    );
  const start = async () =>
    (await (await post('/code', { client_id: 'acme-cli', host: 'laptop', scope: 'read' })).json()) as {
      device_code: string;
      user_code: string;
    };
  const token = (deviceCode: string) =>
    post('/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: deviceCode,
      client_id: 'acme-cli',
    });
  return { post, start, token };
}
