/**
 * A management call's arguments are checked once, up front (src/core/arguments.ts, docs/lifecycle.md),
 * so the call must use what the check saw: `update` reads its patch before its first store read.
 * Plain data that the caller changes while the call is pending (a patch object reused for the next
 * call, a `Date` set again) must not reach the store unchecked: a label that is not a string, an
 * expiry of `NaN` (a token that never expires), a negative rate limit, no scopes at all.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, type Keycard } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';

const keycard: Keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), onWarning: () => {} });
afterAll(() => keycard.close());

const HOUR = 3_600_000;
const fresh = async () =>
  (await keycard.issue({ ownerId: 'u1', label: 'before', scopes: ['read', 'comments'], expiresIn: 30 * 24 * HOUR }))
    .record;

describe('update uses the patch its arguments check saw', () => {
  it('a patch changed while the call is pending: the checked values are stored', async () => {
    const old = await fresh();
    const at = old.expiresAt! - HOUR;
    const patch: Record<string, unknown> = {
      label: 'after',
      expiresAt: at,
      rateLimit: { limit: 5, window: 60 },
      scopes: ['read'],
      metadata: { team: 'a' },
    };
    const pending = keycard.update(old.id, patch as never);
    // The caller reuses its object before the call settles.
    Object.assign(patch, { label: 42, expiresAt: Number.NaN, rateLimit: { limit: -1, window: 0 }, scopes: [] });
    (patch['metadata'] as Record<string, unknown>)['team'] = 'x\u0000y';
    const record = await pending;
    const stored = await keycard.get(old.id);
    for (const r of [record, stored]) {
      expect(r).toMatchObject({
        label: 'after',
        expiresAt: at,
        rateLimit: { limit: 5, window: 60 },
        scopes: ['read'],
        metadata: { team: 'a' },
      });
    }
  });

  it('a Date set again while the call is pending: the checked instant is stored, the token still expires', async () => {
    const old = await fresh();
    const at = old.expiresAt! - HOUR;
    const when = new Date(at);
    const pending = keycard.update(old.id, { expiresAt: when });
    when.setTime(Number.NaN);
    expect((await pending).expiresAt).toBe(at);
    expect((await keycard.get(old.id))!.expiresAt).toBe(at);
  });

  it('restrictions changed while the call is pending on a keycard without resources: nothing is thrown but the checked answer', async () => {
    const old = await fresh();
    const patch: Record<string, unknown> = { restrictions: null };
    const pending = keycard.update(old.id, patch as never);
    patch['restrictions'] = { project: ['p1'] };
    expect((await pending).restrictions).toBeNull();
  });
});

describe('issue uses the input its arguments check saw', () => {
  it('metadata and actor changed while the call is pending: the checked values are stored', async () => {
    const input = {
      ownerId: 'u1',
      label: 'issued',
      scopes: ['read'],
      metadata: { team: 'a' } as Record<string, unknown>,
      actor: { kind: 'system', id: 'cron' } as Record<string, unknown>,
    };
    const pending = keycard.issue(input as never);
    input.metadata['team'] = 'x\u0000y';
    input.actor['id'] = 42;
    const { record } = await pending;
    expect(await keycard.get(record.id)).toMatchObject({ metadata: { team: 'a' }, createdBy: 'cron' });
  });
});

type Seen = { type: string; actor?: unknown; requestId?: unknown };
/** Runs `run` on a keycard whose audit events it collects. */
const withAudit = async (run: (k: Keycard, events: Seen[]) => Promise<void>) => {
  const events: Seen[] = [];
  const audited = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    onWarning: () => {},
    audit: { write: (e) => void events.push(e as never) },
  });
  try {
    await run(audited, events);
  } finally {
    await audited.close();
  }
};

describe("issue's audit event names the actor its check saw", () => {
  it('an actor changed while the call is pending: token.issued and createdBy name the checked one', async () => {
    await withAudit(async (audited, events) => {
      const actor: Record<string, unknown> = { kind: 'user', id: 'alice', scopes: ['read'], requestId: 'req-1' };
      const pending = audited.issue({ ownerId: 'alice', label: 'mine', scopes: ['read'], actor } as never);
      Object.assign(actor, { id: 'mallory', requestId: 'req-2' });
      const { record } = await pending;
      await audited.flush();
      expect(record.createdBy).toBe('alice');
      const issued = events.find((e) => e.type === 'token.issued');
      expect(issued).toMatchObject({ actor: { kind: 'user', id: 'alice' }, requestId: 'req-1' });
    });
  });
});

/**
 * The other management calls audit (and `update` and `rotate` authorise) after their awaits: the
 * actor is copied where the arguments are checked, its scopes too, and the call uses only the
 * copy — for the grant checks, `createdBy` and the audit event with its requestId.
 */
describe('update, revoke, revokeAll and rotate use the actor their arguments check saw', () => {
  const alice = (): Record<string, unknown> => ({
    kind: 'user',
    id: 'alice',
    scopes: ['read', 'comments'],
    requestId: 'req-1',
  });
  const mine = async (k: Keycard) =>
    (await k.issue({ ownerId: 'alice', label: 'mine', scopes: ['read', 'comments'], expiresIn: 30 * 24 * HOUR }))
      .record;
  const calls: [string, string, (k: Keycard, id: string, actor: never) => Promise<unknown>][] = [
    ['update', 'token.updated', (k, id, actor) => k.update(id, { label: 'renamed' }, { actor })],
    ['revoke', 'token.revoked', (k, id, actor) => k.revoke(id, { reason: 'left', actor })],
    ['revokeAll', 'token.revoked', (k, _id, actor) => k.revokeAll({ ownerId: 'alice' }, { actor })],
    ['rotate', 'token.rotated', (k, id, actor) => k.rotate(id, { actor })],
  ];

  for (const [name, type, call] of calls) {
    it(`${name}: an actor changed while the call is pending is audited as checked (alice, req-1)`, async () => {
      await withAudit(async (k, events) => {
        const { id } = await mine(k);
        const actor = alice();
        const pending = call(k, id, actor as never);
        Object.assign(actor, { id: 'mallory', requestId: 'req-2' });
        const answer = (await pending) as { record?: { createdBy: string } };
        await k.flush();
        expect(events.filter((e) => e.type === type)).toMatchObject([
          { actor: { kind: 'user', id: 'alice' }, requestId: 'req-1' },
        ]);
        if (name === 'rotate') expect(answer.record!.createdBy).toBe('alice');
      });
    });
  }

  for (const [name, call] of [
    ['update', (k: Keycard, id: string, actor: never) => k.update(id, { label: 'renamed' }, { actor })],
    ['rotate', (k: Keycard, id: string, actor: never) => k.rotate(id, { actor })],
  ] as const) {
    it(`${name}: a user's scopes widened while the call is pending do not pass the grant check`, async () => {
      await withAudit(async (k, events) => {
        const { id } = await mine(k);
        const actor = { ...alice(), scopes: ['read'] };
        const pending = call(k, id, actor as never);
        (actor.scopes as string[]).push('comments');
        await expect(pending).rejects.toMatchObject({ code: 'scope_escalation' });
        expect((await k.get(id))!.label).toBe('mine');
        await k.flush();
        expect(events.filter((e) => e.type === 'token.updated' || e.type === 'token.rotated')).toEqual([]);
      });
    });
  }

  it("an actor's id read once: a getter that answers alice to the check and 42 after is audited as alice", async () => {
    await withAudit(async (k, events) => {
      const { id } = await mine(k);
      let reads = 0;
      const actor = {
        kind: 'user',
        scopes: ['read', 'comments'],
        get id() {
          return reads++ === 0 ? 'alice' : 42;
        },
      };
      const rotated = await k.rotate(id, { actor } as never);
      expect(rotated.record.createdBy).toBe('alice');
      reads = 0;
      const issued = await k.issue({ ownerId: 'alice', label: 'again', scopes: ['read'], actor } as never);
      expect(issued.record.createdBy).toBe('alice');
      await k.flush();
      for (const type of ['token.rotated', 'token.issued'])
        expect(events.findLast((e) => e.type === type)).toMatchObject({ actor: { kind: 'user', id: 'alice' } });
    });
  });

  it('a revoke reason read once: a getter that answers a string to the check and 42 after stores the string', async () => {
    await withAudit(async (k) => {
      const { id } = await mine(k);
      let reads = 0;
      const options = {
        get reason() {
          return reads++ === 0 ? 'left the team' : 42;
        },
      };
      expect((await k.revoke(id, options as never)).revokedReason).toBe('left the team');
      expect((await k.get(id))!.revokedReason).toBe('left the team');
    });
  });
});
