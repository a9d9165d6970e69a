/**
 * Hostile callers racing one token through the management API (SPEC §6, §11), under every order
 * fc.scheduler picks for the store's answers: the owner's session and the owner's own management
 * token rotate, narrow, revoke and "Revoke all" (with the confirmed count) at once, and the token
 * mints a child. Whatever the order, once every call has answered: nothing answers 5xx; a revoke
 * that answered 200 left the token revoked; a "Revoke all" that answered 200 revoked exactly the
 * count confirmed and left nothing of the owner live, one that answered 409 revoked nothing; at
 * most one rotation answered 201 and only its copy is the token's live successor; nothing the
 * management token minted is wider than it; and every secret handed out verifies exactly when its
 * record is live.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createKeycard, createManagementHandler, memoryAuditSink, memoryTokenStore } from '../../src/index.ts';
import { fakeClock } from '../../src/testing/index.ts';
import { BASE, ORIGIN, catalogue, sessionOf } from './fixture.ts';
import { scheduledStore } from '../scheduled-store.ts';

type Op = 'rotateUser' | 'rotateToken' | 'revoke' | 'revokeManager' | 'revokeAll' | 'narrow' | 'mint';
const OPS: readonly Op[] = ['rotateUser', 'rotateToken', 'revoke', 'revokeManager', 'revokeAll', 'narrow', 'mint'];

describe('one token raced through the management API (fc.scheduler)', () => {
  test.prop(
    [
      fc.scheduler(),
      fc.uniqueArray(fc.constantFrom(...OPS), { minLength: 2, maxLength: 5 }),
      fc.integer({ min: 1, max: 3 }),
    ],
    {
      numRuns: 150,
    },
  )('no 5xx, no revocation outlived, one live successor at most, nothing minted wider', async (s, ops, expectCount) => {
    const plain = memoryTokenStore();
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    const audit = memoryAuditSink();
    const base = { prefix: 'acme', scopes: catalogue(), clock, onWarning: () => {}, onError: () => {} };
    const issuer = createKeycard({ ...base, store: plain });
    const a = await issuer.issue({ ownerId: 'alice', label: 'agent', scopes: ['comments'], expiresIn: 7 * 86_400_000 });
    const m = await issuer.issue({
      ownerId: 'alice',
      label: 'manager',
      scopes: ['manage', 'comments'],
      expiresIn: '30d',
    });
    clock.advance(1000);
    const kc = createKeycard({ ...base, store: scheduledStore(s, plain, ['revokeAllIfCount']), audit: [audit] });
    const handler = createManagementHandler(kc, {
      basePath: BASE,
      managementScope: 'manage',
      authorize: sessionOf,
      onError: () => {},
    });
    const call = (method: string, path: string, body: unknown, bearer?: string) =>
      handler(
        new Request(`${ORIGIN}${BASE}${path}`, {
          method,
          headers: {
            'content-type': 'application/json',
            ...(bearer ? { authorization: `Bearer ${bearer}` } : { cookie: 'sid=alice', origin: ORIGIN }),
          },
          body: JSON.stringify(body),
        }),
      );
    const route: Record<Op, () => Promise<Response>> = {
      rotateUser: () => call('POST', `/tokens/${a.record.id}/rotate`, {}),
      rotateToken: () => call('POST', `/tokens/${a.record.id}/rotate`, {}, m.token),
      revoke: () => call('POST', `/tokens/${a.record.id}/revoke`, { reason: 'gone' }),
      revokeManager: () => call('POST', `/tokens/${m.record.id}/revoke`, { reason: 'leaked' }),
      revokeAll: () =>
        call('POST', '/tokens/revoke-all', { target: { ownerId: 'alice' }, reason: 'left', expectCount }),
      narrow: () => call('PATCH', `/tokens/${a.record.id}`, { scopes: ['read'] }, m.token),
      mint: () => call('POST', '/tokens', { label: 'child', scopes: ['comments'] }, m.token),
    };
    const answers = new Map<Op, { status: number; body: Record<string, unknown> }>();
    const all = Promise.all(
      ops.map(async (op) => {
        const res = await route[op]();
        answers.set(op, { status: res.status, body: (await res.json()) as Record<string, unknown> });
      }),
    );
    await s.waitFor(all);
    await all;

    for (const [op, { status }] of answers) expect(status, op).toBeLessThan(500);
    const now = clock.now();
    const tokens = [...(await plain.list({ ownerId: 'alice', status: 'all', now, limit: 500 })).tokens];
    const live = tokens.filter((t) => t.revokedAt === null && (t.expiresAt === null || now < t.expiresAt));
    const final = (await plain.get(a.record.id))!;
    if (answers.get('revoke')?.status === 200) expect(final.revokedAt).not.toBeNull();
    const revokeAll = answers.get('revokeAll');
    if (revokeAll?.status === 200) {
      expect(revokeAll.body['count']).toBe(expectCount);
      expect(live).toEqual([]);
    }
    if (revokeAll?.status === 409) {
      expect(revokeAll.body['code']).toBe('count_changed');
      expect(revokeAll.body['actual']).not.toBe(expectCount);
      expect(audit.events.filter((e) => e.type === 'token.revoked' && e.tokenId === null)).toEqual([]);
    }
    const rotations = (['rotateUser', 'rotateToken'] as const)
      .map((op) => answers.get(op))
      .filter((r) => r?.status === 201)
      .map((r) => r!.body as { token: string; record: { id: string } });
    expect(rotations.length).toBeLessThanOrEqual(1);
    const successors = live.filter((t) => t.rotatedFromId === a.record.id);
    for (const t of successors) expect(rotations.map((r) => r.record.id)).toContain(t.id);
    // Nothing the management token minted or rotated holds more than it: closure within manage, comments, read.
    for (const t of tokens.filter((x) => x.createdBy === m.record.id))
      for (const sc of t.scopes) expect(['manage', 'comments', 'read']).toContain(sc);
    // Every secret handed out verifies exactly when its record is live.
    const minted = answers.get('mint');
    const handedOut = [
      ...rotations,
      ...(minted?.status === 201 ? [minted.body as { token: string; record: { id: string } }] : []),
    ];
    for (const r of handedOut) {
      const v = kc.verify(r.token);
      await s.waitFor(v);
      expect((await v).ok, `${r.record.id} live`).toBe(live.some((t) => t.id === r.record.id));
    }
    await s.waitFor(kc.close());
    await issuer.close();
  });
});
