/**
 * The whole lifecycle of one token under every interleaving fast-check's scheduler picks (SPEC §6):
 * rotations, a revoke, a revokeAll of its owner, widening and narrowing updates and verifications,
 * all started at once against a memory store whose every call (create, reads, writes) answers in
 * the scheduler's order (each call runs when it is made; the answers reach keycard reordered). Whatever the order: a revocation that resolved is never outlived (by the
 * token, a successor, or a verification started after it), at most one rotation has a live
 * successor and its copy is the only one left live, an update never widens, lengthens or
 * un-revokes, and every effect is audited once with no secret in it.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createKeycard, KeycardError, memoryAuditSink, memoryTokenStore } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';
import { scheduledStore } from './scheduled-store.ts';

type Op = 'rotate' | 'revoke' | 'revokeAll' | 'narrow' | 'lengthen' | 'widen' | 'verify';
const OPS: readonly Op[] = ['rotate', 'revoke', 'revokeAll', 'narrow', 'lengthen', 'widen', 'verify'];

describe('one token, every operation at once (fc.scheduler)', () => {
  test.prop([fc.scheduler(), fc.array(fc.constantFrom(...OPS), { minLength: 2, maxLength: 6 })], { numRuns: 150 })(
    'no resolved revocation is outlived, one live successor at most, no widening, each effect audited once',
    async (s, ops) => {
      const plain = memoryTokenStore();
      const clock = fakeClock();
      const audit = memoryAuditSink();
      const base = { prefix: 'acme', scopes: toadoScopes(), clock, onWarning: () => {}, onError: () => {} };
      const issuer = createKeycard({ ...base, store: plain });
      const a = await issuer.issue({ ownerId: 'u', label: 'agent', scopes: ['comments'], expiresIn: '30d' });
      clock.advance(1000); // the race runs one second later, all in one millisecond
      const kc = createKeycard({ ...base, store: scheduledStore(s, plain), audit: [audit] });
      const secrets = new Set<string>([a.token]);
      const refusedAfter: Promise<{ ok: boolean }>[] = [];
      const rotated: ({ id: string; token: string } | null)[] = [];
      let updates = 0;
      const revoked = () => refusedAfter.push(kc.verify(a.token)); // started the moment a revocation resolved
      const run = (op: Op): Promise<unknown> => {
        switch (op) {
          case 'rotate':
            return kc.rotate(a.record.id).then(
              (r) => {
                secrets.add(r.token);
                rotated.push({ id: r.record.id, token: r.token });
              },
              (e: unknown) => {
                expect(e).toBeInstanceOf(KeycardError);
                expect(['conflict', 'token_revoked', 'token_expired']).toContain((e as KeycardError).code);
                rotated.push(null);
              },
            );
          case 'revoke':
            return kc.revoke(a.record.id, { reason: 'gone' }).then(revoked);
          case 'revokeAll':
            return kc.revokeAll({ ownerId: 'u' }, { reason: 'left' }).then(revoked);
          case 'verify':
            return kc.verify(a.token);
          default: {
            const patch: Parameters<typeof kc.update>[1] =
              op === 'narrow'
                ? { scopes: ['read' as const], label: 'narrowed' }
                : op === 'lengthen'
                  ? { expiresAt: a.record.expiresAt! }
                  : { scopes: ['comments' as const, 'tickets:write' as const] };
            return kc.update(a.record.id, patch).then(
              () => void (op === 'widen' || updates++),
              (e: unknown) => expect(e).toBeInstanceOf(KeycardError),
            );
          }
        }
      };
      const all = Promise.all(ops.map(run));
      await s.waitFor(all);
      await all;
      await s.waitFor(Promise.all(refusedAfter));
      for (const v of await Promise.all(refusedAfter)) expect(v.ok).toBe(false);

      const now = clock.now();
      const tokens = [...(await plain.list({ ownerId: 'u', status: 'all', now, limit: 500 })).tokens];
      const live = tokens.filter((t) => t.revokedAt === null && (t.expiresAt === null || now < t.expiresAt));
      const final = (await plain.get(a.record.id))!;
      const answered = rotated.filter((r) => r !== null);
      // A revocation that resolved is never outlived: not by the token, nor by any successor.
      if (ops.includes('revokeAll')) expect(live).toEqual([]);
      if (ops.includes('revoke')) expect(final.revokedAt).not.toBeNull();
      // Rotations (graceMs 0, one millisecond): at most one answered, and only its copy is live.
      expect(answered.length).toBeLessThanOrEqual(1);
      const successors = live.filter((t) => t.id !== a.record.id);
      expect(successors.map((t) => t.id)).toEqual(ops.includes('revokeAll') ? [] : answered.map((r) => r.id));
      if (answered.length === 1) expect(final.expiresAt).toBeLessThanOrEqual(now);
      // An update never widens, lengthens or un-revokes.
      expect(final.expiresAt).toBeLessThanOrEqual(a.record.expiresAt!);
      expect(['comments', 'read']).toContain(final.scopes.join(','));
      for (const t of tokens) expect(['comments', 'read']).toContain(t.scopes.join(','));
      // Every secret handed out (the first token's, and each answered rotation's) verifies exactly
      // when its record is live.
      for (const r of answered) {
        const v = kc.verify(r.token);
        await s.waitFor(v);
        expect((await v).ok).toBe(live.some((t) => t.id === r.id));
      }
      const v = kc.verify(a.token);
      await s.waitFor(v);
      expect((await v).ok).toBe(live.some((t) => t.id === a.record.id));

      // Audit: once per effect, never a secret or a hash.
      const events = audit.events;
      const byType = (type: string) => events.filter((e) => e.type === type);
      expect(byType('token.rotated')).toHaveLength(answered.length);
      expect(byType('token.updated')).toHaveLength(updates);
      const singleRevokes = byType('token.revoked').filter((e) => e.tokenId === a.record.id);
      expect(singleRevokes).toHaveLength(ops.includes('revoke') && final.revokedReason === 'gone' ? 1 : 0);
      expect(byType('token.revoked').filter((e) => e.tokenId === null)).toHaveLength(
        ops.filter((o) => o === 'revokeAll').length,
      );
      const text = JSON.stringify(events);
      for (const secret of secrets) expect(text).not.toContain(secret.slice(-12));
      for (const t of tokens) expect(text).not.toContain(t.hash);
      await s.waitFor(kc.close()); // close waits for touch writes, whose answers the scheduler holds
      await issuer.close();
    },
  );
});
