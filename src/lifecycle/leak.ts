/** The leak intake's internal door (src/leaks/port.ts): find a token by its secret, revoke it as leaked. */
import type { AuditActor } from '../core/audit.ts';
import { once } from '../core/invalidation.ts';
import { toRecord } from '../core/records.ts';
import { revokedByThisCall, storedOf } from '../core/store.ts';
import type { LeakIntakePort } from '../leaks/port.ts';
import { announce, type LifecycleContext } from './context.ts';
import { UnansweredRevokes } from './unanswered.ts';

/** Builds the leak port of one instance (kept under a symbol, non-enumerable). */
export function leakIntake(ctx: LifecycleContext): LeakIntakePort {
  const { format, hasher, clock, call, store, cache, emitter, invalidation, verifier } = ctx;
  const leakedEmitted = new Set<string>();
  const unanswered = new UnansweredRevokes(ctx.onError);
  return {
    format,
    pendingLeak: (id) => unanswered.has(id),
    async findBySecret(secret) {
      const entry = await verifier.lookupStore(secret, hasher.hash(secret)); // the store, not the caches
      return entry ? toRecord(entry.token) : null;
    },
    async revokeLeaked(id, report, via) {
      const at = clock.now();
      let answer;
      try {
        answer = await call('Token store revoke', () => store.revoke(id, at, 'leaked'));
      } catch (e) {
        unanswered.note(id, at);
        throw e;
      }
      if (!answer) {
        unanswered.settle(id, null);
        return null;
      }
      const t = storedOf(answer);
      cache.invalidate(t.hash);
      const record = toRecord(t);
      // Ours when the store says this call revoked it (of two processes revoking it at once, one
      // is told so), or when it is the revocation of an earlier call of ours whose answer was lost.
      // `revoke` never clears, so a token revoked before keeps its first revokedAt and reason. The
      // set settles within this process what the time test cannot (a store that does not answer
      // `revokedNow`, two deliveries in one millisecond) and a lost answer retried twice.
      const lost = unanswered.settle(id, t.revokedAt);
      const ours = revokedByThisCall(answer, at) || lost;
      const revokedNow = ours && t.revokedReason === 'leaked' && once(leakedEmitted, t.id);
      if (!revokedNow) return { record, revokedNow };
      const leak = { provider: report.provider, type: report.type, url: report.url, source: report.source };
      const actor: AuditActor = { kind: 'system', id: report.provider };
      await announce(ctx, {
        type: 'token.revoked',
        tokenId: t.id,
        label: t.label,
        ownerId: t.ownerId,
        workspaceId: t.workspaceId,
        actor,
        reason: 'leaked',
        leak,
      });
      invalidation.noteRevoked(t.id, record);
      emitter.emit('token.leaked', { record, ...leak, ...(via && { via }) });
      return { record, revokedNow };
    },
  };
}
