/**
 * @module keycard/store-kit
 * Building blocks for authors of token, limiter and audit stores (and for keycard's own): the
 * record and patch types, the revoke-all watermark rule, the limiter's decision and policy
 * parsing, restriction parsing and narrowing, the token format's low-level pieces, hashing and
 * the audit CSV columns. Applications import from `keycard`; conformance suites live in
 * `keycard/testing`.
 */
// The helpers with their arguments checked (src/core/store-kit-checked.ts); keycard's own calls skip the checks.
export { toRecord, countedByRevokeAll, coveredByRevokeAll, watermarkKey } from './core/store-kit-checked.ts';
export { classOf, chargeFor, crc32, createHasher, constantTimeEqual } from './core/store-kit-checked.ts';
export { WATERMARK_REASON } from './core/store.ts';
export type {
  TokenStore,
  TokenRecord,
  StoredToken,
  TokenPatch,
  UpdateResult,
  RevokeAllFilter,
  RevokeAllIfCountResult,
  RevokeAnswer,
  ListQuery,
  StoreChange,
  JsonValue,
  RateLimitSetting,
  Awaitable,
} from './core/store.ts';
export { decide, parseRateLimit, DEFAULT_RATE_LIMIT } from './core/limiter.ts';
export type {
  LimiterStore,
  LimitDecision,
  LimitPolicy,
  LimitClass,
  RateLimitInput,
  RateLimitConfig,
  LimiterState,
} from './core/limiter.ts';
export { isNarrowerOrEqual, parseRestrictions } from './core/restrictions.ts';
export { generateToken, formatToken } from './core/token-public.ts';
export { BASE62, FORMAT_VERSION } from './core/token.ts';
export type { Pepper, TokenHasher } from './core/hash.ts';
export { systemClock } from './core/clock.ts';
export type { Clock } from './core/clock.ts';
export { REDACTED } from './core/redact.ts';
export { AuditTrail } from './core/audit.ts';
export type { TokenAuditInput } from './core/audit.ts';
export { AUDIT_CSV_COLUMNS } from './core/audit-export.ts';
