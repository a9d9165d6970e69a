/**
 * A personal management token carrying a `workspaceId` (w1), and its owner's personal tokens in
 * another workspace (w2) and in none. SPEC §3 bounds a personal token by its owner "in the
 * workspace the request names", not by the workspace it carries, and §11 says only "never wider
 * than itself": the default `can` answers for the owner, so such a token reads, lists, revokes and
 * revokes-all its owner's personal tokens in every workspace, while the lifecycle refuses it to
 * change or copy a token outside its own workspace (`update`, `rotate`: 403 `scope_escalation`,
 * as it refuses to mint one there). A `can` confines it. Pinned (docs/management.md › Who may do what).
 */
import { describe, expect, it } from 'vitest';
import type { ManagementOptions } from '../../src/index.ts';
import { setup } from './fixture.ts';

async function world(extra: Parameters<typeof setup>[0] = {}) {
  const w = setup(extra);
  const bot = await w.keycard.issue({
    ownerId: 'alice',
    label: 'w1 bot',
    workspaceId: 'w1',
    scopes: ['manage', 'read'],
  });
  const inW2 = (await w.keycard.issue({ ownerId: 'alice', label: 'w2 ci', workspaceId: 'w2', scopes: ['read'] }))
    .record;
  const inNone = (await w.keycard.issue({ ownerId: 'alice', label: 'plain', scopes: ['read'] })).record;
  const as = (method: string, path: string, body?: unknown) =>
    w.call(method, path, { as: null, origin: null, bearer: bot.token, ...(body !== undefined ? { body } : {}) });
  return { w, bot, inW2, inNone, as };
}

describe('a personal management token bound to w1, by default', () => {
  it('lists and reads its owner personal tokens in w2 and in none', async () => {
    const { w, inW2, inNone, as } = await world();
    const page = (await (await as('GET', '/tokens')).json()) as { data: { id: string }[] };
    expect(page.data.map((t) => t.id)).toEqual(expect.arrayContaining([inW2.id, inNone.id]));
    expect((await as('GET', `/tokens/${inW2.id}`)).status).toBe(200);
    await w.keycard.close();
  });

  it('may not update or rotate them (403 scope_escalation), as it may not mint there', async () => {
    const { w, inW2, inNone, as } = await world();
    for (const id of [inW2.id, inNone.id]) {
      const patch = await as('PATCH', `/tokens/${id}`, { label: 'renamed' });
      expect([patch.status, ((await patch.json()) as { code: string }).code]).toEqual([403, 'scope_escalation']);
      const rotate = await as('POST', `/tokens/${id}/rotate`, {});
      expect([rotate.status, ((await rotate.json()) as { code: string }).code]).toEqual([403, 'scope_escalation']);
    }
    const created = await as('POST', '/tokens', { label: 'x', scopes: ['read'], workspaceId: 'w2' });
    expect(created.status).toBe(403);
    await w.keycard.close();
  });

  it('revokes one in w2, and revokes all of its owner personal tokens (itself included)', async () => {
    const { w, inW2, as } = await world();
    expect((await as('POST', `/tokens/${inW2.id}/revoke`, {})).status).toBe(200);
    const all = await as('POST', '/tokens/revoke-all', { target: { ownerId: 'alice' }, reason: 'cleanup' });
    expect([all.status, await all.json()]).toEqual([200, { count: 2 }]);
    await w.keycard.close();
  });

  it('a can that holds token actors to their workspace confines it: 404 outside w1', async () => {
    // Listing (no tokenId) and revokeAll name no one token: the rows are filtered one by one.
    const can: ManagementOptions['can'] = (actor, action, target, fallback) =>
      (actor.kind !== 'token' || target.tokenId === undefined || target.workspaceId === actor.identity.workspaceId) &&
      fallback(actor, action, target);
    const { w, bot, inW2, inNone, as } = await world({ can });
    const page = (await (await as('GET', '/tokens')).json()) as { data: { id: string }[] };
    expect(page.data.map((t) => t.id)).toEqual([bot.record.id]);
    for (const id of [inW2.id, inNone.id]) {
      expect((await as('GET', `/tokens/${id}`)).status).toBe(404);
      expect((await as('POST', `/tokens/${id}/revoke`, {})).status).toBe(404);
    }
    await w.keycard.close();
  });
});
