/**
 * The composition root: `createKeycard` resolves the options, builds one frozen context of the
 * instance's parts (caches, owner bound, invalidation, touch throttle, verification, audit) and
 * assembles the public instance from the core pipeline and the management operations in
 * `src/lifecycle/`, each of which takes that context explicitly.
 */
import { argumentValidators } from './core/arguments.ts';
import { AuditTrail, type AuditSink } from './core/audit.ts';
import { createAuthenticator, type Authenticate } from './core/authenticate.ts';
import { bounded } from './core/bounded.ts';
import { TokenCache } from './core/cache.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { Emitter } from './core/events.ts';
import { createHasher } from './core/hash.ts';
import { createInvalidation } from './core/invalidation.ts';
import { DEFAULT_RATE_LIMIT, parseRateLimit, type RateLimitConfig } from './core/limiter.ts';
import { validateOptions, type KeycardOptions } from './core/options.ts';
import { OwnerBound } from './core/owners.ts';
import { ReportThrottle } from './core/report.ts';
import { defineHierarchy, type Hierarchy } from './core/restrictions.ts';
import type { TokenFormat } from './core/token.ts';
import { createToucher } from './core/touch.ts';
import { createVerifier, verifyAnswer } from './core/verify.ts';
import { foreignVerification } from './core/verify-foreign.ts';
import { LEAK_INTAKE } from './leaks/port.ts';
import type { LifecycleContext } from './lifecycle/context.ts';
import { issue } from './lifecycle/issue.ts';
import { leakIntake } from './lifecycle/leak.ts';
import { get, invalidateOwner, list } from './lifecycle/list.ts';
import { revoke, revokeAll } from './lifecycle/revoke.ts';
import { rotate } from './lifecycle/rotate.ts';
import type { Keycard } from './lifecycle/types.ts';
import { update } from './lifecycle/update.ts';
import { memoryTokenStore } from './stores/memory.ts';
import { memoryLimiter } from './stores/memory-limiter.ts';

export { toRecord } from './core/records.ts';
export type { VerifyResult } from './core/verify.ts';
export type { Actor, IssueInput, IssuedToken, ListFilter, UpdatePatch, Keycard } from './lifecycle/types.ts';

/**
 * Creates a keycard instance over a token store (memory by default).
 *
 * @example Quickstart
 * ```ts
 * const keycard = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }) });
 * const { token } = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
 * (await keycard.verify(token)).ok; // true
 * ```
 */
export function createKeycard<S extends string>(options: KeycardOptions<S>): Keycard<S> {
  validateOptions(options);
  const clock: Clock = options.clock ?? systemClock;
  const { onError, requestErrors } = reporters(options, clock);
  const onRequestError = requestErrors.report;
  const onWarning = options.onWarning ?? ((m: string) => console.warn(m));
  const catalogue = options.scopes;
  const format: TokenFormat = { prefix: options.prefix, type: options.type ?? 'sk' };
  const ownStore = options.store === undefined;
  const store = options.store ?? memoryTokenStore();
  const limiter = options.limiter ?? memoryLimiter({ clock });
  if (store.shared && options.limiter === undefined) {
    onWarning(
      'keycard: the token store is shared between processes but the rate limiter is in memory: each process counts on its own, so N processes multiply every limit by N. Use a shared limiter (keycard/redis).',
    );
  }
  const hasher = createHasher(options.peppers ?? []);
  const hierarchy: Hierarchy | null = options.resources ? defineHierarchy(options.resources) : null;
  const defaultRateLimit: RateLimitConfig = options.rateLimit
    ? parseRateLimit(options.rateLimit, 'rateLimit')
    : DEFAULT_RATE_LIMIT;
  const timeoutMs = options.storeTimeoutMs ?? 500;
  const defaultExpiry = options.defaultExpiresIn ?? 'never';
  const cache = new TokenCache(options.cacheSize ?? 10_000, options.negativeCacheSize ?? 10_000);
  const owners = options.resolveOwner
    ? new OwnerBound(options.resolveOwner, options.ownerCacheMs ?? 1000, timeoutMs, clock)
    : null;
  const emitter = new Emitter(onError);
  const sinks: readonly AuditSink[] =
    options.audit === undefined ? [] : Array.isArray(options.audit) ? options.audit : [options.audit as AuditSink];
  const audit = new AuditTrail({
    sinks,
    queueSize: options.auditQueueSize ?? 10_000,
    timeoutMs: options.auditTimeoutMs ?? 1000,
    onError,
    clock,
  });

  const call = <T>(what: string, f: () => T | Promise<T>) => bounded(f, timeoutMs, what);
  const invalidation = createInvalidation({
    store,
    clock,
    cache,
    owners,
    emitter,
    revocationBoundMs: options.revocationBoundMs ?? 1000,
    onError,
  });
  const touchIntervalMs = options.touchIntervalMs ?? 60_000;
  const cacheEnabled = (options.cacheSize ?? 10_000) > 0;
  const toucher = createToucher({ store, clock, call, onRequestError, touchIntervalMs, cacheEnabled });
  const { touch, track } = toucher;
  const { cacheTrustMs, noteExpired } = invalidation;
  const verifier = createVerifier<S>({
    format,
    clock,
    hasher,
    cache,
    store,
    hierarchy,
    catalogue,
    owners,
    emitter,
    call,
    onRequestError,
    touch,
    track,
    cacheTrustMs,
    noteExpired,
  });
  const args = argumentValidators({ catalogue, hierarchy, clock });
  // One frozen context: every management operation takes it explicitly (src/lifecycle/context.ts).
  const ctx: LifecycleContext<S> = Object.freeze({
    options,
    catalogue,
    hierarchy,
    clock,
    store,
    cache,
    owners,
    emitter,
    audit,
    args,
    format,
    hasher,
    defaultExpiry,
    defaultRateLimit,
    invalidation,
    verifier,
    call,
  });
  const { verifySecret } = verifier;

  const keycard: Keycard<S> = {
    scopes: catalogue,
    clock,
    store,
    limiter,
    resourceTypes: Object.freeze([...(options.resources ?? [])]),
    issue: (input) => issue(ctx, input),
    recordAudit: (event) => audit.token(event),
    verify(token, context) {
      // Not async: a cache hit resolves with the record's one frozen answer (no async frame, no copy).
      try {
        const r = verifySecret(token, context?.workspaceId);
        return r instanceof Promise ? r.then(verifyAnswer) : Promise.resolve(verifyAnswer(r));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    revoke: (id, opts) => revoke(ctx, id, opts),
    revokeAll: (filter, opts) => revokeAll(ctx, filter, opts),
    rotate: (id, opts) => rotate(ctx, id, opts),
    list: (filter) => list(ctx, filter),
    get: (id) => get(ctx, id),
    update: (id, patch, opts) => update(ctx, id, patch, opts),
    invalidateOwner: (principalId) => invalidateOwner(ctx, principalId),
    on: (event, listener) => emitter.on(event, listener),
    authenticate: undefined as unknown as Authenticate<S>,
    async close() {
      const step = shutdownStep(timeoutMs, onError);
      await step('Subscribing', () => invalidation.subscribed);
      await step('Pending writes', () => Promise.allSettled([...toucher.pending]));
      requestErrors.flush();
      await audit.close();
      await step('Unsubscribing', () => invalidation.unsubscribe());
      if (ownStore) await step('Closing the store', () => store.close?.());
      if (options.limiter === undefined) await step('Closing the limiter', () => limiter.close?.());
    },
  };

  (keycard as { authenticate: Authenticate<S> }).authenticate = createAuthenticator<S>({
    options,
    clock,
    limiter,
    defaultRateLimit,
    catalogue,
    format,
    audit,
    onError: onRequestError,
    timeoutMs,
    verify: verifySecret,
    ...(options.oauth
      ? {
          verifyForeign: foreignVerification<S>({
            verifier: options.oauth,
            catalogue,
            owners,
            hierarchy,
            onError: onRequestError,
            onOwnerGone: (principalId, workspaceId, status) =>
              emitter.emit('owner.gone', { principalId, workspaceId, status }),
          }),
        }
      : {}),
  });

  // The leak intake's internal door (src/leaks/port.ts): under a symbol, non-enumerable.
  Object.defineProperty(keycard, LEAK_INTAKE, { value: leakIntake(ctx) });
  return keycard;
}

/** The instance's error reporters: one that never throws, and the per-second throttle of the request path. */
function reporters(
  options: KeycardOptions<string>,
  clock: Clock,
): { onError: (e: unknown) => void; requestErrors: ReportThrottle } {
  const reportError =
    options.onError ?? ((e: unknown) => console.error('keycard:', e instanceof Error ? `${e.name}: ${e.message}` : e));
  // Every report goes through here: an integrator's onError that throws must not turn a store
  // outage into a 500, a background write into an unhandled rejection, or a listener's failure
  // into a failed management call that already wrote.
  const onError = (e: unknown): void => {
    try {
      reportError(e);
    } catch {
      // dropped: the reporter itself is broken, and nothing is left to report to
    }
  };
  // Failures on the request path (store, resolver, limiter, background writes) are coalesced per
  // kind per second with a count: an outage must not become one report per request.
  return { onError, requestErrors: new ReportThrottle(onError, clock) };
}

/** One step of `close()`: bounded, so a dead store must not hang shutdown; a failure is reported. */
function shutdownStep(timeoutMs: number, onError: (e: unknown) => void) {
  return async (what: string, f: () => unknown): Promise<void> => {
    try {
      await bounded(() => f() as Promise<unknown>, Math.max(timeoutMs, 1000), what);
    } catch (e) {
      onError(e);
    }
  };
}
