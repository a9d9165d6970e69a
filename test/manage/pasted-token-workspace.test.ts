/**
 * A token pasted as the workspace id of `POST /tokens` (SPEC §11; "secrets never leak"), the
 * sibling of a token pasted as a restriction id (pasted-token-restrictions.test.ts): with a
 * `canManageWorkspace` that lets an administrator manage every workspace, `{ kind: 'workspace',
 * workspaceId: '<a token just copied>' }` made a workspace token whose `workspaceId` held the
 * secret in the clear, in the 201, in every later listing and in the store. Such an id is refused
 * as a bad field: 400 naming `workspaceId`, nothing stored, the token in no answer or event.
 * Through real Express and Hono servers.
 */
import { describe, expect, it } from 'vitest';
import { leaks } from '../secret-encodings.ts';
import { servedDuringSuite } from './servers.ts';
import { BASE, setup } from './fixture.ts';

// An administrator manages every workspace, without a lookup of it: the hook a superuser gets.
const world = setup({ canManageWorkspace: (actor) => actor.id === 'admin' });
const served = servedDuringSuite(world.handler);

describe('a token pasted as a workspace id is refused, not stored', () => {
  it('POST /tokens on Express and Hono: 400 naming workspaceId, nothing kept or answered', async () => {
    const pasted = await world.create({ label: 'just copied', scopes: ['read'] }, 'admin');
    for (const origin of served.origins) {
      const before = (await world.keycard.list({ kind: 'workspace', status: 'all', limit: 500 })).records.length;
      for (const workspaceId of [pasted.token, `ws-${pasted.token}`, ` ${pasted.token}`]) {
        const res = await fetch(`${origin}${BASE}/tokens`, {
          method: 'POST',
          headers: { cookie: 'sid=admin', origin, 'content-type': 'application/json' },
          body: JSON.stringify({ label: 'ci', scopes: ['read'], kind: 'workspace', workspaceId }),
        });
        const text = await res.text();
        expect(res.status, text).toBe(400);
        expect(JSON.parse(text)).toMatchObject({
          code: 'invalid_request',
          errors: [{ field: 'workspaceId', message: 'must not hold an API token' }],
        });
        expect(leaks(text, pasted.token)).toBeNull();
      }
      const all = (await world.keycard.list({ kind: 'workspace', status: 'all', limit: 500 })).records;
      expect(all).toHaveLength(before);
      expect(leaks(JSON.stringify(all), pasted.token)).toBeNull();
    }
    expect(leaks(JSON.stringify(world.sink.events) + world.logs.join('\n'), pasted.token)).toBeNull();
  });

  it('every bad field at once: a pasted workspace id beside an empty label', async () => {
    const pasted = await world.create({ label: 'just copied', scopes: ['read'] }, 'admin');
    const res = await world.call('POST', '/tokens', {
      as: 'admin',
      body: { label: '', scopes: ['read'], kind: 'workspace', workspaceId: pasted.token },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual([
      'label',
      'workspaceId',
    ]);
  });

  it('a workspace id that holds no token still makes a workspace token (control)', async () => {
    const res = await world.call('POST', '/tokens', {
      as: 'admin',
      body: { label: 'ci', scopes: ['read'], kind: 'workspace', workspaceId: 'ws_7f3a9c' },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { record: { workspaceId: string } }).record.workspaceId).toBe('ws_7f3a9c');
  });
});
