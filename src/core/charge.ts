/**
 * The charge stage's limit precedence: the token's own limit, else its workspace's (from
 * `workspaceRateLimit`, cached for `ownerCacheMs`), else the instance default.
 */
import type { AuthenticatorDeps } from './auth-types.ts';
import { bounded } from './bounded.ts';
import type { CacheEntry } from './cache.ts';
import type { Identity } from './identity.ts';
import { parseRateLimit, type RateLimitConfig } from './limiter.ts';

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
    if (resolver && identity.workspaceId !== null) {
      const ws = identity.workspaceId;
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
