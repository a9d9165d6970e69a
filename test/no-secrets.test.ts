import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { createKeycard, memoryAuditSink, memoryTokenStore, type AuditSink, type TokenStore } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';

describe('audit delivery never blocks or fails a request', () => {
  it('with a sink that throws and one that never resolves, every call resolves and onError fires', async () => {
    const onError = vi.fn();
    const healthy = memoryAuditSink();
    const throwing: AuditSink = {
      write: () => {
        throw new Error('disk full');
      },
    };
    const hanging: AuditSink = { write: () => new Promise<void>(() => {}) };
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      audit: [throwing, hanging, healthy],
      auditTimeoutMs: 50,
      onError,
    });
    const { token, record } = await kc.issue({ ownerId: 'u', label: 'x' });
    for (let i = 0; i < 20; i++) {
      expect((await kc.verify(token)).ok).toBe(true);
      expect(
        (await kc.authenticate({ method: 'GET', url: '/t', headers: { authorization: `Bearer ${token}` } })).ok,
      ).toBe(true);
    }
    await kc.revoke(record.id);
    await kc.close();
    expect(onError).toHaveBeenCalled();
    expect(healthy.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['token.issued', 'request.allowed', 'token.revoked']),
    );
  });
});

describe('no secret and no hash anywhere', () => {
  it('across issue, verify, authenticate, rotate, update, revoke, errors and listings', async () => {
    const clock = fakeClock();
    const sink = memoryAuditSink();
    const lines: string[] = [];
    const errors: unknown[] = [];
    const store: TokenStore = memoryTokenStore();
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      store,
      clock,
      resources: ['company', 'project'],
      audit: [sink, { write: (e) => void lines.push(JSON.stringify(e)) }],
      onError: (e) => errors.push(e),
      peppers: [{ version: 1, secret: 'p'.repeat(40) }],
      allowQueryToken: true,
    });
    const secrets: string[] = [];
    const seen: unknown[] = [];
    const attempt = async (f: () => Promise<unknown>) => {
      try {
        seen.push(await f());
      } catch (e) {
        errors.push(e);
      }
    };

    const a = await kc.issue({
      ownerId: 'u1',
      label: 'agent',
      scopes: ['comments'],
      restrictions: { company: ['c1'] },
    });
    const b = await kc.issue({ ownerId: 'u1', label: 'ci', kind: 'workspace', workspaceId: 'w1', expiresIn: 1000 });
    secrets.push(a.token, b.token);
    seen.push(a.record, b.record);
    for (const t of [a.token, b.token]) {
      await attempt(() => kc.verify(t));
      await attempt(() =>
        kc.authenticate({ method: 'POST', url: `/x?access_token=${t}`, headers: {} }, { scope: 'tickets:write' }),
      );
      await attempt(() =>
        kc.authenticate(
          { method: 'GET', url: `/c/c2?token=${t}`, headers: { authorization: `Bearer ${t}` } },
          { resource: { path: { company: 'c2' } } },
        ),
      );
      await attempt(() =>
        kc.authenticate({ method: 'GET', url: '/x', headers: { authorization: `Bearer ${t}, ${t}` } }),
      );
    }
    const v = await kc.verify(a.token);
    if (v.ok) {
      seen.push(v.identity);
      try {
        v.identity.assert({ company: 'c9' }, 'write');
      } catch (e) {
        errors.push(e);
      }
      await attempt(() =>
        kc.issue({
          ownerId: 'u1',
          label: a.token,
          scopes: ['tickets:write'],
          actor: { kind: 'token', identity: v.identity },
        }),
      );
    }
    const c = await kc.rotate(a.record.id, { graceMs: 10 });
    secrets.push(c.token);
    seen.push(c.record);
    await attempt(() => kc.update(c.record.id, { label: 'renamed', scopes: ['tickets:write'] }));
    await attempt(() => kc.update(c.record.id, { label: 'renamed', scopes: ['read'] }));
    await attempt(() => kc.rotate(b.record.id, { graceMs: -1 }));
    clock.advance(2000);
    await attempt(() => kc.verify(b.token));
    await attempt(() => kc.rotate(b.record.id));
    await attempt(() => kc.revoke(c.record.id, { reason: `leaked ${c.token}` }));
    await attempt(() => kc.revokeAll({ ownerId: 'u1' }));
    await attempt(() => kc.list({ ownerId: 'u1' }));
    await attempt(() => kc.list({ limit: 9999 }));
    await attempt(() => kc.get(a.record.id));
    await kc.close();

    const hashes: string[] = [];
    for (const id of [a.record.id, b.record.id, c.record.id]) hashes.push((await store.get(id))!.hash);
    const haystack = [
      ...sink.events.map((e) => JSON.stringify(e)),
      ...lines,
      ...errors.flatMap((e) =>
        e instanceof Error
          ? [
              e.message,
              String(e.stack),
              inspect(e, { depth: 5 }),
              String((e.cause as Error | undefined)?.message ?? ''),
            ]
          : [inspect(e)],
      ),
      ...seen.flatMap((x) => [JSON.stringify(x), inspect(x, { depth: 6, showHidden: true })]),
    ].join('\n');
    expect(sink.events.length).toBeGreaterThan(5);
    expect(errors.length).toBeGreaterThan(3);
    for (const s of [...secrets, ...hashes]) expect(haystack).not.toContain(s);
    for (const s of secrets) expect(haystack).not.toContain(s.slice(9, 41)); // not even the body
  });
});
