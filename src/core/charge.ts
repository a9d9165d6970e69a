/**
 * The charge stage: the limit precedence (the token's own limit, else its workspace's from
 * `workspaceRateLimit`, cached for `ownerCacheMs` — an OAuth token's bound workspace, never the
 * one its request names —, else the instance default), the key and
 * policy to charge, one call of the limiter port, and the draft-10 headers of an admission.
 */
import type { AuthenticatorDeps } from './auth-types.ts';
import { bounded, unavailable } from './bounded.ts';
import type { CacheEntry } from './cache.ts';
import type { Identity } from './identity.ts';
import {
  chargeFor,
  parseRateLimit,
  type LimitClass,
  type LimitDecision,
  type LimitPolicy,
  type LimiterStore,
  type RateLimitConfig,
} from './limiter.ts';
import type { HotFields } from './verify.ts';
import { limitWorkspaceOf } from './verify-foreign.ts';

/** Builds the limit-config resolver of one instance; its caches live as long as the instance. */
export function limitConfigResolver<S extends string>(
  deps: AuthenticatorDeps<S>,
): (identity: Identity<S>, entry: CacheEntry | undefined) => RateLimitConfig | Promise<RateLimitConfig> {
  const { options, timeoutMs } = deps;
  const limitConfigs = new WeakMap<object, RateLimitConfig>();
  const workspaceLimits = new Map<string, { config: RateLimitConfig | null; at: number }>();

  /** The limit to charge: synchronous unless a workspace resolver must be asked (no microtask on the hot path). */
  function limitConfigFor(
    identity: Identity<S>,
    entry: CacheEntry | undefined,
  ): RateLimitConfig | Promise<RateLimitConfig> {
    const own = entry?.token.rateLimit;
    if (own) {
      let c = limitConfigs.get(entry.token);
      if (!c) limitConfigs.set(entry.token, (c = parseRateLimit(own, 'token.rateLimit')));
      return c;
    }
    const resolver = options.workspaceRateLimit;
    if (!resolver) return deps.defaultRateLimit;
    // An OAuth token's limit is its bound workspace's: the one a request names is the caller's pick.
    const ws = identity.kind === 'oauth' ? limitWorkspaceOf(identity) : identity.workspaceId;
    if (ws !== null) {
      const now = deps.clock.monotonic();
      const held = workspaceLimits.get(ws);
      if (held && now - held.at < (options.ownerCacheMs ?? 1000)) return held.config ?? deps.defaultRateLimit;
      return (async () => {
        const input = await bounded(() => resolver(ws), timeoutMs, 'Workspace rate-limit resolver');
        const config = input ? parseRateLimit(input, 'workspaceRateLimit()') : null;
        if (workspaceLimits.size >= 10_000) workspaceLimits.clear();
        workspaceLimits.set(ws, { config, at: now });
        return config ?? deps.defaultRateLimit;
      })();
    }
    return deps.defaultRateLimit;
  }
  return limitConfigFor;
}

/** The policy a class is charged under (as `chargeFor`). */
export function policyFor(config: RateLimitConfig, cls: LimitClass): LimitPolicy {
  return config.shared || cls === 'read' ? config.read : config.write;
}

/** The limiter key (as `chargeFor`), from the keys the cache entry holds when there is one. */
export function keyFor<S extends string>(
  config: RateLimitConfig,
  identity: Identity<S>,
  entry: CacheEntry | undefined,
  cls: LimitClass,
): string {
  // The entry's keys are its record's family id: the identity's, whatever owner bound narrowed it.
  const hot = entry?.hot as HotFields<S> | undefined;
  if (hot === undefined) return chargeFor(config, identity.familyId, cls).key;
  return config.shared ? hot.keyAll : cls === 'read' ? hot.keyRead : hot.keyWrite;
}

/**
 * One charge through the limiter port. A synchronous answer (the memory limiter) is taken as it
 * is, with no closure, timer or promise; only a thenable gets the `storeTimeoutMs` deadline.
 * A throw or rejection becomes `KeycardError('unavailable')`, as through `bounded`.
 */
export function consume(
  limiter: LimiterStore,
  key: string,
  policy: LimitPolicy,
  timeoutMs: number,
): LimitDecision | Promise<LimitDecision> {
  let d: LimitDecision | Promise<LimitDecision>;
  try {
    d = limiter.consume(key, policy.limit, policy.windowSeconds);
  } catch (e) {
    throw unavailable('Rate limiter', e);
  }
  if (typeof (d as { then?: unknown }).then !== 'function') return d;
  const pending = d;
  return bounded(() => pending, timeoutMs, 'Rate limiter') as Promise<LimitDecision>;
}

/** `"name";q=…;w=…` and `"name";r=` of the last policy seen: most instances charge one or two. */
let lastPolicy: LimitPolicy | null = null;
let lastStrings: { readonly policy: string; readonly head: string } = { policy: '', head: '' };

/**
 * The draft-10 headers of an admission, byte for byte those of `rateLimitHeaders` (the
 * contract tests compare them): the `RateLimit-Policy` value and the head of `RateLimit` are
 * built once per policy, leaving one concatenation a request.
 */
export function admittedHeaders(policy: LimitPolicy, d: LimitDecision): Record<string, string> {
  if (policy !== lastPolicy) {
    const name = `"${policy.name}"`;
    lastStrings = { policy: `${name};q=${policy.limit};w=${policy.windowSeconds}`, head: `${name};r=` };
    lastPolicy = policy;
  }
  return { 'RateLimit-Policy': lastStrings.policy, RateLimit: `${lastStrings.head}${d.remaining};t=${d.resetSeconds}` };
}
