/**
 * @module keycard/store-kit
 * Building blocks for authors of token, limiter and audit stores (and for keycard's own): the
 * record and patch types, the revoke-all watermark rule, the limiter's decision and policy
 * parsing, restriction parsing and narrowing, the token format's low-level pieces, hashing and
 * the audit CSV columns. Applications import from `keycard`; conformance suites live in
 * `keycard/testing`.
 */
export { toRecord } from './keycard.ts';
export { countedByRevokeAll, coveredByRevokeAll, watermarkKey, WATERMARK_REASON } from './core/store.ts';
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
export { decide, parseRateLimit, classOf, chargeFor, DEFAULT_RATE_LIMIT } from './core/limiter.ts';
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
export { generateToken, formatToken, crc32, BASE62, FORMAT_VERSION } from './core/token.ts';
export { createHasher, constantTimeEqual } from './core/hash.ts';
export type { Pepper, TokenHasher } from './core/hash.ts';
export { systemClock } from './core/clock.ts';
export type { Clock } from './core/clock.ts';
export { REDACTED } from './core/redact.ts';
export { AuditTrail } from './core/audit.ts';
export type { TokenAuditInput } from './core/audit.ts';
export { AUDIT_CSV_COLUMNS } from './core/audit-export.ts';
