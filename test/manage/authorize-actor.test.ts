/**
 * An `authorize` hook that answers a user actor no store can keep (SPEC §11: `authorize(request)`
 * maps the integrator's session to `{ kind: 'user', id, scopes }`). The actor's id becomes the
 * owner of what it creates, so it must be what every store keeps the same: a non-empty string of
 * at most 256 characters with no NUL character or lone surrogate. Anything else is the
 * integrator's bug, answered like any other malformed actor — a 500 `internal` problem and one
 * `onError` report — never a 400 that blames the request's body, and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import type { ManagementOptions } from '../../src/index.ts';
import { setup } from './fixture.ts';

function world(id: string) {
  const errors: unknown[] = [];
  const authorize = (() => ({ kind: 'user', id, scopes: ['read'] })) as ManagementOptions['authorize'];
  const { call: send, keycard } = setup({ authorize, onError: (e) => void errors.push(e), device: false });
  const call = (method: string, path: string, body?: unknown) => send(method, path, body === undefined ? {} : { body });
  return { errors, call, keycard };
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
    ['POST', '/tokens/revoke-all', { target: { ownerId: id }, reason: 'left' }],
  ] as const)('%s %s: 500 internal, one report, nothing written', async (method, path, body) => {
    const { call, errors, keycard } = world(id);
    const r = await call(method, path, body);
    expect(r.status).toBe(500);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await r.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 500, code: 'internal', detail: 'Management handler misconfigured' });
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('authorize() must return');
    const all = await keycard.list({ ownerId: 'alice', kind: 'personal', status: 'all', limit: 100 });
    expect(all.records).toEqual([]);
  });
});

describe('the longest storable actor id', () => {
  it('256 characters is a user like any other: POST /tokens is 201', async () => {
    const { call } = world('a'.repeat(256));
    const r = await call('POST', '/tokens', { label: 'ci', scopes: ['read'] });
    expect(r.status).toBe(201);
  });
});
