import { describe, expect, it, vi } from 'vitest';
import { createKeycard, memoryTokenStore, type OwnerStatus } from './index.ts';
import { generateToken } from './store-kit.ts';
import { fakeClock } from './testing/clock.ts';
import { countingStore, toadoScopes } from '../test/helpers.ts';

const base = () => ({ prefix: 'acme', scopes: toadoScopes(), onWarning: () => {} });

describe('issue and verify', () => {
  it('returns the secret once and a record without it', async () => {
    const kc = createKeycard(base());
    const { token, record } = await kc.issue({ ownerId: 'u1', label: 'ci', scopes: ['comments'] });
    expect(token).toMatch(/^acme_sk_1/);
    expect(JSON.stringify(record)).not.toContain(token);
    expect(record).not.toHaveProperty('hash');
    expect(record.start).toBe(`acme_sk_…${token.slice(-4)}`);
    expect(record.version).toBe(1);
    expect(record.familyId).toBe(record.id);
    const r = await kc.verify(token);
    expect(r.ok).toBe(true);
    if (r.ok) expect([...r.identity.scopes].sort()).toEqual(['comments', 'read']);
    await kc.close();
  });

  it('uses the default scopes and validates input', async () => {
    const kc = createKeycard(base());
    const { record } = await kc.issue({ ownerId: 'u1', label: 'ci' });
    expect(record.scopes).toEqual(['read']);
    await expect(kc.issue({ ownerId: 'u1', label: 'ci', scopes: ['nope' as 'read'] })).rejects.toThrow(
      'unknown scope "nope"',
    );
    await expect(kc.issue({ ownerId: '', label: 'ci' })).rejects.toThrow('ownerId');
    await expect(kc.issue({ ownerId: 'u', label: 'ci', kind: 'workspace' })).rejects.toThrow('workspaceId');
    await expect(kc.issue({ ownerId: 'u', label: 'ci', expiresAt: 1 })).rejects.toThrow('future');
  });

  it('applies the expiry presets with the app clock; valid iff now < expiresAt', async () => {
    const clock = fakeClock();
    const kc = createKeycard({ ...base(), clock });
    const t0 = clock.now();
    const day = 86_400_000;
    for (const [preset, days] of [
      ['30d', 30],
      ['90d', 90],
      ['365d', 365],
    ] as const) {
      const { record } = await kc.issue({ ownerId: 'u', label: preset, expiresIn: preset });
      expect(record.expiresAt).toBe(t0 + days * day);
    }
    expect((await kc.issue({ ownerId: 'u', label: 'n', expiresIn: 'never' })).record.expiresAt).toBeNull();
    const { token } = await kc.issue({ ownerId: 'u', label: 'short', expiresIn: 1000 });
    clock.advance(999);
    expect((await kc.verify(token)).ok).toBe(true);
    clock.advance(1);
    expect(await kc.verify(token)).toEqual({ ok: false, code: 'token_expired' });
  });

  it('names the bad option at construction', () => {
    expect(() => createKeycard({ ...base(), prefix: 'A' })).toThrow(/createKeycard: prefix/);
    expect(() => createKeycard({ ...base(), storeTimeoutMs: -1 })).toThrow(/createKeycard: storeTimeoutMs/);
    expect(() => createKeycard({ ...base(), scopes: {} as never })).toThrow(/createKeycard: scopes/);
    expect(() => createKeycard({ ...base(), rateLimit: { limit: 0, window: 60 } })).toThrow(/rateLimit\.limit/);
  });

  it('refuses an unknown option (a misspelled security bound) and names every bad field at once', () => {
    const call = () => createKeycard({ ...base(), revocationBoundMS: 10, storeTimeoutMs: -1 } as never);
    expect(call).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(call).toThrow(/revocationBoundMS: unknown option/);
    expect(call).toThrow(/storeTimeoutMs/);
  });
});

describe('counting store', () => {
  it('makes no store call for a malformed token', async () => {
    const { store, counts } = countingStore();
    const kc = createKeycard({ ...base(), store });
    const valid = generateToken({ prefix: 'acme' });
    const badChecksum = valid.slice(0, -1) + (valid.endsWith('0') ? '1' : '0');
    for (const bad of ['', 'acme_sk_1', 'x'.repeat(47), generateToken({ prefix: 'other' }), badChecksum]) {
      expect((await kc.verify(bad)).ok).toBe(false);
    }
    const good = generateToken({ prefix: 'acme' });
    const typo = good.slice(0, 12) + (good[12] === 'a' ? 'b' : 'a') + good.slice(13);
    expect(await kc.verify(typo)).toEqual({ ok: false, code: 'invalid_token' });
    expect(counts.findByHash ?? 0).toBe(0);
    expect(counts.get ?? 0).toBe(0);
  });

  it('looks up 1,000 forged tokens sent 10 times at most 1,000 times', async () => {
    const { store, counts } = countingStore();
    const kc = createKeycard({ ...base(), store });
    const forged = Array.from({ length: 1000 }, () => generateToken({ prefix: 'acme' }));
    for (let round = 0; round < 10; round++) for (const f of forged) expect((await kc.verify(f)).ok).toBe(false);
    expect(counts.findByHash).toBeLessThanOrEqual(1000);
    expect(counts.findByHash).toBeGreaterThan(0);
  });

  it('writes lastUsedAt at most once for 1,000 verifications inside one throttle interval', async () => {
    const clock = fakeClock();
    const { store, counts } = countingStore();
    const kc = createKeycard({ ...base(), store, clock, touchIntervalMs: 60_000 });
    const { token, record } = await kc.issue({ ownerId: 'u', label: 'ci' });
    for (let i = 0; i < 1000; i++) {
      expect((await kc.verify(token)).ok).toBe(true);
      clock.advance(59);
    }
    await kc.close();
    expect(counts.touch).toBe(1);
    expect((await store.get(record.id))!.lastUsedAt).toBe(record.createdAt);
  });

  it('writes lastUsedAt again after the interval', async () => {
    const clock = fakeClock();
    const { store, counts } = countingStore();
    const kc = createKeycard({ ...base(), store, clock, touchIntervalMs: 1000 });
    const { token } = await kc.issue({ ownerId: 'u', label: 'ci' });
    await kc.verify(token);
    clock.advance(1000);
    await kc.verify(token);
    await kc.close();
    expect(counts.touch).toBe(2);
  });
});

describe('revoke', () => {
  it('fails at once in this process and in another sharing the store, with the cache warm', async () => {
    const store = memoryTokenStore();
    const a = createKeycard({ ...base(), store });
    const b = createKeycard({ ...base(), store });
    const { token, record } = await a.issue({ ownerId: 'u', label: 'ci' });
    expect((await a.verify(token)).ok).toBe(true);
    expect((await b.verify(token)).ok).toBe(true);
    const seen = vi.fn();
    b.on('token.revoked', seen);
    const revoked = await a.revoke(record.id, {
      reason: 'leaked',
      actor: { kind: 'user', id: 'admin', scopes: ['read'] },
    });
    expect(revoked.revokedReason).toBe('leaked');
    expect(await a.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
    expect(await b.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
    expect(seen).toHaveBeenCalledWith(expect.objectContaining({ tokenId: record.id }));
    const again = await a.revoke(record.id, { reason: 'other' });
    expect(again.revokedAt).toBe(revoked.revokedAt);
    expect(again.revokedReason).toBe('leaked');
    await expect(a.revoke('tok_unknown')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('revokeAll ends an owner’s personal tokens, not the workspace tokens they created', async () => {
    const kc = createKeycard(base());
    const p1 = await kc.issue({ ownerId: 'u1', label: 'p1' });
    const p2 = await kc.issue({ ownerId: 'u1', label: 'p2' });
    const w = await kc.issue({ ownerId: 'u1', label: 'w', kind: 'workspace', workspaceId: 'w1' });
    const other = await kc.issue({ ownerId: 'u2', label: 'o' });
    for (const t of [p1, p2, w, other]) await kc.verify(t.token);
    expect(await kc.revokeAll({ ownerId: 'u1' })).toEqual({ count: 2 });
    expect((await kc.verify(p1.token)).ok).toBe(false);
    expect((await kc.verify(p2.token)).ok).toBe(false);
    expect((await kc.verify(w.token)).ok).toBe(true);
    expect((await kc.verify(other.token)).ok).toBe(true);
    expect(await kc.revokeAll({ workspaceId: 'w1' })).toEqual({ count: 1 });
    expect((await kc.verify(w.token)).ok).toBe(false);
  });
});

describe('owner bound', () => {
  it('a gone owner’s personal token is revoked while their workspace token still verifies', async () => {
    const owners = new Map<string, OwnerStatus>([
      ['u1', { status: 'active' }],
      ['w1', { status: 'active' }],
    ]);
    const kc = createKeycard({ ...base(), resolveOwner: (p) => owners.get(p) ?? { status: 'gone' }, ownerCacheMs: 0 });
    const personal = await kc.issue({ ownerId: 'u1', label: 'mine' });
    const shared = await kc.issue({ ownerId: 'u1', label: 'ci', kind: 'workspace', workspaceId: 'w1' });
    expect((await kc.verify(personal.token)).ok).toBe(true);
    owners.set('u1', { status: 'gone' });
    expect(await kc.verify(personal.token)).toEqual({ ok: false, code: 'token_revoked' });
    expect((await kc.verify(shared.token)).ok).toBe(true);
    owners.set('w1', { status: 'disabled' });
    expect(await kc.verify(shared.token)).toEqual({ ok: false, code: 'token_revoked' });
  });

  it('bounds a personal token by the owner’s scopes in the named workspace', async () => {
    const kc = createKeycard({
      ...base(),
      resolveOwner: (_p, ws) =>
        ws === 'w2' ? { status: 'active', scopes: ['read'] } : { status: 'active', scopes: ['tickets:write'] },
    });
    const { token } = await kc.issue({ ownerId: 'u1', label: 'mine', scopes: ['tickets:write'] });
    const inW1 = await kc.verify(token, { workspaceId: 'w1' });
    const inW2 = await kc.verify(token, { workspaceId: 'w2' });
    expect(inW1.ok && [...inW1.identity.scopes].sort()).toEqual(['comments', 'read', 'tickets:write']);
    expect(inW2.ok && [...inW2.identity.scopes]).toEqual(['read']);
  });

  it('a resolver that throws gives unavailable', async () => {
    const kc = createKeycard({
      ...base(),
      resolveOwner: () => {
        throw new Error('directory down');
      },
      onError: () => {},
    });
    const { token } = await kc.issue({ ownerId: 'u1', label: 'mine' });
    expect(await kc.verify(token)).toEqual({ ok: false, code: 'unavailable' });
  });

  it('invalidateOwner() takes effect on the next verify, across instances', async () => {
    let status: OwnerStatus = { status: 'active' };
    const store = memoryTokenStore();
    const opts = { ...base(), store, resolveOwner: () => status, ownerCacheMs: 3_600_000 };
    const a = createKeycard(opts);
    const b = createKeycard(opts);
    const { token } = await a.issue({ ownerId: 'u1', label: 'mine' });
    expect((await a.verify(token)).ok).toBe(true);
    expect((await b.verify(token)).ok).toBe(true);
    status = { status: 'disabled' };
    expect((await a.verify(token)).ok).toBe(true); // still cached for an hour
    await a.invalidateOwner('u1');
    expect(await a.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
    expect(await b.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
  });
});

describe('rotate', () => {
  it('keeps the old token until the grace ends and refuses it 1 ms after', async () => {
    const clock = fakeClock();
    const kc = createKeycard({ ...base(), clock });
    const old = await kc.issue({
      ownerId: 'u',
      label: 'deploy',
      scopes: ['comments'],
      expiresIn: '90d',
      metadata: { team: 'ops' },
    });
    clock.advance(10 * 86_400_000);
    const fresh = await kc.rotate(old.record.id, { graceMs: 60_000 });
    expect(fresh.record).toMatchObject({
      label: 'deploy',
      scopes: ['comments'],
      rotatedFromId: old.record.id,
      familyId: old.record.id,
      metadata: { team: 'ops' },
    });
    expect(fresh.record.expiresAt).toBe(clock.now() + 90 * 86_400_000);
    expect((await kc.verify(fresh.token)).ok).toBe(true);
    clock.advance(59_999);
    expect((await kc.verify(old.token)).ok).toBe(true);
    clock.advance(1);
    expect(await kc.verify(old.token)).toEqual({ ok: false, code: 'token_expired' });
    expect((await kc.verify(fresh.token)).ok).toBe(true);
  });

  it('with no grace the old token fails at once; revoked and expired tokens cannot be rotated', async () => {
    const clock = fakeClock();
    const kc = createKeycard({ ...base(), clock });
    const a = await kc.issue({ ownerId: 'u', label: 'a' });
    await kc.verify(a.token);
    await kc.rotate(a.record.id);
    expect(await kc.verify(a.token)).toEqual({ ok: false, code: 'token_expired' });
    const b = await kc.issue({ ownerId: 'u', label: 'b' });
    await kc.revoke(b.record.id);
    await expect(kc.rotate(b.record.id)).rejects.toMatchObject({ code: 'token_revoked' });
    const c = await kc.issue({ ownerId: 'u', label: 'c', expiresIn: 10 });
    clock.advance(10);
    await expect(kc.rotate(c.record.id)).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('refuses to rotate a token whose owner is gone', async () => {
    const kc = createKeycard({ ...base(), resolveOwner: () => ({ status: 'gone' }) });
    const a = await kc.issue({ ownerId: 'u', label: 'a' });
    await expect(kc.rotate(a.record.id)).rejects.toMatchObject({ code: 'token_revoked' });
  });
});

describe('no escalation', () => {
  it('refuses an issue wider than its actor, and a token minting a wider token', async () => {
    const kc = createKeycard({ ...base(), resources: ['company', 'project'] });
    const user = { kind: 'user' as const, id: 'u1', scopes: ['comments'] };
    await expect(kc.issue({ ownerId: 'u1', label: 'x', scopes: ['tickets:write'], actor: user })).rejects.toMatchObject(
      { code: 'scope_escalation' },
    );
    const ok = await kc.issue({
      ownerId: 'u1',
      label: 'x',
      scopes: ['read'],
      actor: user,
      restrictions: { company: ['c1'] },
    });
    const v = await kc.verify(ok.token);
    if (!v.ok) throw new Error('expected ok');
    const asToken = { kind: 'token' as const, identity: v.identity };
    await expect(kc.issue({ ownerId: 'u1', label: 'y', scopes: ['comments'], actor: asToken })).rejects.toMatchObject({
      code: 'scope_escalation',
    });
    await expect(kc.issue({ ownerId: 'u1', label: 'y', scopes: ['read'], actor: asToken })).rejects.toMatchObject({
      code: 'scope_escalation',
    });
    const child = await kc.issue({
      ownerId: 'u1',
      label: 'y',
      scopes: ['read'],
      actor: asToken,
      restrictions: { company: ['c1'], project: ['p1'] },
    });
    expect(child.record.createdBy).toBe(v.identity.tokenId);
  });

  it('refuses an update that widens scopes, restrictions or expiry', async () => {
    const kc = createKeycard({ ...base(), resources: ['company', 'project'] });
    const t = await kc.issue({
      ownerId: 'u',
      label: 'x',
      scopes: ['comments'],
      restrictions: { company: ['c1'] },
      expiresIn: '30d',
    });
    await expect(kc.update(t.record.id, { scopes: ['tickets:write'] })).rejects.toMatchObject({
      code: 'scope_escalation',
    });
    await expect(kc.update(t.record.id, { restrictions: null })).rejects.toMatchObject({ code: 'scope_escalation' });
    await expect(kc.update(t.record.id, { restrictions: { company: ['c1', 'c2'] } })).rejects.toMatchObject({
      code: 'scope_escalation',
    });
    await expect(kc.update(t.record.id, { expiresAt: t.record.expiresAt! + 1 })).rejects.toMatchObject({
      code: 'scope_escalation',
    });
    const narrowed = await kc.update(t.record.id, {
      scopes: ['read'],
      restrictions: { company: ['c1'], project: ['p1'] },
      label: 'y',
      rateLimit: { limit: 5, window: 60 },
    });
    expect(narrowed).toMatchObject({ scopes: ['read'], label: 'y', version: 2, rateLimit: { limit: 5, window: 60 } });
    const v = await kc.verify(t.token);
    expect(v.ok && [...v.identity.scopes]).toEqual(['read']);
  });
});
