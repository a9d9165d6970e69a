/**
 * `GET /tokens` of a scope the caller may see nothing of (SPEC §11: anything the actor may not see
 * answers 404, no existence oracle). A workspace management token listing without `workspaceId`
 * asks for "the caller's personal tokens": its creator's, none of which it may read. The handler
 * paged through them anyway (up to 10 store pages a call) and answered 200 with no rows and a
 * `nextCursor` while more were left, so the bot, following cursors with `limit=1`, counted its
 * creator's personal tokens (1 page for 0 or 5 of them, 3 pages for 25) by status, and saw new ones
 * appear. The listing's scope is now asked of `can` for personal listings too, as it was for a
 * workspace's: refused, it is the one 404, whatever lies behind it.
 */
import { describe, expect, it } from 'vitest';
import type { ManagementOptions, ManagementTarget } from '../../src/index.ts';
import { setup } from './fixture.ts';

/** admin's workspace bot of w1 (holding `manage`) and `n` personal tokens of admin, in `status`. */
async function world(n: number, status: 'active' | 'revoked' = 'active', extra: Partial<ManagementOptions> = {}) {
  const s = setup(extra);
  const bot = await s.create(
    { label: 'bot', kind: 'workspace', workspaceId: 'w1', scopes: ['manage', 'read'] },
    'admin',
  );
  for (let i = 0; i < n; i++) {
    const t = await s.create({ label: `p${i}`, scopes: ['read'] }, 'admin');
    if (status === 'revoked') await s.keycard.revoke(t.record.id);
  }
  return { ...s, bot };
}

/** Every answer of following the listing `query` by `bearer`, page by page (at most 20). */
async function follow(s: Awaited<ReturnType<typeof world>>, query: string) {
  const answers: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    s.clock.advance(60_000); // past the bot's rate limit window
    const res = await s.call('GET', `/tokens?${query}${cursor ? `&cursor=${cursor}` : ''}`, {
      as: null,
      bearer: s.bot.token,
    });
    const text = await res.text();
    answers.push(`${res.status} ${res.headers.get('content-type')} ${res.headers.get('content-length')} ${text}`);
    cursor = res.status === 200 ? (JSON.parse(text) as { nextCursor: string | null }).nextCursor : null;
    if (cursor === null) break;
  }
  return answers;
}

describe('GET /tokens by a workspace management token, for personal tokens', () => {
  for (const query of [
    'limit=1',
    'kind=personal&limit=1',
    'kind=personal&workspaceId=w1&limit=1',
    'status=all&limit=1',
  ]) {
    it(`${query}: one 404, the same whether its creator has 0, 5 or 25 personal tokens`, async () => {
      const seen = [];
      for (const n of [0, 5, 25]) seen.push(await follow(await world(n), query));
      for (const answers of seen) {
        expect(answers).toHaveLength(1);
        expect(answers[0]).toMatch(/^404 application\/problem\+json/);
        expect(JSON.parse(answers[0]!.slice(answers[0]!.indexOf('{'))).code).toBe('not_found');
      }
      expect(new Set(seen.map((a) => a.join('\n'))).size).toBe(1);
    });
  }

  it('status=revoked: the same 404 whether 0 or 25 of them are revoked', async () => {
    const [none, many] = [
      await follow(await world(0), 'status=revoked&limit=1'),
      await follow(await world(25, 'revoked'), 'status=revoked&limit=1'),
    ];
    expect(none).toEqual(many);
    expect(none[0]).toMatch(/^404 /);
  });

  it('reads no store page: keycard.list is not called', async () => {
    const s = await world(25);
    let lists = 0;
    const list = s.keycard.list.bind(s.keycard);
    s.keycard.list = ((...a: Parameters<typeof list>) => (lists++, list(...a))) as typeof list;
    await follow(s, 'limit=1');
    expect(lists).toBe(0);
  });

  it('its own workspace listing is unchanged: its tokens, 200', async () => {
    const s = await world(3);
    const res = await s.call('GET', '/tokens?workspaceId=w1', { as: null, bearer: s.bot.token });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { label: string }[] }).data.map((t) => t.label)).toEqual(['bot']);
  });
});

describe('the listing scope asked of can', () => {
  it('a person listing their own personal tokens: read on { kind: personal, ownerId, workspaceId: null }, 200', async () => {
    const targets: ManagementTarget[] = [];
    const s = await world(2, 'active', {
      can: (actor, action, target, fallback) => {
        if (target.tokenId === undefined) targets.push(target);
        return fallback(actor, action, target);
      },
    });
    targets.length = 0;
    const res = await s.call('GET', '/tokens', { as: 'admin' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(2);
    expect(targets).toEqual([{ kind: 'personal', ownerId: 'admin', workspaceId: null }]);
  });

  it('a can refusing that scope answers 404, as for a workspace it refuses', async () => {
    const s = await world(2, 'active', {
      can: (actor, action, target, fallback) =>
        target.tokenId === undefined && action === 'read' ? false : fallback(actor, action, target),
    });
    const [personal, workspace] = [
      await s.call('GET', '/tokens', { as: 'admin' }),
      await s.call('GET', '/tokens?workspaceId=w1', { as: 'admin' }),
    ];
    expect([personal.status, workspace.status]).toEqual([404, 404]);
    expect(await personal.text()).toBe(await workspace.text());
  });
});
