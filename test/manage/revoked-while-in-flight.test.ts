/**
 * A management token revoked while its own PATCH, revoke or revoke-all is in flight: two requests
 * at once through one handler, the second (a person's session) revoking the first's bearer token
 * after the first was authenticated and before its write reached the store (a gate in the store
 * holds that write; no timers). Decided, not a defect (docs/management.md › A token revoked
 * mid-request): SPEC §1 makes a revoked token fail on every request that arrives after the
 * revocation, and §11 bounds a token actor by itself; neither asks a request authenticated before
 * it to re-check its authority at its write. These three writes can only narrow (a label, metadata,
 * scopes only narrower, an earlier expiry, a revocation) and leave nothing that outlives the token,
 * so the write lands, audited with the revoked token as its actor. `issue` and `rotate`, whose new
 * secret would outlive it, re-read their actor and refuse (docs/lifecycle.md), pinned here too.
 * On the memory store and on PGlite (the Postgres store's SQL).
 */
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { memoryTokenStore, type TokenStore } from '../../src/index.ts';
import { fromPglite, migrate, postgresTokenStore } from '../../src/stores/postgres.ts';
import { setup } from './fixture.ts';

/** `inner` whose writes to `held` ids wait at a gate until `open()` (the first one reached signals `reached`). */
function gated(inner: TokenStore) {
  const held = new Set<string>();
  let reached!: () => void;
  const arrived = new Promise<void>((r) => (reached = r));
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const wait = async (hit: boolean) => {
    if (!hit) return;
    reached();
    await gate;
  };
  const store: TokenStore = Object.assign(Object.create(inner) as TokenStore, {
    update: async (id: string, patch: never, v: number) => (await wait(held.has(id)), inner.update(id, patch, v)),
    revoke: async (id: string, at: number, reason: string | null) => (
      await wait(held.has(id)),
      inner.revoke(id, at, reason)
    ),
    revokeAll: async (f: { ownerId?: string }, at: number, reason: string | null) => (
      await wait(held.has(`owner:${f.ownerId}`)),
      inner.revokeAll(f as never, at, reason)
    ),
    create: async (t: Parameters<TokenStore['create']>[0]) => (await wait(held.has('create')), inner.create(t)),
    revokeAllIfCount: undefined,
  });
  return { store, held, arrived, open };
}

const backends: [string, () => Promise<TokenStore>][] = [
  ['memory', async () => memoryTokenStore()],
  [
    'PGlite',
    async () => {
      const port = fromPglite(new PGlite());
      await migrate(port);
      return postgresTokenStore(port, { notifications: 'poll', onError: () => {} });
    },
  ],
];

describe.each(backends)('a management token revoked while its request is in flight (%s)', (_name, open) => {
  async function race(kind: 'update' | 'revoke' | 'revokeAll' | 'create') {
    const g = gated(await open());
    const w = setup({}, g.store);
    const bot = await w.keycard.issue({ ownerId: 'bob', label: 'bob bot', scopes: ['manage', 'read'] });
    const target = (await w.keycard.issue({ ownerId: 'bob', label: 'ci', scopes: ['read'] })).record;
    g.held.add(kind === 'revokeAll' ? 'owner:bob' : kind === 'create' ? 'create' : target.id);
    const as = { as: null, origin: null, bearer: bot.token };
    const first =
      kind === 'create'
        ? w.call('POST', '/tokens', { ...as, body: { label: 'child', scopes: ['read'] } })
        : kind === 'update'
          ? w.call('PATCH', `/tokens/${target.id}`, { ...as, body: { label: 'renamed' } })
          : kind === 'revoke'
            ? w.call('POST', `/tokens/${target.id}/revoke`, { ...as, body: {} })
            : w.call('POST', '/tokens/revoke-all', { ...as, body: { target: { ownerId: 'bob' }, reason: 'x' } });
    await g.arrived; // authenticated, visible, its write waiting at the store
    expect((await w.call('POST', `/tokens/${bot.record.id}/revoke`, { as: 'bob', body: {} })).status).toBe(200);
    const after = await w.call('GET', `/tokens/${target.id}`, { as: null, origin: null, bearer: bot.token });
    g.open();
    const res = await first;
    const events = w.sink.events.filter((e) => e.type === `token.${kind === 'update' ? 'updated' : 'revoked'}`);
    const record = await w.keycard.get(target.id);
    const child = (await w.keycard.list({ ownerId: 'bob', status: 'all' })).records.find((t) => t.label === 'child');
    await w.keycard.close();
    return {
      child,
      code: ((await res.json()) as { code?: string }).code,
      status: res.status,
      after: after.status,
      record,
      events,
      bot: bot.record.id,
    };
  }

  it('PATCH lands, audited as the revoked token; a request arriving after the revocation is 401', async () => {
    const r = await race('update');
    expect([r.status, r.after, r.record?.label]).toEqual([200, 401, 'renamed']);
    expect(r.events.at(-1)).toMatchObject({ tokenId: r.record!.id, actor: { kind: 'token', id: r.bot } });
  });

  it('a revoke lands (a revocation only narrows)', async () => {
    const r = await race('revoke');
    expect([r.status, r.after, r.record?.revokedAt !== null]).toEqual([200, 401, true]);
  });

  it('a revoke-all lands', async () => {
    const r = await race('revokeAll');
    expect([r.status, r.after, r.record?.revokedAt !== null]).toEqual([200, 401, true]);
  });

  it('POST /tokens does not: the child is stored revoked and the answer is 409 conflict', async () => {
    const r = await race('create');
    expect([r.status, r.code, r.after, r.child?.revokedAt != null]).toEqual([409, 'conflict', 401, true]);
  });
});
