/**
 * SPEC §11 "403 forbidden / scope_escalation naming the scope": a create wider than its creator
 * and a PATCH that widens a token each answer a 403 whose `detail` names the scopes that are out
 * of bounds (closure included: widening `read` to `tickets:write` adds `comments` too), and change
 * nothing. The create said so; the PATCH said only "update may only narrow scopes: closure(new)
 * must be within closure(old)", leaving the caller to work out which scope it was.
 */
import { describe, expect, it } from 'vitest';
import { setup } from './fixture.ts';

const problem = async (res: Response) => {
  const j = (await res.json()) as { status: number; code: string; detail: string };
  return { status: j.status, code: j.code, detail: j.detail };
};

describe('a 403 scope_escalation names the scopes out of bounds', () => {
  it('POST /tokens wider than the creator: the scopes the creator lacks', async () => {
    const w = setup();
    const res = await w.call('POST', '/tokens', { body: { label: 'x', scopes: ['tickets:assign'] } });
    expect(await problem(res)).toEqual({
      status: 403,
      code: 'scope_escalation',
      detail: expect.stringContaining('tickets:assign'),
    });
    expect((await w.keycard.list({ ownerId: 'alice', status: 'all' })).records).toEqual([]);
  });

  it.each([
    [['read'], ['tickets:write'], ['tickets:write', 'comments']],
    [['comments'], ['tickets:write'], ['tickets:write']],
    [['read', 'comments'], ['read', 'manage'], ['manage']],
  ])('PATCH /tokens/:id from %j to %j: names %j, and the token is unchanged', async (from, to, outside) => {
    const w = setup();
    const { record } = await w.create({ label: 'narrow', scopes: from });
    const res = await w.call('PATCH', `/tokens/${record.id}`, { body: { scopes: to } });
    const p = await problem(res);
    expect([p.status, p.code]).toEqual([403, 'scope_escalation']);
    for (const scope of outside) expect(p.detail).toMatch(new RegExp(`(^|[ :,])${scope}(,|$)`));
    const inside = ['read', 'comments', 'tickets:write', 'manage'].filter((s) => !outside.includes(s));
    for (const scope of inside) expect(p.detail).not.toMatch(new RegExp(`(^|[ :,])${scope}(,|$)`));
    expect((await w.keycard.get(record.id))!.scopes).toEqual(from);
  });
});
