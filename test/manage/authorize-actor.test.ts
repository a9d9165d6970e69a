/**
 * An `authorize` hook that answers a user actor no store can keep (SPEC §11: `authorize(request)`
 * maps the integrator's session to `{ kind: 'user', id, scopes }`). The actor's id becomes the
 * owner of what it creates, so it must be what every store keeps the same: a non-empty string of
 * at most 256 characters with no NUL character or lone surrogate. Anything else is the
 * integrator's bug, answered like any other malformed actor — a 500 `internal` problem and one
 * `onError` report — never a 400 that blames the request's body, and nothing is written. The
 * device-login routes of the same handler answer it the same way (a 500 page), before the person
 * is told a login was approved that could never issue its token.
 */
import { describe, expect, it } from 'vitest';
import { memoryTokenStore, type ManagementOptions, type TokenStore, type UserActor } from '../../src/index.ts';
import { SESSION, setup as deviceSetup } from '../device-fixture.ts';
import { setup } from './fixture.ts';

/** A memory store that counts every call that writes. */
function countingStore() {
  const inner = memoryTokenStore();
  const writes: string[] = [];
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || !/^(create|update|revoke)/.test(String(key))) return value;
      return (...args: unknown[]) => {
        writes.push(String(key));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as TokenStore;
  return { store, writes };
}

function world(id: string) {
  const errors: unknown[] = [];
  const { store, writes } = countingStore();
  const authorize = (() => ({ kind: 'user', id, scopes: ['read'] })) as ManagementOptions['authorize'];
  const { call: send, sink } = setup({ authorize, onError: (e) => void errors.push(e), device: false }, store);
  const call = (method: string, path: string, body?: unknown) => send(method, path, body === undefined ? {} : { body });
  return { errors, call, writes, sink };
}

const unstorable: [string, string][] = [
  ['a NUL character', 'alice\u0000'],
  ['a lone surrogate', 'alice\ud800'],
  ['257 characters', 'a'.repeat(257)],
];

describe.each(unstorable)('authorize() answering an actor id with %s', (_what, id) => {
  it.each([
    ['POST', '/tokens', { label: 'ci', scopes: ['read'] }],
    ['GET', '/tokens', undefined],
    ['POST', '/tokens/revoke-all', { target: { ownerId: 'alice' }, reason: 'left' }],
  ] as const)('%s %s: 500 internal, one report, nothing written', async (method, path, body) => {
    const { call, errors, writes, sink } = world(id);
    const r = await call(method, path, body);
    expect(r.status).toBe(500);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await r.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 500, code: 'internal', detail: 'Management handler misconfigured' });
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('authorize() must return');
    expect(writes).toEqual([]);
    expect(sink.events.filter((e) => e.type.startsWith('token.'))).toEqual([]);
  });

  it('device login (POST /device/approve): a 500 page and one report, the grant left pending, no token', async () => {
    const person = { kind: 'user', id, scopes: ['read', 'write'] } as UserActor;
    const w = deviceSetup({
      via: 'management',
      authorize: (r) => (r.headers.get('cookie') === SESSION.cookie ? person : null),
    });
    const { device_code, user_code } = await w.start();
    const approved = await w.approve(user_code);
    expect(approved.status).toBe(500);
    expect(await approved.text()).not.toMatch(/connected|approved/i);
    expect(w.errors).toHaveLength(1);
    expect(String(w.errors[0])).toContain('authorize() must return');
    expect(w.audit.events.map((e) => e.type)).toEqual(['device.requested']);
    const poll = await w.poll(device_code);
    expect(await poll.json()).toMatchObject({ error: 'authorization_pending' });
  });
});

describe('the longest storable actor id', () => {
  it('256 characters is a user like any other: POST /tokens is 201', async () => {
    const { call } = world('a'.repeat(256));
    const r = await call('POST', '/tokens', { label: 'ci', scopes: ['read'] });
    expect(r.status).toBe(201);
  });
});
