// keycard core: named re-exports only.
export { KeycardError, isKeycardError, REQUEST_ERROR_CODES } from './core/errors.ts';
export type { KeycardErrorCode, RequestErrorCode } from './core/errors.ts';
export { redact, REDACTED } from './core/redact.ts';
export { systemClock } from './core/clock.ts';
export type { Clock } from './core/clock.ts';
export { generate, format, parse, validate, scannerPattern, crc32, BASE62, FORMAT_VERSION } from './core/token.ts';
export type { TokenFormat, ParsedToken } from './core/token.ts';
export { createHasher, constantTimeEqual } from './core/hash.ts';
export type { Pepper, TokenHasher } from './core/hash.ts';
export { defineScopes, allOf, anyOf, boundByOwner, describeMissing } from './core/scopes.ts';
export type { ScopeCatalogue, ScopeDefinition, ScopeCatalogueOptions, Requirement } from './core/scopes.ts';
export { createKeycard, toRecord } from './keycard.ts';
export type { Keycard, Actor, IssueInput, IssuedToken, VerifyResult, ListFilter, UpdatePatch } from './keycard.ts';
export type { KeycardOptions, ExpiryPreset, AuthFailure } from './core/options.ts';
export type { ForeignTokenVerifier, ForeignVerification } from './core/foreign.ts';
export type { AuthRequirement, AuthRequest, AuthResult, Authenticate } from './core/authenticate.ts';
export { Identity } from './core/identity.ts';
export type { KeycardEvents, KeycardEventName } from './core/events.ts';
export type { OwnerResolver, OwnerStatus } from './core/owners.ts';
export { coveredByRevokeAll } from './core/store.ts';
export type {
  TokenStore,
  TokenRecord,
  StoredToken,
  TokenPatch,
  UpdateResult,
  RevokeAllFilter,
  ListQuery,
  StoreChange,
  JsonValue,
  RateLimitSetting,
  Awaitable,
} from './core/store.ts';
export { memoryTokenStore } from './stores/memory.ts';
export type { MemoryTokenStore } from './stores/memory.ts';
export { memoryLimiter } from './stores/memory-limiter.ts';
export type { MemoryLimiterOptions } from './stores/memory-limiter.ts';
export { decide, parseRateLimit, rateLimitHeaders, classOf, chargeFor, DEFAULT_RATE_LIMIT } from './core/limiter.ts';
export type {
  LimiterStore,
  LimitDecision,
  LimitPolicy,
  LimitClass,
  RateLimitInput,
  RateLimitConfig,
  LimiterState,
} from './core/limiter.ts';
export { defineHierarchy, checkResource, filterResources, isNarrowerOrEqual } from './core/restrictions.ts';
export type { Hierarchy, Restrictions, ResourcePath, Access, ResourceCheck } from './core/restrictions.ts';
export { memoryAuditSink, jsonLinesSink, requestIdFrom, auditPath, AuditTrail } from './core/audit.ts';
export type {
  AuditEvent,
  AuditSink,
  TokenAuditEvent,
  RequestAuditEvent,
  AuditActor,
  Surface,
  AuditOptions,
} from './core/audit.ts';
export { problem } from './core/http.ts';
export type { Problem, ProblemDetail } from './core/http.ts';
export type { TokenAuditInput } from './core/audit.ts';
export { createDeviceRoutes } from './device/routes.ts';
export type { DeviceRoutes } from './device/routes.ts';
export type { DeviceRoutesOptions, DeviceAuthorize } from './device/options.ts';
export { memoryPendingGrantStore } from './device/grant-store.ts';
export type { PendingGrantStore, PendingGrant, PendingGrantPatch, PendingGrantStatus } from './device/grant-store.ts';
export { PREFLIGHT_ANSWER } from './core/http.ts'; // issue 11 (fail-adapters)
export { mcpRefusal } from './core/mcp-refusal.ts';
export type { McpRefusalReason } from './core/mcp-refusal.ts';
export { createManagementHandler } from './manage/handler.ts';
export type { ManagementHandler } from './manage/handler.ts';
export type {
  ManagementOptions,
  ManagementActor,
  UserActor,
  TokenActor,
  ManagementAction,
  ManagementTarget,
  DefaultCan,
  ActivityFilter,
  ActivitySource,
} from './manage/options.ts';
export type { ManagementDeviceOptions } from './manage/options.ts';
export type { ManagementErrorCode, FieldError } from './manage/problem.ts';
export type { TokenView } from './manage/schemas.ts';
export { memoryAuditStore } from './core/audit-memory.ts';
export type { MemoryAuditStore, MemoryAuditStoreOptions } from './core/audit-memory.ts';
export { AuditLossError } from './core/audit-store.ts';
export type {
  AuditStore,
  AuditQuery,
  AuditFilter,
  AuditPage,
  AuditUsageDay,
  AuditExportFormat,
  AuditEventType,
  AuditTime,
  AuditRequestsMode,
  StoredAuditEvent,
} from './core/audit-store.ts';
export { AUDIT_CSV_COLUMNS } from './core/audit-export.ts';
export { describeActor } from './core/attribution.ts';
export type { DescribeActorOptions, ActorIdentityLike } from './core/attribution.ts';
export { createLeakIntakeHandler } from './leaks/handler.ts';
export type { LeakIntakeOptions } from './leaks/handler.ts';
export type { LeakNotice, LeakAnswer, MatchOutcome, TokenHashEncoding } from './leaks/matches.ts';
export type { LeakProvider } from './leaks/providers.ts';
export { watermarkKey, WATERMARK_REASON } from './core/store.ts';
