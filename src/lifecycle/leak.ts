/** The leak intake's internal door (src/leaks/port.ts): find a token by its secret, revoke it as leaked. */
import type { AuditActor } from '../core/audit.ts';
import { once } from '../core/invalidation.ts';
import { toRecord } from '../core/records.ts';
import type { LeakIntakePort } from '../leaks/port.ts';
import { announce, type LifecycleContext } from './context.ts';

/** Builds the leak port of one instance (kept under a symbol, non-enumerable). */
export function leakIntake(ctx: LifecycleContext): LeakIntakePort {
  const { format, hasher, clock, call, store, cache, emitter, invalidation, verifier } = ctx;
  const leakedEmitted = new Set<string>();
  return {
    format,
    async findBySecret(secret) {
      const entry = await verifier.lookupStore(secret, hasher.hash(secret)); // the store, not the caches
      return entry ? toRecord(entry.token) : null;
    },
    async revokeLeaked(id, report) {
      const at = clock.now();
      const t = await call('Token store revoke', () => store.revoke(id, at, 'leaked'));
      if (!t) return null;
      cache.invalidate(t.hash);
      const record = toRecord(t);
      // `revoke` never clears: a token revoked before keeps its first revokedAt and reason; the set
      // settles two deliveries of one token racing in this process within the same millisecond.
      const revokedNow = t.revokedAt === at && t.revokedReason === 'leaked' && once(leakedEmitted, t.id);
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
      emitter.emit('token.leaked', { record, ...leak });
      return { record, revokedNow };
    },
  };
}
