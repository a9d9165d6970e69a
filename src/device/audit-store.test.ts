/**
 * Device login's audit events (`device.requested`, `device.approved`, `device.denied`) reach an
 * audit store, not only a sink: the audit stores once kept only the `token.*` and `request.*`
 * types and dropped these (memory silently, Postgres with an `onError` per event).
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryAuditStore, type Actor } from '../index.ts';
import { fakeClock } from '../testing/clock.ts';
import { createDeviceRoutes } from './routes.ts';

const ORIGIN = 'https://app.example';
const jason: Actor = { kind: 'user', id: 'u_jason', scopes: ['read'] };

async function login(deny: boolean) {
  const errors: unknown[] = [];
  const store = memoryAuditStore();
  const keycard = createKeycard({
    prefix: 'toado',
    scopes: defineScopes({ read: { description: 'Read tickets' } }),
    clock: fakeClock(),
    audit: [store],
  });
  const routes = createDeviceRoutes(keycard, {
    basePath: '/api/tokens',
    authorize: (r) => (r.headers.get('cookie') === 'session=jason' ? jason : null),
  });
  const post = async (path: string, body: Record<string, string>, headers: Record<string, string> = {}) => {
    const r = await routes(
      new Request(`${ORIGIN}/api/tokens/device/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
      }),
    );
    if (r === null) throw new Error(`not a device route: ${path}`);
    return r;
  };
  const a = (await (await post('code', { client_id: 'toado-cli', host: 'laptop', scope: 'read' })).json()) as {
    device_code: string;
    user_code: string;
  };
  const session = { cookie: 'session=jason', origin: ORIGIN };
  const answer = await post(
    deny ? 'deny' : 'approve',
    { user_code: a.user_code, scope: 'read', expires: '90d' },
    session,
  );
  expect(answer.status).toBeLessThan(400);
  await post('token', {
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    device_code: a.device_code,
    client_id: 'toado-cli',
  });
  // Every audit write of the login delivered (keycard.flush), not a fixed 20 ms wait for it.
  await keycard.flush();
  return { store, errors, deviceCode: a.device_code };
}

describe('device login audit events in memoryAuditStore', () => {
  it('an approved login keeps device.requested, device.approved and token.issued, queryable by type', async () => {
    const { store, errors, deviceCode } = await login(false);
    const page = await store.query({});
    expect(page.events.map((e) => e.type).sort()).toEqual(['device.approved', 'device.requested', 'token.issued']);
    const approved = await store.query({ types: ['device.approved'] });
    expect(approved.events).toHaveLength(1);
    expect(approved.events[0]).toMatchObject({ actor: { kind: 'user', id: 'u_jason' } });
    expect(JSON.stringify(page.events)).not.toContain(deviceCode);
    expect(errors).toEqual([]);
  });

  it('a denied login keeps device.denied', async () => {
    const { store, errors } = await login(true);
    const types = (await store.query({})).events.map((e) => e.type);
    expect(types).toContain('device.denied');
    expect(types).toContain('device.requested');
    expect(errors).toEqual([]);
  });
});
