/**
 * The management handler's `can` (SPEC §11: "decides visibility and rights") against the device
 * login it serves at `${basePath}/device` (SPEC §13). An integrator whose `can` refuses `create` to
 * someone (a read-only role, a suspended account) gets 404 for that person's `POST /tokens`; the
 * device approval, served by the same handler, issued that person a token all the same. Approving
 * now asks `can(actor, 'create', { kind: 'personal', ownerId, workspaceId: null })` first, as
 * `POST /tokens` does for a personal token: refused, the page says so (403), nothing is written and
 * the grant stays pending (the person may still deny it); a `can` that throws is an outage (503).
 */
import { describe, expect, it } from 'vitest';
import type { ManagementOptions } from '../../src/index.ts';
import { ORIGIN, deviceForms, setup } from './fixture.ts';

type Can = NonNullable<ManagementOptions['can']>;

function world(can: Can) {
  const asked: unknown[][] = [];
  const t = setup({
    can: (actor, action, target, fallback) => {
      asked.push([actor.kind === 'user' ? actor.id : 'token', action, target]);
      return can(actor, action, target, fallback);
    },
  });
  const { post, start, token } = deviceForms(t.handler);
  const decide = (verdict: 'approve' | 'deny', userCode: string, who: string) =>
    post(
      `/${verdict}`,
      { user_code: userCode, scope: 'read', expires: '30d' },
      { cookie: `sid=${who}`, origin: ORIGIN },
    );
  const poll = async (deviceCode: string) => {
    const r = await token(deviceCode);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  return { ...t, asked, start, decide, poll };
}

/** Bob may not create tokens; everyone else has the default rights. */
const noTokensForBob: Can = (actor, action, target, fallback) =>
  actor.kind === 'user' && actor.id === 'bob' && action === 'create' ? false : fallback(actor, action, target);

describe('device approval under the handler’s can', () => {
  it('a person can refuses to create for gets no token through a device login either (403 page, grant pending)', async () => {
    const w = world(noTokensForBob);
    // The rule as POST /tokens applies it (control).
    expect((await w.call('POST', '/tokens', { body: { label: 'x', scopes: ['read'] }, as: 'bob' })).status).toBe(404);

    const a = await w.start();
    const refused = await w.decide('approve', a.user_code, 'bob');
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('now has access');
    w.clock.advance(6_000);
    expect((await w.poll(a.device_code)).body['error']).toBe('authorization_pending');
    expect((await w.keycard.list({ ownerId: 'bob' })).records).toEqual([]);
    expect(w.asked).toContainEqual(['bob', 'create', { kind: 'personal', ownerId: 'bob', workspaceId: null }]);

    // The person may still deny it, and the program hears so.
    expect((await w.decide('deny', a.user_code, 'bob')).status).toBe(200);
    expect((await w.poll(a.device_code)).body['error']).toBe('access_denied');
  });

  it('a person can allows approves as before, and gets the token (control)', async () => {
    const w = world(noTokensForBob);
    const a = await w.start();
    expect((await w.decide('approve', a.user_code, 'alice')).status).toBe(200);
    const r = await w.poll(a.device_code);
    expect(r.status).toBe(200);
    expect((await w.keycard.get(String(r.body['token_id'])))?.ownerId).toBe('alice');
  });

  it('a can that throws is an outage: a 503 page, nothing approved, reported', async () => {
    const w = world(() => {
      throw new Error('role service down');
    });
    const a = await w.start();
    const r = await w.decide('approve', a.user_code, 'alice');
    expect(r.status).toBe(503);
    expect(await r.text()).not.toContain('role service down');
    w.clock.advance(6_000);
    expect((await w.poll(a.device_code)).body['error']).toBe('authorization_pending');
    expect(w.logs.join('\n')).toContain('role service down');
  });
});
