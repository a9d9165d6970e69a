/**
 * The lifecycle against a store that fails mid-operation (SPEC §6, §7): every store call may answer,
 * fail before it writes, or write and then lose its answer (a timeout after the commit). Whatever
 * the plan of failures, and with each management call retried on `unavailable` as the docs advise:
 * a token whose secret was returned is stored and live until a call of ours ended it; a live token
 * is one whose secret was returned (or whose fate a failed call left open); a revocation that was
 * answered holds; and each effect is audited at most once (a revoke exactly once), with no secret.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  createKeycard,
  isKeycardError,
  type KeycardError,
  memoryAuditSink,
  memoryTokenStore,
  type TokenStore,
} from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';

type Fault = 'ok' | 'before' | 'after';
const CALLS = ['create', 'get', 'list', 'update', 'revoke', 'revokeAll'] as const;

/**
 * A memory store whose data calls follow `plan`: answer, fail before writing, or write and fail.
 * `reached.revokeAll` counts the revokeAll calls that reached the data (answered or not).
 */
function faulty(plan: Fault[], abandoned: Set<string>) {
  const inner = memoryTokenStore();
  const reached = { revokeAll: 0 };
  let i = 0;
  const store: Record<string, unknown> = { shared: false };
  for (const name of Object.keys(inner) as (keyof typeof inner)[]) {
    const f = inner[name];
    if (typeof f === 'function') store[name] = (f as (...a: unknown[]) => unknown).bind(inner);
  }
  for (const name of CALLS) {
    const f = (inner[name] as (...a: unknown[]) => unknown).bind(inner);
    store[name] = (...args: unknown[]) => {
      const fault = plan[i++] ?? 'ok';
      if (fault === 'before' && name === 'revoke') abandoned.add(args[0] as string);
      if (fault === 'before') throw new Error('connection reset');
      if (name === 'revokeAll') reached.revokeAll++;
      const answer = f(...args);
      if (fault === 'after') throw new Error('timed out after the commit');
      return answer;
    };
  }
  return { store: store as unknown as TokenStore, inner, reached };
}

type Op = 'issue' | 'revoke' | 'revokeAll' | 'rotate' | 'narrow';

describe('the lifecycle over a failing store (property)', () => {
  test.prop(
    [
      fc.array(fc.constantFrom<Fault>('ok', 'ok', 'ok', 'before', 'after'), { maxLength: 40 }),
      fc.array(fc.constantFrom<Op>('issue', 'issue', 'revoke', 'revokeAll', 'rotate', 'narrow'), {
        minLength: 1,
        maxLength: 8,
      }),
    ],
    {
      numRuns: 100,
      // Found in CI (seed 1569556934): a revokeAll that wrote and lost its answer four times ends the token issued before it.
      examples: [
        [
          ['ok', 'ok', 'ok', 'ok', 'after', 'after', 'after', 'after'],
          ['revokeAll', 'revokeAll', 'issue', 'revokeAll'],
        ],
      ],
    },
  )('returned secrets live, no unheld live token, answered revocations hold, audited once', async (plan, ops) => {
    const abandoned = new Set<string>();
    const { store, inner, reached } = faulty(plan, abandoned);
    const clock = fakeClock();
    const audit = memoryAuditSink();
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      store,
      clock,
      audit: [audit],
      storeTimeoutMs: 20,
      onError: () => {},
      onWarning: () => {},
    });
    const secrets = new Map<string, string>(); // id → secret returned
    const live = new Set<string>(); // ended by no call of ours
    const open = new Set<string>(); // a failed call may have ended it
    const maybe = new Set<string>(); // an unanswered revokeAll that reached the store may have ended it (still a target)
    const revokedByUs = new Set<string>();
    const retry = async <T>(f: () => Promise<T>): Promise<T | null> => {
      for (let attempt = 0; attempt < 4; attempt++) {
        try {
          return await f();
        } catch (e) {
          expect(isKeycardError(e)).toBe(true);
          if ((e as KeycardError).code !== 'unavailable') return null;
        }
      }
      return null;
    };
    for (const op of ops) {
      clock.advance(10);
      const target = [...live].at(-1) ?? [...maybe].at(-1);
      if (op === 'issue') {
        const r = await retry(() => kc.issue({ ownerId: 'u', label: 'agent', scopes: ['comments'] }));
        if (r) (secrets.set(r.record.id, r.token), live.add(r.record.id));
      } else if (op === 'revokeAll') {
        // Every token live in the store before it (held or not) must be dead once it answers.
        const before = (await inner.list({ ownerId: 'u', status: 'active', now: clock.now(), limit: 500 })).tokens;
        const sent = reached.revokeAll;
        const r = await retry(() => kc.revokeAll({ ownerId: 'u' }));
        if (r) {
          for (const t of before) revokedByUs.add(t.id);
          (live.clear(), maybe.clear());
        } else if (reached.revokeAll > sent) {
          // Unanswered after reaching the store: it may have revoked them all; their fate is open.
          for (const id of live) (open.add(id), maybe.add(id));
          live.clear();
        } // else no attempt reached the store: the live tokens are certainly still live.
      } else if (target && op === 'revoke') {
        const r = await retry(() => kc.revoke(target));
        (r ? revokedByUs : open).add(target);
        (live.delete(target), maybe.delete(target));
      } else if (target && op === 'rotate') {
        const r = await retry(() => kc.rotate(target));
        (live.delete(target), maybe.delete(target)); // rotated (graceMs 0) or its claim's fate open
        if (r) (secrets.set(r.record.id, r.token), live.add(r.record.id));
        else open.add(target);
      } else if (target && op === 'narrow') await retry(() => kc.update(target, { scopes: ['read'] }));
    }
    const now = clock.now();
    const all = [...(await inner.list({ ownerId: 'u', status: 'all', now, limit: 500 })).tokens];
    const isLive = (id: string) => {
      const t = all.find((x) => x.id === id);
      return t !== undefined && t.revokedAt === null && (t.expiresAt === null || now < t.expiresAt);
    };
    for (const id of live) expect(isLive(id), `${id} was returned and never ended`).toBe(true);
    for (const id of revokedByUs) expect(isLive(id)).toBe(false);
    for (const t of all)
      if (isLive(t.id))
        expect(live.has(t.id) || open.has(t.id) || abandoned.has(t.id), `${t.id} is live unheld`).toBe(true);
    for (const [id, secret] of secrets) expect((await kc.verify(secret)).ok).toBe(isLive(id));
    const events = audit.events;
    for (const t of all) {
      const revokes = events.filter((e) => e.type === 'token.revoked' && e.tokenId === t.id);
      expect(revokes.length).toBeLessThanOrEqual(1);
      expect(events.filter((e) => e.type === 'token.issued' && e.tokenId === t.id).length).toBe(
        secrets.has(t.id) && t.rotatedFromId === null ? 1 : 0,
      );
      expect(events.filter((e) => e.type === 'token.rotated' && e.tokenId === t.id).length).toBe(
        secrets.has(t.id) && t.rotatedFromId !== null ? 1 : 0,
      );
    }
    for (const id of revokedByUs) {
      const t = all.find((x) => x.id === id);
      expect(t, `${id} was revoked by us and is gone from the store`).toBeDefined();
      if (t && t.revokedReason === null && t.rotatedFromId === null)
        expect(events.some((e) => e.type === 'token.revoked' && (e.tokenId === id || e.tokenId === null))).toBe(true);
    }
    const text = JSON.stringify(events);
    for (const secret of secrets.values()) expect(text).not.toContain(secret.slice(-12));
    for (const t of all) expect(text).not.toContain(t.hash);
    await kc.close();
  });

  it('an issue whose create landed unanswered, and whose read-back a synchronous store throws, leaves no unheld live token', async () => {
    const { store, inner } = faulty(['after', 'ok', 'before'], new Set());
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, storeTimeoutMs: 20, onError: () => {} });
    const issued = await kc.issue({ ownerId: 'u', label: 'agent', scopes: ['comments'] }).catch(() => null);
    const live = (await inner.list({ ownerId: 'u', status: 'active', now: Date.now(), limit: 500 })).tokens.map(
      (t) => t.id,
    );
    expect(live).toEqual(issued ? [issued.record.id] : []);
    await kc.close();
  });
});
