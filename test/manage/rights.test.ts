/**
 * Who may touch which token (SPEC §11), at the points a mutation campaign found untested: a token
 * actor only ever manages tokens of its own kind, and a `can` hook grants only by answering
 * exactly `true` (anything else refuses; a throw is a 503, not a silent pass).
 */
import { describe, expect, it } from 'vitest';
import type { ManagementOptions } from '../../src/index.ts';
import { setup } from './fixture.ts';

type Can = NonNullable<ManagementOptions['can']>;

/**
 * admin's personal token and admin's workspace token of w1, both holding `manage`, made under
 * the default rights; `hook`, when given, answers `can` from then on.
 */
async function world(hook?: (...args: Parameters<Can>) => unknown) {
  let armed = false;
  const can: Can = (actor, action, target, fallback) =>
    armed ? (hook!(actor, action, target, fallback) as boolean) : fallback(actor, action, target);
  const s = setup(hook ? { can } : {});
  const mine = await s.create({ label: 'admin ci', scopes: ['manage', 'read'] }, 'admin');
  const bot = await s.create(
    { label: 'w1 bot', kind: 'workspace', workspaceId: 'w1', scopes: ['manage', 'read'] },
    'admin',
  );
  armed = true;
  return { ...s, mine, bot };
}

describe('a token actor', () => {
  it('never reaches a token of the other kind, even one of its own owner or workspace', async () => {
    const { call, mine, bot } = await world();
    // The workspace bot was created by admin, yet admin's personal tokens are not its to manage.
    expect((await call('GET', `/tokens/${mine.record.id}`, { bearer: bot.token, as: null })).status).toBe(404);
    const revoke = await call('POST', `/tokens/${mine.record.id}/revoke`, { bearer: bot.token, as: null, body: {} });
    expect(revoke.status).toBe(404);
    // And admin's personal token does not manage the workspace's tokens.
    expect((await call('GET', `/tokens/${bot.record.id}`, { bearer: mine.token, as: null })).status).toBe(404);
    // Each still manages its own kind.
    expect((await call('GET', `/tokens/${bot.record.id}`, { bearer: bot.token, as: null })).status).toBe(200);
    expect((await call('GET', `/tokens/${mine.record.id}`, { bearer: mine.token, as: null })).status).toBe(200);
    expect((await call('GET', `/tokens/${mine.record.id}`)).status).toBe(404); // alice's session
    const after = await call('GET', `/tokens/${mine.record.id}`, { bearer: mine.token, as: null });
    expect(((await after.json()) as { revokedAt: unknown }).revokedAt).toBeNull();
  });
});

describe('a can hook', () => {
  it('grants only by answering true: a truthy non-boolean refuses like false', async () => {
    for (const answer of [1, 'yes', {}, [true]] as unknown[]) {
      const { call, mine, keycard } = await world(() => answer);
      expect((await call('GET', `/tokens/${mine.record.id}`, { as: 'admin' })).status).toBe(404);
      const created = await call('POST', '/tokens', { as: 'admin', body: { label: 'x', scopes: ['read'] } });
      expect(created.status).toBe(404);
      expect((await keycard.list({ ownerId: 'admin', kind: 'personal' })).records.map((r) => r.label)).toEqual([
        'admin ci',
      ]);
    }
  });

  it('that throws answers 503, reports the error, and writes nothing', async () => {
    const boom = new Error('directory down');
    const { call, mine, logs, keycard } = await world(() => {
      throw boom;
    });
    const revoke = await call('POST', `/tokens/${mine.record.id}/revoke`, { as: 'admin', body: {} });
    expect(revoke.status).toBe(503);
    expect(((await revoke.json()) as { code: string }).code).toBe('unavailable');
    expect(logs).toContain(String(boom));
    expect((await keycard.get(mine.record.id))!.revokedAt).toBeNull();
  });
});

describe('the rights a can hook tells apart', () => {
  it('an action is checked on its own: a token one may read but not revoke answers 403 and stays live', async () => {
    const { call, mine, keycard } = await world((actor, action, target, fallback) =>
      action === 'revoke' ? false : fallback(actor, action, target),
    );
    expect((await call('GET', `/tokens/${mine.record.id}`, { as: 'admin' })).status).toBe(200);
    const revoke = await call('POST', `/tokens/${mine.record.id}/revoke`, { as: 'admin', body: {} });
    expect(revoke.status).toBe(403);
    expect(((await revoke.json()) as { code: string }).code).toBe('forbidden');
    expect((await keycard.get(mine.record.id))!.revokedAt).toBeNull();
  });

  it('a listing shows only the rows the actor may read', async () => {
    const { call, create, mine } = await world((actor, action, target, fallback) =>
      target.tokenId === mine.record.id ? false : fallback(actor, action, target),
    );
    await create({ label: 'admin other', scopes: ['read'] }, 'admin');
    const list = await call('GET', '/tokens', { as: 'admin' });
    expect(((await list.json()) as { data: { label: string }[] }).data.map((t) => t.label)).toEqual(['admin other']);
  });
});
