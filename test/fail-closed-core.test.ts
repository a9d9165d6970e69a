/**
 * Issue 11, items 4, 5, 6 and 11: owner-resolver answers of the wrong shape answer 503, never a
 * wider token; a token actor can neither raise its own rate limit nor mint a child above it; the
 * Identity handed to a request cannot be changed by it. (Item 5's actor shapes are rows of
 * test/bad-input.test.ts; the explicit checks here show they are no longer the system actor.)
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, KeycardError, type Identity, type OwnerStatus } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';

const req = (token: string, method = 'GET') => ({
  method,
  url: 'https://api.example.com/tickets',
  headers: { authorization: `Bearer ${token}` },
});
const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof KeycardError ? e.code : `${(e as Error).name}: ${(e as Error).message}`;
  }
};

describe('owner resolver answers are validated (item 4)', () => {
  const BAD: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ["'active'", 'active'],
    ['{}', {}],
    ['[]', []],
    ["status 'Active'", { status: 'Active' }],
    ['scopes null', { status: 'active', scopes: null }],
    ["scopes ''", { status: 'active', scopes: '' }],
    ['scopes 0', { status: 'active', scopes: 0 }],
    ["scopes 'read'", { status: 'active', scopes: 'read' }],
    ['scopes [1]', { status: 'active', scopes: [1] }],
    ['scopes a Set', { status: 'active', scopes: new Set(['read']) }],
    ['a thenable of null', Promise.resolve(null)],
  ];
  for (const [what, answer] of BAD) {
    it(`an answer of ${what} ⇒ verify() unavailable, authenticate() 503, rotate() unavailable — never the unbounded token`, async () => {
      const kc = createKeycard({
        prefix: 'acme',
        scopes: toadoScopes(),
        resolveOwner: () => answer as OwnerStatus,
        onError: () => {},
        onWarning: () => {},
      });
      const { token, record } = await kc.issue({ ownerId: 'u1', label: 't', scopes: ['tickets:write'] });
      expect(await kc.verify(token)).toEqual({ ok: false, code: 'unavailable' });
      const r = await kc.authenticate(req(token, 'POST'), { scope: 'tickets:write' });
      expect(r.ok).toBe(false);
      expect(!r.ok && !r.skip && r.status).toBe(503);
      expect(await codeOf(kc.rotate(record.id))).toBe('unavailable');
      await kc.close();
    });
  }

  it('the documented shapes still work: active with scopes bounds, active without scopes only checks standing, gone and disabled revoke', async () => {
    const answers: Record<string, OwnerStatus> = {
      bounded: { status: 'active', scopes: ['read'] },
      standing: { status: 'active' },
      gone: { status: 'gone' },
      disabled: { status: 'disabled' },
    };
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      resolveOwner: (owner) => answers[owner]!,
      onError: () => {},
      onWarning: () => {},
    });
    const issue = async (ownerId: string) => (await kc.issue({ ownerId, label: 't', scopes: ['tickets:write'] })).token;
    const bounded = await kc.verify(await issue('bounded'));
    expect(bounded.ok && [...bounded.identity.scopes]).toEqual(['read']);
    const standing = await kc.verify(await issue('standing'));
    expect(standing.ok && standing.identity.has('tickets:write')).toBe(true);
    expect(await kc.verify(await issue('gone'))).toEqual({ ok: false, code: 'token_revoked' });
    expect(await kc.verify(await issue('disabled'))).toEqual({ ok: false, code: 'token_revoked' });
    await kc.close();
  });
});

describe('actors (item 5)', () => {
  it('null, false, 0 and an empty string are not the system actor: revoke, revokeAll and update refuse them and change nothing', async () => {
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), onWarning: () => {} });
    const { record } = await kc.issue({ ownerId: 'u1', label: 't' });
    for (const actor of [null, false, 0, '']) {
      for (const p of [
        kc.revoke(record.id, { actor } as any),
        kc.revokeAll({ ownerId: 'u1' }, { actor } as any),
        kc.update(record.id, { label: 'x' }, { actor } as any),
      ]) {
        const e = await p.catch((x: unknown) => x);
        expect(e).toBeInstanceOf(KeycardError);
        expect((e as KeycardError).code).toBe('invalid_argument');
        expect((e as Error).message).toMatch(/actor/);
      }
    }
    expect(await kc.get(record.id)).toEqual(record);
    await kc.close();
  });
});

describe('rate limits are part of "wider" for token actors (item 6)', () => {
  const setup = async (parentLimit: Parameters<ReturnType<typeof createKeycard>['issue']>[0]['rateLimit']) => {
    const clock = fakeClock();
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), clock, onWarning: () => {} });
    const parent = await kc.issue({
      ownerId: 'u1',
      label: 'agent',
      scopes: ['tickets:write'],
      rateLimit: parentLimit ?? null,
    });
    const v = await kc.verify(parent.token);
    if (!v.ok) throw new Error('parent did not verify');
    return { kc, clock, parent, actor: { kind: 'token' as const, identity: v.identity } };
  };

  it('a child with a limit of 2^31-1 per second is refused; an equal or lower one is allowed', async () => {
    const { kc, actor } = await setup({ limit: 5, window: 1 });
    const child = (rateLimit: { limit: number; window: number }) =>
      kc.issue({ ownerId: 'u1', label: 'child', scopes: ['read'], rateLimit, actor });
    expect(await codeOf(child({ limit: 2 ** 31 - 1, window: 1 }))).toBe('scope_escalation');
    expect(await codeOf(child({ limit: 10, window: 2 }))).toBe('scope_escalation'); // same rate, larger burst
    expect(await codeOf(child({ limit: 5, window: 1 }))).toBe('resolved');
    expect(await codeOf(child({ limit: 3, window: 10 }))).toBe('resolved');
    await kc.close();
  });

  it('against the default limit when the actor has none, and per budget for split limits', async () => {
    const { kc, actor } = await setup(null); // default: 60 per 60 s
    expect(
      await codeOf(
        kc.issue({ ownerId: 'u1', label: 'c', scopes: ['read'], rateLimit: { limit: 100, window: 60 }, actor }),
      ),
    ).toBe('scope_escalation');
    expect(
      await codeOf(
        kc.issue({ ownerId: 'u1', label: 'c', scopes: ['read'], rateLimit: { limit: 30, window: 60 }, actor }),
      ),
    ).toBe('resolved');
    const split = await setup({ read: { limit: 10, window: 1 }, write: { limit: 2, window: 1 } });
    const one = (limit: number) =>
      split.kc.issue({
        ownerId: 'u1',
        label: 'c',
        scopes: ['read'],
        rateLimit: { limit, window: 1 },
        actor: split.actor,
      });
    expect(await codeOf(one(5))).toBe('scope_escalation'); // 5 writes a second > 2
    expect(await codeOf(one(2))).toBe('resolved');
    await kc.close();
    await split.kc.close();
  });

  it('a child minted without a limit inherits the actor’s own', async () => {
    const { kc, actor } = await setup({ limit: 5, window: 60 });
    const { record } = await kc.issue({ ownerId: 'u1', label: 'child', scopes: ['read'], actor });
    expect(record.rateLimit).toEqual({ limit: 5, window: 60 });
    await kc.close();
  });

  it('a token actor cannot raise its own limit through update, nor lift it with null (back to a higher default); it may lower it', async () => {
    const { kc, parent, actor } = await setup({ limit: 5, window: 60 });
    expect(await codeOf(kc.update(parent.record.id, { rateLimit: { limit: 2 ** 31 - 1, window: 1 } }, { actor }))).toBe(
      'scope_escalation',
    );
    expect(await codeOf(kc.update(parent.record.id, { rateLimit: null }, { actor }))).toBe('scope_escalation');
    expect((await kc.get(parent.record.id))?.rateLimit).toEqual({ limit: 5, window: 60 });
    expect(await codeOf(kc.update(parent.record.id, { rateLimit: { limit: 4, window: 60 } }, { actor }))).toBe(
      'resolved',
    );
    await kc.close();
  });

  it('a token actor cannot rotate a token whose limit is above its own', async () => {
    const { kc, actor } = await setup({ limit: 5, window: 60 });
    const fast = await kc.issue({
      ownerId: 'u1',
      label: 'fast',
      scopes: ['read'],
      rateLimit: { limit: 1000, window: 1 },
    });
    expect(await codeOf(kc.rotate(fast.record.id, { actor }))).toBe('scope_escalation');
    await kc.close();
  });

  it('5 children minted without a limit by a token held at 5 per minute are each held at 5 (each is charged to its own budget)', async () => {
    const { kc, actor } = await setup({ limit: 5, window: 60 });
    let admitted = 0;
    for (let c = 0; c < 5; c++) {
      const child = await kc.issue({ ownerId: 'u1', label: `child ${c}`, scopes: ['read'], actor });
      for (let i = 0; i < 10; i++) if ((await kc.authenticate(req(child.token), { scope: 'read' })).ok) admitted++;
    }
    expect(admitted).toBe(25);
    await kc.close();
  });
});

describe('the Identity a request gets is immutable (item 11)', () => {
  it('mutating scopes, grantedScopes, metadata, restrictions or the identity itself fails and never reaches the next request', async () => {
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      resources: ['company', 'project'],
      onWarning: () => {},
    });
    const { token } = await kc.issue({
      ownerId: 'u1',
      label: 't',
      scopes: ['read'],
      metadata: { team: 'a', tags: ['x'] },
      restrictions: { company: ['c1'] },
    });
    const first = await kc.verify(token);
    if (!first.ok) throw new Error('did not verify');
    const id = first.identity as Identity & Record<string, unknown>;

    const attempts: (() => unknown)[] = [
      () => (id.scopes as any).add('tickets:write'),
      () => (id.scopes as any).clear(),
      () => (id.grantedScopes as any).push('tickets:write'),
      () => ((id.metadata as any).team = 'admin'),
      () => (id.metadata as any).tags.push('y'),
      () => (id.restrictions as any).company.push('c2'),
      () => ((id.restrictions as any).project = ['p']),
      () => ((id as any).scopes = new Set(['tickets:write'])),
      () => ((id as any).ownerId = 'root'),
    ];

    for (const attempt of attempts) expect(attempt).toThrow(TypeError);
    const second = await kc.verify(token);
    if (!second.ok) throw new Error('did not verify');
    expect([...second.identity.scopes]).toEqual(['read']);
    expect(second.identity.grantedScopes).toEqual(['read']);
    expect(second.identity.metadata).toEqual({ team: 'a', tags: ['x'] });
    expect(second.identity.restrictions).toEqual({ company: ['c1'] });
    expect(second.identity.ownerId).toBe('u1');
    expect((await kc.authenticate(req(token, 'POST'), { scope: 'tickets:write' })).ok).toBe(false);
    // Still a ReadonlySet to read from.
    expect(second.identity.scopes.has('read')).toBe(true);
    expect(second.identity.scopes.size).toBe(1);
    expect(JSON.parse(JSON.stringify(second.identity)).scopes).toEqual(['read']);
    await kc.close();
  });
});
