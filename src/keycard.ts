/**
 * The composition root: `createKeycard` resolves the options, builds one frozen context of the
 * instance's parts (caches, owner bound, invalidation, touch throttle, verification, audit) and
 * assembles the public instance from the core pipeline and the management operations in
 * `src/lifecycle/`, each of which takes that context explicitly.
 */
import { argumentValidators } from './core/arguments.ts';
import { AuditTrail } from './core/audit.ts';
import { createAuthenticator } from './core/authenticate.ts';
import { bounded, STORE_TIMEOUT } from './core/bounded.ts';
import { TokenCache } from './core/cache.ts';
import type { Clock } from './core/clock.ts';
import { Emitter } from './core/events.ts';
import { createHasher } from './core/hash.ts';
import { createInvalidation } from './core/invalidation.ts';
import type { KeycardOptions } from './core/options.ts';
import { OwnerBound } from './core/owners.ts';
import { PENDING_REPORTS, ReportThrottle, safeReport } from './core/report.ts';
import { resolveOptions } from './core/resolve-options.ts';
import { createToucher, type Toucher } from './core/touch.ts';
import type { LimiterStore } from './core/limiter.ts';
import type { TokenStore } from './core/store.ts';
import { createVerifier, verifyAnswer } from './core/verify.ts';
import { foreignForVerify, foreignVerification } from './core/verify-foreign.ts';
import { DEVICE_ISSUE, type DeviceIssue } from './device/port.ts';
import { LEAK_INTAKE } from './leaks/port.ts';
import type { LifecycleContext } from './lifecycle/context.ts';
import { issue } from './lifecycle/issue.ts';
import { leakIntake } from './lifecycle/leak.ts';
import { get, invalidateOwner, list } from './lifecycle/list.ts';
import { revoke, revokeAll } from './lifecycle/revoke.ts';
import { rotate } from './lifecycle/rotate.ts';
import type { Keycard } from './lifecycle/types.ts';
import { update } from './lifecycle/update.ts';
import { UnansweredRevokeAlls, UnansweredRevokes } from './lifecycle/unanswered.ts';
import { memoryTokenStore } from './stores/memory.ts';
import { memoryLimiter } from './stores/memory-limiter.ts';
import { defineProperty, freeze } from './core/builtins.ts';

export { toRecord } from './core/records.ts';
export type { VerifyResult } from './core/verify.ts';
export type {
  Actor,
  IssueInput,
  IssuedToken,
  ListFilter,
  RevokeAllOptions,
  UpdatePatch,
  Keycard,
} from './lifecycle/types.ts';

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
  const o = resolveOptions(options);
  const { clock, format, hierarchy, defaultRateLimit, defaultExpiry } = o;
  const { onError, requestErrors, pendingReports } = reporters(options, clock);
  const onRequestError = requestErrors.report;
  const catalogue = options.scopes;
  const store = options.store ?? memoryTokenStore();
  const limiter = options.limiter ?? memoryLimiter({ clock });
  if (store.shared && options.limiter === undefined) {
    o.onWarning(
      'keycard: the token store is shared between processes but the rate limiter is in memory: each process counts on its own, so N processes multiply every limit by N. Use a shared limiter (keycard/redis).',
    );
  }
  const hasher = createHasher(options.peppers ?? []);
  const cache = new TokenCache(o.cacheSize, o.negativeCacheSize);
  const owners = options.resolveOwner
    ? new OwnerBound(options.resolveOwner, o.ownerCacheMs, o.storeTimeoutMs, clock)
    : null;
  const emitter = new Emitter(onError);
  const audit = new AuditTrail({
    sinks: o.sinks,
    queueSize: o.auditQueueSize,
    timeoutMs: o.auditTimeoutMs,
    onError,
    clock,
  });
  const call = <T>(what: string, f: () => T | Promise<T>) => bounded(f, o.storeTimeoutMs, what);
  // What the parts below share, each taking the members it reads (src/lifecycle/context.ts's too).
  const base = { options, catalogue, hierarchy, clock, store, cache, owners, emitter, audit, format, hasher, call };
  const invalidation = createInvalidation({ ...base, revocationBoundMs: o.revocationBoundMs, onError });
  const toucher = createToucher({
    ...base,
    onRequestError,
    touchIntervalMs: o.touchIntervalMs,
    cacheEnabled: o.cacheSize > 0,
  });
  const { touch, track } = toucher;
  const { cacheTrustMs, noteExpired } = invalidation;
  const verifier = createVerifier<S>({ ...base, onRequestError, touch, track, cacheTrustMs, noteExpired });
  const args = argumentValidators({ catalogue, hierarchy, clock });
  // One frozen context: every management operation takes it explicitly (src/lifecycle/context.ts).
  const ctx: LifecycleContext<S> = freeze({
    ...base,
    ...{ args, defaultExpiry, defaultRateLimit, invalidation, verifier, onError },
    ...{ unanswered: new UnansweredRevokes(onError), unansweredAll: new UnansweredRevokeAlls(onError) },
  });
  const { verifySecret } = verifier;
  const verifyForeign = options.oauth
    ? foreignVerification<S>({
        verifier: options.oauth,
        catalogue,
        owners,
        hierarchy,
        onError: onRequestError,
        onOwnerGone: (principalId, workspaceId, status) =>
          emitter.emit('owner.gone', { principalId, workspaceId, status }),
      })
    : undefined;
  // keycard.verify() of a credential without our prefix, in dual mode (else null: the store's).
  const foreign = verifyForeign ? foreignForVerify(verifyForeign, format) : () => null;
  const authenticate = createAuthenticator<S>({
    ...base,
    ...{ limiter, defaultRateLimit, onError: onRequestError, timeoutMs: o.storeTimeoutMs, verify: verifySecret },
    verifyForeign, // read by its truth (src/core/authenticate.ts, first-pass.ts)
  });

  const keycard: Keycard<S> = {
    scopes: catalogue,
    clock,
    resourceTypes: freeze([...(options.resources ?? [])]),
    issue: (input) => issue(ctx, input),
    recordAudit: (event) => audit.token(event),
    verify(token, context) {
      // Not async: a cache hit resolves with the record's one frozen answer (no async frame, no copy).
      try {
        const f = foreign(token, context?.workspaceId);
        if (f) return f.then(verifyAnswer);
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
    authenticate,
    ...endings({ ...base, storeTimeoutMs: o.storeTimeoutMs, onError, toucher, pendingReports, invalidation, limiter }),
  };
  // The leak intake's internal door (src/leaks/port.ts): under a symbol, non-enumerable.
  defineProperty(keycard, LEAK_INTAKE, { value: leakIntake(ctx) });
  // The device routes' internal door (src/device/port.ts): a token issued as of its approval.
  const deviceIssue: DeviceIssue = (input, authorizedAt) => issue(ctx, input, { createdAt: authorizedAt });
  defineProperty(keycard, DEVICE_ISSUE, { value: deviceIssue });
  // The deadline the device routes give their grant store (src/core/bounded.ts).
  defineProperty(keycard, STORE_TIMEOUT, { value: o.storeTimeoutMs });
  defineProperty(keycard, PENDING_REPORTS, { value: pendingReports });
  return keycard;
}

/**
 * The instance's error reporters: one that never throws, the per-second throttle of the request
 * path, and the set of throttles holding a count (this one's and those of the handlers built on
 * the instance), which `close()` reports.
 */
function reporters(
  options: KeycardOptions<string>,
  clock: Clock,
): { onError: (e: unknown) => void; requestErrors: ReportThrottle; pendingReports: Set<ReportThrottle> } {
  const reportError =
    options.onError ?? ((e: unknown) => console.error('keycard:', e instanceof Error ? `${e.name}: ${e.message}` : e));
  // Every report goes through here: an integrator's onError that throws must not turn a store
  // outage into a 500, a background write into an unhandled rejection, or a listener's failure
  // into a failed management call that already wrote.
  const onError = safeReport(reportError);
  // Failures on the request path (store, resolver, limiter, background writes) are coalesced per
  // kind per second with a count: an outage must not become one report per request.
  const pendingReports = new Set<ReportThrottle>();
  return { onError, requestErrors: new ReportThrottle(onError, clock, pendingReports), pendingReports };
}

/**
 * `flush()` and `close()`: the work requests left running waited for (bounded), the throttled
 * reports' counts given to `onError`; `close()` then unsubscribes and closes what keycard created.
 */
function endings(deps: {
  readonly options: KeycardOptions<string>;
  readonly storeTimeoutMs: number;
  readonly onError: (e: unknown) => void;
  readonly toucher: Toucher;
  readonly audit: AuditTrail;
  readonly pendingReports: Set<ReportThrottle>;
  readonly invalidation: { readonly subscribed: unknown; unsubscribe(): unknown };
  readonly store: TokenStore;
  readonly limiter: LimiterStore;
}): Pick<Keycard<string>, 'flush' | 'close'> {
  const { options, storeTimeoutMs, onError, toucher, audit, pendingReports, invalidation, store, limiter } = deps;
  const step = shutdownStep(storeTimeoutMs, onError);
  const reportCounts = () => {
    for (const t of [...pendingReports]) t.flush();
  };
  return {
    async flush() {
      await toucher.settled(storeTimeoutMs + 50);
      reportCounts();
      await audit.flush();
    },
    async close() {
      await step('Subscribing', () => invalidation.subscribed);
      await step('Pending writes', () => toucher.settled(storeTimeoutMs + 50));
      reportCounts();
      await audit.close();
      await step('Unsubscribing', () => invalidation.unsubscribe());
      if (options.store === undefined) await step('Closing the store', () => store.close?.());
      if (options.limiter === undefined) await step('Closing the limiter', () => limiter.close?.());
    },
  };
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
