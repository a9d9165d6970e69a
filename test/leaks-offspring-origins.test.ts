/**
 * Which tokens are a leaked token's offspring (SPEC §15, docs/leaks.md), by every way a token is
 * made: `createdBy` as the management API (a session, a bearer token), `issue` and `rotate` record
 * it, and what the leak intake revokes when the token found in public is the bearer. A person's
 * work stays; what the bearer minted, and every successor it rotated any token into (whose secret
 * it received), is revoked as leaked. An OAuth identity (kind `oauth`) cannot mint or rotate, so
 * its id never becomes a `createdBy`. Real management handler, memory store.
 */
import { describe, expect, it } from 'vitest';
import {
  createKeycard,
  createManagementHandler,
  defineScopes,
  memoryTokenStore,
  type ForeignTokenVerifier,
} from '../src/index.ts';
import { leakFixture } from './leaks-fixture.ts';
import { setup } from './manage/fixture.ts';

type Made = { token: string; record: { id: string } & Record<string, unknown> };

describe('offspring by origin: management API with a session and with a token, issue, rotate', () => {
  it('revokes what the bearer minted or rotated into; leaves what a person made; oauth mints nothing', async () => {
    const m = setup();
    const f = await leakFixture({}, m.keycard, m.clock);
    const api = async (method: string, path: string, o: { bearer?: string; body?: unknown }): Promise<Made> => {
      const res = await m.call(method, path, { as: o.bearer ? null : 'alice', ...o });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return (await res.json()) as Made;
    };
    const root = await m.create({ label: 'deployer', scopes: ['tickets:write', 'manage'] }); // alice's session
    const minted = await api('POST', '/tokens', {
      bearer: root.token,
      body: { label: 'job', scopes: ['read', 'manage'] },
    });
    const byPerson = await m.create({ label: 'laptop', scopes: ['read'] });
    const personRotated = await api('POST', `/tokens/${byPerson.record.id}/rotate`, { body: { graceMs: 60_000 } });
    const mine = await m.create({ label: 'cron', scopes: ['read'] });
    // The bearer rotates a token a person made: it receives the successor's secret.
    const bearerRotated = await api('POST', `/tokens/${mine.record.id}/rotate`, {
      bearer: root.token,
      body: { graceMs: 60_000 },
    });
    const mintedRotated = await api('POST', `/tokens/${minted.record.id}/rotate`, {
      bearer: minted.token,
      body: { graceMs: 60_000 },
    });
    const system = await m.keycard.issue({ ownerId: 'alice', label: 'migration', actor: { kind: 'system' } });
    const named = await m.keycard.issue({ ownerId: 'alice', label: 'job', actor: { kind: 'system', id: 'seed' } });

    expect({
      root: root.record.createdBy,
      minted: minted.record.createdBy,
      byPerson: byPerson.record.createdBy,
      personRotated: personRotated.record.createdBy,
      bearerRotated: bearerRotated.record.createdBy,
      mintedRotated: mintedRotated.record.createdBy,
      system: system.record.createdBy,
      named: named.record.createdBy,
    }).toEqual({
      root: 'alice',
      minted: root.record.id,
      byPerson: 'alice',
      personRotated: 'alice',
      bearerRotated: root.record.id,
      mintedRotated: minted.record.id,
      system: null,
      named: 'seed',
    });

    const res = await f.handler(await f.report(f.body([root.token])));
    expect(res.status).toBe(200);
    const reason = async (t: { record: { id: string } }) => (await m.keycard.get(t.record.id))?.revokedReason ?? null;
    expect({
      root: await reason(root),
      minted: await reason(minted),
      mintedRotated: await reason(mintedRotated),
      bearerRotated: await reason(bearerRotated),
      mine: await reason(mine), // its rotation by the bearer shortened it; it is not offspring
      byPerson: await reason(byPerson),
      personRotated: await reason(personRotated),
      system: await reason(system),
      named: await reason(named),
    }).toEqual({
      root: 'leaked',
      minted: 'leaked',
      mintedRotated: 'leaked',
      bearerRotated: 'leaked',
      mine: null,
      byPerson: null,
      personRotated: null,
      system: null,
      named: null,
    });
    expect(f.notices.map((n) => [n.record.id, n.via ?? null]).sort()).toEqual(
      [
        [root.record.id, null],
        [minted.record.id, root.record.id],
        [mintedRotated.record.id, root.record.id],
        [bearerRotated.record.id, root.record.id],
      ].sort(),
    );
  });
});

describe('an OAuth identity (kind oauth) as actor', () => {
  it('mints and rotates nothing, through issue/rotate or the management API: its id is never a createdBy', async () => {
    const store = memoryTokenStore();
    const oauth: ForeignTokenVerifier = {
      kind: 'oauth',
      verify: async () => ({
        ok: true,
        tokenId: 'oauth:alice:claude',
        subject: 'alice',
        clientId: 'claude',
        scopes: ['read', 'manage'],
        expiresAt: Date.now() + 3_600_000,
        issuedAt: Date.now(),
        ownerId: 'alice',
        workspaceId: null,
        label: 'claude (OAuth)',
      }),
    };
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: defineScopes({ read: {}, manage: {} }, { defaults: ['read'] }),
      store,
      oauth,
      onWarning: () => {},
    });
    const bearer = { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln' };
    const r = await keycard.authenticate(new Request('http://app.test/x', { headers: bearer }), { scope: 'manage' });
    if (!r.ok) throw new Error('not admitted');
    expect(r.identity.kind).toBe('oauth');
    const mine = await keycard.issue({ ownerId: 'alice', label: 'cron', scopes: ['read'] });
    const actor = { kind: 'token' as const, identity: r.identity };
    await expect(keycard.issue({ ownerId: 'alice', label: 'x', scopes: ['read'], actor })).rejects.toMatchObject({
      code: 'scope_escalation',
    });
    await expect(keycard.rotate(mine.record.id, { actor })).rejects.toMatchObject({ code: 'scope_escalation' });
    const manage = createManagementHandler(keycard, {
      basePath: '/api/tokens',
      managementScope: 'manage',
      authorize: () => null,
    });
    const res = await manage(
      new Request('http://app.test/api/tokens/tokens', {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({ label: 'from oauth', scopes: ['read'] }),
      }),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const all = (await keycard.list({ ownerId: 'alice', limit: 500 })).records;
    expect(all.map((t) => [t.label, t.createdBy])).toEqual([['cron', null]]);
    await keycard.close();
  });
});
