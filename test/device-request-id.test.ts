/**
 * SPEC §11 "Management calls are audited with the actor and request id (§7)", and §13: device
 * login is part of the management handler. Every audit event a device route writes
 * (`device.requested`, `device.approved`, `device.denied`, and the `token.issued` of the poll that
 * takes the approved grant) carries the request id of the call that caused it: `X-Request-Id` when
 * it has the §7 shape, else one generated, as the token routes' events do.
 */
import { describe, expect, it } from 'vitest';
import { SESSION, setup } from './device-fixture.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const idOf = (w: ReturnType<typeof setup>, type: string) =>
  w.audit.events.filter((e) => e.type === type).map((e) => (e as { requestId?: unknown }).requestId);

async function login(
  w: ReturnType<typeof setup>,
  ids: { code?: string; decide?: string; poll?: string },
  verdict = 'approve',
) {
  const h = (id: string | undefined): Record<string, string> => (id === undefined ? {} : { 'x-request-id': id });
  const start = await w.post('/code', { client_id: 'toado-cli', host: 'laptop', scope: 'read' }, h(ids.code));
  const { device_code, user_code } = (await start.json()) as { device_code: string; user_code: string };
  const body: Record<string, string> =
    verdict === 'approve' ? { user_code, scope: 'read', expires: '30d' } : { user_code };
  expect((await w.post(`/${verdict}`, body, { ...SESSION, ...h(ids.decide) })).status).toBe(200);
  return w.post('/token', { grant_type: GRANT, device_code, client_id: 'toado-cli' }, h(ids.poll));
}

describe.each(['management', 'routes'] as const)('device login events carry the request id (%s)', (via) => {
  it('approve: device.requested, device.approved and token.issued each carry their own call’s X-Request-Id', async () => {
    const w = setup({ via });
    expect((await login(w, { code: 'req-code', decide: 'req-approve', poll: 'req-poll' })).status).toBe(200);
    expect(idOf(w, 'device.requested')).toEqual(['req-code']);
    expect(idOf(w, 'device.approved')).toEqual(['req-approve']);
    expect(idOf(w, 'token.issued')).toEqual(['req-poll']);
  });

  it('deny: device.denied carries the deny call’s X-Request-Id', async () => {
    const w = setup({ via });
    expect((await login(w, { code: 'req-code', decide: 'req-deny' }, 'deny')).status).toBe(400);
    expect(idOf(w, 'device.denied')).toEqual(['req-deny']);
  });

  it('without X-Request-Id, or with one outside the §7 shape, each event gets a generated id of its own', async () => {
    const w = setup({ via });
    expect((await login(w, { decide: 'has spaces in it', poll: 'x'.repeat(129) })).status).toBe(200);
    const ids = ['device.requested', 'device.approved', 'token.issued'].flatMap((t) => idOf(w, t));
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(new Set(ids).size).toBe(3);
  });
});
