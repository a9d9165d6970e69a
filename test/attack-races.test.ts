/**
 * Hostile callers racing the lifecycle (SPEC §6, §11): a double-clicked "Rotate", a script firing
 * the same rotation many times at once, and a narrowing PATCH landing while a rotation copies the
 * token. Whatever the interleaving, one token has at most one live successor, a successor never
 * holds more than the token it replaces holds once both calls have answered, and each effect is
 * audited once. Real concurrency on every store (memory and PGlite always; Redis and a Postgres
 * server under `scripts/with-servers.sh`), and through the management handler.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createKeycard,
  KeycardError,
  memoryAuditSink,
  memoryTokenStore,
  type Keycard,
  type TokenStore,
} from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';
import { heldCreates, setup } from './manage/fixture.ts';
import { BACKENDS } from './store-backends.ts';

/** The live tokens of `ownerId` rotated from `id`, read from the store itself. */
async function liveSuccessors(store: TokenStore, ownerId: string, id: string, now: number) {
  const page = await store.list({ ownerId, status: 'active', now, limit: 500, cursor: null });
  return page.tokens.filter((t) => t.rotatedFromId === id);
}

/** Each rotation either answers or is refused as a conflict of state (never a 500 or a TypeError). */
const settled = (p: Promise<{ record: { id: string } }>) =>
  p.then(
    (r) => r.record.id,
    (e: unknown) => {
      expect(e).toBeInstanceOf(KeycardError);
      expect(['conflict', 'token_expired']).toContain((e as KeycardError).code);
      return null;
    },
  );

describe('the same token rotated many times at once', () => {
  let closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  for (const backend of BACKENDS) {
    it(`${backend.name}: 8 concurrent rotations (graceMs 0) leave exactly one live successor, audited once`, async () => {
      const { store, close } = await backend.open();
      const audit = memoryAuditSink();
      const clock = fakeClock();
      const keycard: Keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, clock, audit: [audit] });
      closers.push(async () => void (await keycard.close(), await close()));
      const old = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });

      const ids = await Promise.all(Array.from({ length: 8 }, () => settled(keycard.rotate(old.record.id))));

      const answered = ids.filter((id) => id !== null);
      expect(answered).toHaveLength(1);
      const live = await liveSuccessors(store, 'u1', old.record.id, clock.now());
      expect(live.map((t) => t.id)).toEqual(answered);
      await keycard.close();
      expect(audit.events.filter((e) => e.type === 'token.rotated')).toHaveLength(1);
    });
  }
});

describe('rotation through the management handler', () => {
  it('5 POST /rotate at once: one 201 with a secret, the others 409 problem bodies with none', async () => {
    const w = setup();
    const a = await w.create();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => w.call('POST', `/tokens/${a.record.id}/rotate`, { body: {} })),
    );
    const bodies = await Promise.all(answers.map(async (r) => ({ status: r.status, text: await r.text() })));
    expect(bodies.map((b) => b.status).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const b of bodies.filter((x) => x.status === 409)) {
      expect(JSON.parse(b.text)).toMatchObject({ status: 409, code: 'conflict' });
      expect(b.text).not.toMatch(/acme_sk_|at Object|\.ts:\d/);
    }
    const live = await liveSuccessors(w.store, 'alice', a.record.id, w.clock.now());
    expect(live).toHaveLength(1);
    await w.keycard.close();
    expect(w.sink.events.filter((e) => e.type === 'token.rotated')).toHaveLength(1);
    expect(w.logs).toEqual([]);
  });

  it('a PATCH narrowing the scopes while the rotation copies them: the successor never keeps the wider grant', async () => {
    // A store whose next create waits: the rotation has read the token and is about to store its
    // copy when the narrowing lands.
    const held = heldCreates(memoryTokenStore(), 0);
    const clock = fakeClock();
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store: held.store, clock });
    const old = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['tickets:write'] });
    const gate = held.hold();
    const rotation = keycard.rotate(old.record.id, { graceMs: 60_000 }).then(
      (r) => r,
      (e: unknown) => e,
    );
    await gate.atCreate;
    await keycard.update(old.record.id, { scopes: ['read'] });
    gate.release();
    const outcome = await rotation;

    const live = await liveSuccessors(held.store, 'u1', old.record.id, clock.now());
    const wider = live.filter((t) => !keycard.scopes.isWithin(t.scopes, ['read']));
    expect(wider).toEqual([]);
    if (outcome instanceof Error) {
      expect(outcome).toBeInstanceOf(KeycardError);
      expect((outcome as KeycardError).code).toBe('conflict');
      expect(live).toEqual([]);
    }
    await keycard.close();
  });
});

describe('a rotation by a management token revoked meanwhile', () => {
  it('is refused and leaves no live successor, as issue() refuses such a child', async () => {
    const clock = fakeClock();
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), clock, onWarning: () => {} });
    const leaked = await keycard.issue({ ownerId: 'u1', label: 'manager', scopes: ['tickets:write'] });
    const sibling = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
    const verified = await keycard.verify(leaked.token);
    if (!verified.ok) throw new Error('the leaked token should verify');
    // The request was authenticated; the owner revokes the leaked token before the rotation runs.
    clock.advance(1_000);
    await keycard.revoke(leaked.record.id, { reason: 'leaked' });
    await expect(
      keycard.rotate(sibling.record.id, { actor: { kind: 'token', identity: verified.identity } }),
    ).rejects.toMatchObject({ code: 'token_revoked' });
    expect(
      (await keycard.list({ ownerId: 'u1', status: 'active' })).records.filter(
        (r) => r.rotatedFromId === sibling.record.id,
      ),
    ).toEqual([]);
    expect((await keycard.get(sibling.record.id))?.expiresAt).toBe(sibling.record.expiresAt);
    await keycard.close();
  });
});

describe('a rotation whose claim fails in the store', () => {
  it('answers the failure, and the copy whose secret it never returned is revoked, not left live', async () => {
    const inner = memoryTokenStore();
    let failUpdate = false;
    const store: TokenStore = new Proxy(inner, {
      get: (target, key, receiver) =>
        key === 'update' && failUpdate
          ? () => Promise.reject(new KeycardError('unavailable', 'Token store unavailable'))
          : (Reflect.get(target, key, receiver) as unknown),
    });
    const clock = fakeClock();
    const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, clock, onError: () => {} });
    const old = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
    failUpdate = true;
    await expect(keycard.rotate(old.record.id)).rejects.toMatchObject({ code: 'unavailable' });
    failUpdate = false;
    expect(await liveSuccessors(store, 'u1', old.record.id, clock.now())).toEqual([]);
    expect((await keycard.verify(old.token)).ok).toBe(true); // the claim never landed: the old token stands
    await keycard.close();
  });
});
