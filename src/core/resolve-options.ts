/**
 * `resolveOptions`: the one owner of `createKeycard`'s defaults. It validates the options
 * strictly (an unknown key is `invalid_config` naming it, `core/options.ts`) and returns every
 * setting with its default applied, so no other file writes a default of its own.
 */
import type { AuditSink } from './audit.ts';
import { DEFAULT_STORE_TIMEOUT_MS } from './bounded.ts';
import { systemClock, type Clock } from './clock.ts';
import { DEFAULT_RATE_LIMIT, parseRateLimit, type RateLimitConfig } from './limiter.ts';
import { validateOptions, type ExpiryPreset, type KeycardOptions } from './options.ts';
import { defineHierarchy, type Hierarchy } from './restrictions.ts';
import type { TokenFormat } from './token.ts';
import { isArray } from './builtins.ts';

/** Every setting of an instance, defaults applied (the defaults are documented on `KeycardOptions`). */
export interface ResolvedOptions {
  readonly clock: Clock;
  readonly onWarning: (message: string) => void;
  readonly format: TokenFormat;
  readonly hierarchy: Hierarchy | null;
  readonly defaultRateLimit: RateLimitConfig;
  readonly defaultExpiry: ExpiryPreset | number;
  readonly storeTimeoutMs: number;
  readonly cacheSize: number;
  readonly negativeCacheSize: number;
  readonly ownerCacheMs: number;
  readonly revocationBoundMs: number;
  readonly touchIntervalMs: number;
  readonly sinks: readonly AuditSink[];
  readonly auditQueueSize: number;
  readonly auditTimeoutMs: number;
}

/**
 * Validates `options` and applies every default once.
 * @throws KeycardError `invalid_config` naming every bad or unknown option
 */
export function resolveOptions<S extends string>(options: KeycardOptions<S>): ResolvedOptions {
  validateOptions(options);
  return {
    clock: options.clock ?? systemClock,
    onWarning: options.onWarning ?? ((m: string) => console.warn(m)),
    format: { prefix: options.prefix, type: options.type ?? 'sk' },
    hierarchy: options.resources ? defineHierarchy(options.resources) : null,
    defaultRateLimit: options.rateLimit ? parseRateLimit(options.rateLimit, 'rateLimit') : DEFAULT_RATE_LIMIT,
    defaultExpiry: options.defaultExpiresIn ?? 'never',
    storeTimeoutMs: options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS,
    cacheSize: options.cacheSize ?? 10_000,
    negativeCacheSize: options.negativeCacheSize ?? 10_000,
    ownerCacheMs: options.ownerCacheMs ?? 1000,
    revocationBoundMs: options.revocationBoundMs ?? 1000,
    touchIntervalMs: options.touchIntervalMs ?? 60_000,
    sinks: options.audit === undefined ? [] : isArray(options.audit) ? options.audit : [options.audit as AuditSink],
    auditQueueSize: options.auditQueueSize ?? 10_000,
    auditTimeoutMs: options.auditTimeoutMs ?? 1000,
  };
}
