/** Regression tests for the findings of the independent review (each failed before its fix). */
import { describe, expect, it, vi } from 'vitest';
import {
  createKeycard,
  memoryAuditSink,
  memoryTokenStore,
  type RequestAuditEvent,
  type StoredToken,
  type TokenStore,
} from '../src/index.ts';
import { generateToken } from '../src/store-kit.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';

const base = () => ({ prefix: 'acme', scopes: toadoScopes(), onWarning: () => {}, onError: () => {} });
const req = (token: string, url = '/x', method = 'GET') => ({
  method,
  url,
  headers: { authorization: `Bearer ${token}` },
});

describe('review fixes', () => {
  it('a later check naming another workspace re-derives the owner bound (no escape through stacked guards)', async () => {
    const kc = createKeycard({
      ...base(),
      resolveOwner: (_p, ws) => ({ status: 'active', scopes: ws === 'w1' ? ['tickets:write'] : ['read'] }),
    });
    const { token } = await kc.issue({ ownerId: 'u1', label: 'x', scopes: ['tickets:write'] });
    const request = req(token, '/x', 'POST');
    expect((await kc.authenticate(request, {})).ok).toBe(true);
    const second = await kc.authenticate(request, { workspaceId: 'w2', scope: 'tickets:write' });
    expect(second.ok === false && !second.skip && second.code).toBe('insufficient_scope');
    expect((await kc.authenticate(request, { workspaceId: 'w1', scope: 'tickets:write' })).ok).toBe(true);
  });

  it('a store answering with a thenable that never settles is still bounded by storeTimeoutMs', async () => {
    const inner = memoryTokenStore();
    const store: TokenStore = {
      ...inner,
      create: inner.create,
      findByHash: () => ({ then() {} }) as unknown as Promise<StoredToken | null>,
    };
    const kc = createKeycard({ ...base(), store, storeTimeoutMs: 30, cacheSize: 0 });
    expect(await kc.verify(generateToken({ prefix: 'acme' }))).toEqual({ ok: false, code: 'unavailable' });
  });

  it('concurrent verifications during a pepper rotation never cache a real token as unknown', async () => {
    const inner = memoryTokenStore();
    const slow: TokenStore = new Proxy(inner, {
      get: (t, p) => {
        const v = Reflect.get(t, p) as unknown;
        if (typeof v !== 'function') return v;
        return async (...a: unknown[]) => {
          await new Promise((r) => setTimeout(r, 3));
          return (v as (...x: unknown[]) => unknown).apply(t, a);
        };
      },
    });
    const v1 = { version: 1, secret: 'one'.repeat(11) };
    const v2 = { version: 2, secret: 'two'.repeat(11) };
    const { token } = await createKeycard({ ...base(), store: inner, peppers: [v1] }).issue({
      ownerId: 'u',
      label: 'x',
    });
    const kc = createKeycard({ ...base(), store: slow, peppers: [v2, v1], cacheSize: 0 });
    const results = await Promise.all(Array.from({ length: 8 }, () => kc.verify(token)));
    expect(results.every((r) => r.ok)).toBe(true);
    await kc.close();
    for (let i = 0; i < 3; i++) expect((await kc.verify(token)).ok).toBe(true);
  });

  it('a rotation racing a revoke leaves no live successor', async () => {
    const inner = memoryTokenStore();
    let revokeDuringRotate: (() => Promise<unknown>) | null = null;
    const store: TokenStore = {
      ...inner,
      get: (id) => inner.get(id),
      create: async (t) => {
        await revokeDuringRotate?.();
        return inner.create(t);
      },
    };
    const kc = createKeycard({ ...base(), store });
    const old = await kc.issue({ ownerId: 'leaver', label: 'x' });
    revokeDuringRotate = async () => {
      revokeDuringRotate = null;
      await kc.revokeAll({ ownerId: 'leaver' });
    };
    await expect(kc.rotate(old.record.id)).rejects.toMatchObject({ code: 'token_revoked' });
    const all = await kc.list({ ownerId: 'leaver', status: 'active' });
    expect(all.records).toEqual([]);
  });

  it('a token actor may not mint for another owner, workspace or kind, nor outlive itself', async () => {
    const clock = fakeClock();
    const kc = createKeycard({ ...base(), clock });
    const parent = await kc.issue({ ownerId: 'u1', label: 'p', scopes: ['tickets:write'], expiresIn: 60_000 });
    const v = await kc.verify(parent.token);
    if (!v.ok) throw new Error('expected ok');
    const actor = { kind: 'token' as const, identity: v.identity };
    await expect(kc.issue({ ownerId: 'u2', label: 'c', scopes: ['read'], actor })).rejects.toMatchObject({
      code: 'scope_escalation',
    });
    await expect(
      kc.issue({ ownerId: 'u1', label: 'c', scopes: ['read'], kind: 'workspace', workspaceId: 'w2', actor }),
    ).rejects.toMatchObject({ code: 'scope_escalation' });
    await expect(
      kc.issue({ ownerId: 'u1', label: 'c', scopes: ['read'], expiresIn: 'never', actor }),
    ).rejects.toMatchObject({ code: 'scope_escalation' });
    const child = await kc.issue({ ownerId: 'u1', label: 'c', scopes: ['read'], actor });
    expect(child.record.expiresAt).toBe(parent.record.expiresAt);
  });

  it('a lagging store read never overrides a revocation this process already holds', async () => {
    const clock = fakeClock();
    const inner = memoryTokenStore();
    let stale: StoredToken | null = null;
    const store: TokenStore = {
      ...inner,
      shared: false,
      findByHash: (h) => stale ?? inner.findByHash(h),
      revoke: (...a) => inner.revoke(...a),
      create: (t) => inner.create(t),
    };
    delete (store as { subscribe?: unknown }).subscribe; // no notifications: entries trusted for revocationBoundMs
    const kc = createKeycard({ ...base(), store, clock, revocationBoundMs: 1000 });
    const { token, record } = await kc.issue({ ownerId: 'u', label: 'x' });
    stale = (await inner.get(record.id))!;
    expect((await kc.verify(token)).ok).toBe(true);
    await kc.revoke(record.id);
    stale = null;
    expect((await kc.verify(token)).ok).toBe(false); // the revoked record is now cached
    stale = (await inner.get(record.id)) && { ...(await inner.get(record.id))!, revokedAt: null, version: 1 };
    clock.advance(1000); // trust expired: the store is read, and lags
    expect(await kc.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
  });

  it('onForeignToken next passes a long foreign JWT on; our own tokens keep the size limit', async () => {
    const kc = createKeycard({ ...base(), onForeignToken: 'next' });
    const jwt = `eyJ${'a'.repeat(1500)}.eyJ${'b'.repeat(100)}.sig`;
    expect(await kc.authenticate(req(jwt))).toEqual({ ok: false, skip: 'foreign_token' });
    const r = await kc.authenticate(req(`acme_sk_${'a'.repeat(1100)}`));
    expect(r.ok === false && !r.skip && r.code).toBe('invalid_request');
  });

  it('a resource path the hierarchy cannot read fails closed with 403 and is reported, not 503', async () => {
    const onError = vi.fn();
    const kc = createKeycard({ ...base(), onError, resources: ['company', 'project'] });
    const { token } = await kc.issue({ ownerId: 'u', label: 'x', restrictions: { company: ['c1'] } });
    const r = await kc.authenticate(req(token), { resource: { path: { company: '' } } });
    expect(r.ok === false && !r.skip && r.status).toBe(403);
    expect(onError).toHaveBeenCalled();
  });

  it('denials of a revoked token name it in audit, are coalesced, and onAuthFailure and details never echo a token', async () => {
    const sink = memoryAuditSink();
    const onAuthFailure = vi.fn();
    // A clock that stands still: the 100 denials fall in one coalescing second however slow the machine.
    const kc = createKeycard({
      ...base(),
      clock: fakeClock(),
      audit: sink,
      onAuthFailure,
      resources: ['company', 'project'],
    });
    const { token, record } = await kc.issue({ ownerId: 'u', label: 'leaky', restrictions: { company: ['c1'] } });
    const other = await kc.issue({ ownerId: 'u', label: 'other', restrictions: { company: ['c1'] } });
    const denied = await kc.authenticate(req(other.token, `/companies/${token}`), {
      resource: { path: { company: token } },
    });
    expect(denied.ok === false && !denied.skip && denied.body).not.toContain(token);
    await kc.revoke(record.id);
    for (let i = 0; i < 100; i++) await kc.authenticate(req(token, `/p/${token}`));
    await kc.close();
    const revoked = sink.events.filter(
      (e): e is RequestAuditEvent => e.type === 'request.denied' && e.reason === 'token_revoked',
    );
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ tokenId: record.id, label: 'leaky', count: 100 });
    expect(JSON.stringify(onAuthFailure.mock.calls)).not.toContain(token);
  });

  it('token.revokedAll fires once per call; metadata keeps hex digests but not tokens', async () => {
    const kc = createKeycard(base());
    const seen = vi.fn();
    kc.on('token.revokedAll', seen);
    await kc.issue({ ownerId: 'u', label: 'x' });
    await kc.revokeAll({ ownerId: 'u' });
    expect(seen).toHaveBeenCalledTimes(1);
    const digest = 'a'.repeat(64);
    const t = generateToken({ prefix: 'acme' });
    const { record } = await kc.issue({ ownerId: 'u', label: 'x', metadata: { image: `sha256:${digest}`, pasted: t } });
    expect(record.metadata).toEqual({ image: `sha256:${digest}`, pasted: '[redacted]' });
  });
});
