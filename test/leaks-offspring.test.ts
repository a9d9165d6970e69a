/**
 * A leaked token's offspring (SPEC §15 "tokens that die when they leak"): whoever held the leaked
 * secret could mint tokens with it (a management token) or rotate it into a successor, and those
 * secrets are theirs too. A report revokes, as leaked, every live token the reported one minted or
 * rotated into (`createdBy` its id), and theirs in turn — whatever the reported token's own state
 * (live, revoked by its owner, ended by its own rotation, expired). A token a person made (the
 * settings page, a user's rotation) is not offspring and stays live. Memory, PGlite, and Redis and a
 * Postgres server when REDIS_URL / DATABASE_URL are set
 * (`bash scripts/with-servers.sh npx vitest run test/leaks-offspring.test.ts`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TokenAuditEvent } from '../src/core/audit.ts';
import {
  createKeycard,
  defineScopes,
  memoryAuditSink,
  type Identity,
  type Keycard,
  type KeycardEvents,
  type TokenStore,
} from '../src/index.ts';
import { fakeClock, type FakeClock } from '../src/testing/clock.ts';
import { BACKENDS } from './store-backends.ts';
import { leakFixture, URL_OF, type LeakFixture } from './leaks-fixture.ts';

const scopes = defineScopes({ read: {}, 'tokens:write': {} }, { defaults: ['read'] });
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

interface World {
  readonly keycard: Keycard;
  readonly clock: FakeClock;
  readonly audit: ReturnType<typeof memoryAuditSink>;
  readonly f: LeakFixture;
  readonly leaked: KeycardEvents['token.leaked'][];
}

async function world(
  open: () => Promise<{ store: TokenStore; close: () => Promise<void> }>,
  wrap = (s: TokenStore) => s,
) {
  const { store, close } = await open();
  const clock = fakeClock();
  const audit = memoryAuditSink();
  const keycard = createKeycard({ prefix: 'acme', scopes, store: wrap(store), clock, audit, onWarning: () => {} });
  closers.push(async () => void (await keycard.close(), await close()));
  const f = await leakFixture({}, keycard, clock);
  const leaked: KeycardEvents['token.leaked'][] = [];
  keycard.on('token.leaked', (e) => void leaked.push(e));
  return { keycard, clock, audit, f, leaked } satisfies World;
}

const identityOf = async (keycard: Keycard, token: string): Promise<Identity> => {
  const v = await keycard.verify(token);
  if (!v.ok) throw new Error(`not live: ${v.code}`);
  return v.identity;
};

/** A token minted by `token` (the management API's token path does exactly this). */
const mint = async (keycard: Keycard, token: string, label: string, expiresIn?: number) =>
  keycard.issue({
    ownerId: 'u1',
    label,
    ...(expiresIn === undefined ? {} : { expiresIn }),
    scopes: ['read', 'tokens:write'],
    actor: { kind: 'token', identity: await identityOf(keycard, token) },
  });

/** A store whose `method` runs, then `then` sees its answer (and may hold it or throw instead). */
const after =
  (method: keyof TokenStore, then: (answer: unknown, args: unknown[]) => Promise<unknown>) =>
  (store: TokenStore): TokenStore =>
    new Proxy(store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== method || typeof v !== 'function') return v;
        return async (...args: unknown[]) => then(await (v as (...a: unknown[]) => unknown).apply(target, args), args);
      },
    });

const report = async (w: World, token: string) => {
  const res = await w.f.handler(await w.f.report(w.f.body([token])));
  expect(res.status).toBe(200);
  return ((await res.json()) as { label: string }[])[0]!.label;
};

describe.each(BACKENDS.map((b) => [b.name, b] as const))('a leaked token’s offspring on %s', (_name, backend) => {
  it('revokes what it minted and what those minted, as leaked; tells the owner; leaves a person’s tokens', async () => {
    const w = await world(backend.open);
    const root = await w.keycard.issue({ ownerId: 'u1', label: 'deployer', scopes: ['read', 'tokens:write'] });
    const child = await mint(w.keycard, root.token, 'job');
    const grandchild = await mint(w.keycard, child.token, 'step');
    const mine = await w.keycard.issue({
      ownerId: 'u1',
      label: 'laptop',
      actor: { kind: 'user', id: 'u1', scopes: ['read'] },
    });
    const other = await w.keycard.issue({ ownerId: 'u2', label: 'someone else' });
    w.audit.clear();

    expect(await report(w, root.token)).toBe('true_positive');

    for (const t of [root, child, grandchild]) {
      expect(await w.keycard.verify(t.token)).toEqual({ ok: false, code: 'token_revoked' });
      expect((await w.keycard.get(t.record.id))?.revokedReason).toBe('leaked');
    }
    for (const t of [mine, other]) expect((await w.keycard.verify(t.token)).ok).toBe(true);
    const revoked = w.audit.events.filter((e): e is TokenAuditEvent => e.type === 'token.revoked');
    expect(revoked.map((e) => e.tokenId).sort()).toEqual([root, child, grandchild].map((t) => t.record.id).sort());
    for (const e of revoked)
      expect(e).toMatchObject({ actor: { kind: 'system', id: 'github' }, reason: 'leaked', leak: { url: URL_OF(0) } });
    const notices = w.f.notices.map((n) => [n.record.id, n.via]);
    expect(notices).toEqual(
      expect.arrayContaining([
        [root.record.id, undefined],
        [child.record.id, root.record.id],
        [grandchild.record.id, root.record.id],
      ]),
    );
    expect(notices).toHaveLength(3);
    expect(w.leaked.map((e) => e.record.id).sort()).toEqual(revoked.map((e) => e.tokenId).sort());
    expect(w.leaked.find((e) => e.record.id === grandchild.record.id)?.via).toBe(root.record.id);

    // A replay changes nothing and tells no one again.
    const before = { audit: w.audit.events.length, notices: w.f.notices.length };
    expect(await report(w, root.token)).toBe('true_positive');
    expect({ audit: w.audit.events.length, notices: w.f.notices.length }).toEqual(before);
  });

  it('follows a rotation the leaked token made of itself, not one its owner made', async () => {
    const w = await world(backend.open);
    const self = await w.keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read', 'tokens:write'] });
    const selfActor = { kind: 'token' as const, identity: await identityOf(w.keycard, self.token) };
    const successor = await w.keycard.rotate(self.record.id, { actor: selfActor }); // grace 0: `self` ends now
    const next = await w.keycard.rotate(successor.record.id, {
      graceMs: 60_000, // `successor` keeps working a minute
      actor: { kind: 'token', identity: await identityOf(w.keycard, successor.token) },
    });
    const byOwner = await w.keycard.issue({ ownerId: 'u1', label: 'cron', scopes: ['read', 'tokens:write'] });
    const ownersSuccessor = await w.keycard.rotate(byOwner.record.id, {
      graceMs: 60_000,
      actor: { kind: 'user', id: 'u1', scopes: ['read', 'tokens:write'] },
    });
    w.clock.advance(1);

    // The reported secret no longer works (its rotation ended it), yet what it made does.
    expect(await report(w, self.token)).toBe('true_positive');
    for (const t of [successor, next])
      expect(await w.keycard.verify(t.token)).toEqual({ ok: false, code: 'token_revoked' });
    expect(w.f.notices.map((n) => n.record.id).sort()).toEqual([successor.record.id, next.record.id].sort());

    expect(await report(w, byOwner.token)).toBe('true_positive');
    expect(await w.keycard.verify(byOwner.token)).toEqual({ ok: false, code: 'token_revoked' });
    expect((await w.keycard.verify(ownersSuccessor.token)).ok).toBe(true);
  });

  it('revokes the offspring of a token its owner revoked earlier, and through a link its owner revoked', async () => {
    const w = await world(backend.open);
    const root = await w.keycard.issue({
      ownerId: 'u1',
      label: 'old',
      scopes: ['read', 'tokens:write'],
      expiresIn: 60_000,
    });
    const child = await mint(w.keycard, root.token, 'job', 60_000);
    const grandchild = await w.keycard.issue({
      ownerId: 'u1',
      label: 'step',
      expiresIn: 30_000,
      actor: { kind: 'token', identity: await identityOf(w.keycard, child.token) },
    });
    await w.keycard.revoke(child.record.id, { reason: 'owner' });
    const second = await w.keycard.issue({ ownerId: 'u1', label: 'other', scopes: ['read', 'tokens:write'] });
    const secondChild = await mint(w.keycard, second.token, 'job 2');
    await w.keycard.revoke(second.record.id, { reason: 'owner' });

    expect(await report(w, second.token)).toBe('true_positive');
    expect((await w.keycard.get(second.record.id))?.revokedReason).toBe('owner'); // kept as it was
    expect((await w.keycard.get(secondChild.record.id))?.revokedReason).toBe('leaked');

    w.clock.advance(20_000); // root and grandchild still live; root expires at 60 s
    expect(await report(w, root.token)).toBe('true_positive');
    expect((await w.keycard.get(child.record.id))?.revokedReason).toBe('owner');
    expect((await w.keycard.get(grandchild.record.id))?.revokedReason).toBe('leaked');
  });
});

describe('a mint racing the leak revocation (memory store)', () => {
  it('a grandchild minted after the scan read its page, by a child not yet revoked, is still revoked', async () => {
    let hook: (() => Promise<void>) | null = null;
    const wrap = after('list', async (page) => {
      const run = hook;
      hook = null;
      if (run) await run(); // lands between the page read and the revocations it leads to
      return page;
    });
    const w = await world(BACKENDS[0]!.open, wrap);
    const root = await w.keycard.issue({ ownerId: 'u1', label: 'deployer', scopes: ['read', 'tokens:write'] });
    const child = await mint(w.keycard, root.token, 'job');
    const childActor = { kind: 'token' as const, identity: await identityOf(w.keycard, child.token) };
    let late: Awaited<ReturnType<Keycard['issue']>> | null = null;
    hook = async () => {
      late = await w.keycard.issue({ ownerId: 'u1', label: 'late', actor: childActor });
    };
    expect(await report(w, root.token)).toBe('true_positive');
    expect(late).not.toBeNull();
    expect(await w.keycard.verify(late!.token)).toEqual({ ok: false, code: 'token_revoked' });
    expect((await w.keycard.get(late!.record.id))?.revokedReason).toBe('leaked');
  });
});

describe('an offspring revocation committed whose answer was lost (memory store)', () => {
  it('answers 503; the retry announces it once (audit, onLeak) and revokes the rest', async () => {
    let lose: string | null = null;
    const wrap = after('revoke', async (answer, args) => {
      if (args[0] === lose) throw new Error('connection reset'); // committed, but the answer never came
      return answer;
    });
    const w = await world(BACKENDS[0]!.open, wrap);
    const root = await w.keycard.issue({ ownerId: 'u1', label: 'deployer', scopes: ['read', 'tokens:write'] });
    const child = await mint(w.keycard, root.token, 'job');
    const grandchild = await mint(w.keycard, child.token, 'step');
    lose = child.record.id;
    w.audit.clear();
    expect((await w.f.handler(await w.f.report(w.f.body([root.token])))).status).toBe(503);
    lose = null;
    w.clock.advance(30_000); // the provider retries later
    expect(await report(w, root.token)).toBe('true_positive');
    for (const t of [root, child, grandchild]) expect((await w.keycard.get(t.record.id))?.revokedReason).toBe('leaked');
    const announced = () =>
      w.audit.events.filter((e): e is TokenAuditEvent => e.type === 'token.revoked').map((e) => e.tokenId);
    expect(announced().sort()).toEqual([root, child, grandchild].map((t) => t.record.id).sort());
    expect(w.f.notices.map((n) => n.record.id).sort()).toEqual(announced().sort());
    w.clock.advance(30_000);
    expect(await report(w, root.token)).toBe('true_positive'); // a replay: nothing more
    expect(announced()).toHaveLength(3);
    expect(w.f.notices).toHaveLength(3);
  });
});

describe('a store failing after an offspring was revoked (memory store)', () => {
  it('answers 503; that offspring is still told to onLeak, once, and the retry revokes the rest', async () => {
    let failOn: string | null = null;
    const wrap = (store: TokenStore): TokenStore =>
      new Proxy(store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown;
          if (prop !== 'revoke' || typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            if (args[0] === failOn) throw new Error('store down'); // nothing written
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    const w = await world(BACKENDS[0]!.open, wrap);
    const root = await w.keycard.issue({ ownerId: 'u1', label: 'deployer', scopes: ['read', 'tokens:write'] });
    const child = await mint(w.keycard, root.token, 'job');
    const grandchild = await mint(w.keycard, child.token, 'step');
    failOn = grandchild.record.id;
    expect((await w.f.handler(await w.f.report(w.f.body([root.token])))).status).toBe(503);
    expect((await w.keycard.get(child.record.id))?.revokedReason).toBe('leaked');
    failOn = null;
    w.clock.advance(30_000);
    expect(await report(w, root.token)).toBe('true_positive');
    expect((await w.keycard.get(grandchild.record.id))?.revokedReason).toBe('leaked');
    const told = w.f.notices.map((n) => [n.record.id, n.via ?? null]).sort();
    expect(told).toEqual(
      [
        [root.record.id, null],
        [child.record.id, root.record.id],
        [grandchild.record.id, root.record.id],
      ].sort(),
    );
  });
});
