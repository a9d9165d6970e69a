/**
 * @module keycard
 * The application's entry: create a keycard, define scopes and resource hierarchies, pick the
 * built-in stores and sinks, mount the management and leak-intake handlers, read tokens. Store
 * and adapter authors find their building blocks in `keycard/store-kit` and
 * `keycard/adapter-kit`; the OAuth 2.0 device grant is in `keycard/device` (docs/architecture.md
 * lists every subpath and its audience).
 */
// The order of these exports is the order of their modules in a bundler's output, and so what
// gzip finds close together: this one, found by measuring moves of one export at a time, makes
// `export * from 'keycard'` 389 B and `createKeycard` alone 23 B smaller in gzip than the order
// by topic (session 43, docs/benchmarks.md); measured again in session 47 (redact after Identity:
// −23 B, createKeycard alone unchanged). Measure before moving one (test/bundle-size.test.ts).
export { KeycardError, isKeycardError } from './core/errors.ts';
export type { KeycardErrorCode, RequestErrorCode } from './core/errors.ts';

export { defineScopes, allOf, anyOf, boundByOwner } from './core/scopes.ts';
export type { ScopeCatalogue, ScopeDefinition, ScopeCatalogueOptions, Requirement } from './core/scopes.ts';

export { defineHierarchy, checkResource, filterResources } from './core/restrictions.ts';
export type { Hierarchy, Restrictions, ResourcePath, Access, ResourceCheck } from './core/restrictions.ts';

export { Identity } from './core/identity.ts';

export { redact } from './core/redact-public.ts';

export { parseToken, validateToken, scannerPattern } from './core/token-public.ts';
export type { TokenFormat, ParsedToken } from './core/token.ts';
export type { Pepper } from './core/hash.ts';
export type { Clock } from './core/clock.ts';

export { createKeycard } from './keycard.ts';
export type {
  Keycard,
  Actor,
  IssueInput,
  IssuedToken,
  VerifyResult,
  ListFilter,
  RevokeAllOptions,
  UpdatePatch,
} from './keycard.ts';
export type { KeycardOptions, ExpiryPreset, AuthFailure } from './core/options.ts';
export type { AuthRequirement, AuthRequest, AuthResult, Authenticate } from './core/authenticate.ts';
export type { ForeignTokenVerifier, ForeignVerification } from './core/foreign.ts';
export type { KeycardEvents, KeycardEventName } from './core/events.ts';
export type { OwnerResolver, OwnerStatus } from './core/owners.ts';

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

export { describeActor } from './core/attribution.ts';
export type { DescribeActorOptions, ActorIdentityLike } from './core/attribution.ts';

export { memoryAuditStore } from './core/audit-memory.ts';
export type { MemoryAuditStore, MemoryAuditStoreOptions } from './core/audit-memory.ts';

export { memoryTokenStore } from './stores/memory.ts';
export type { MemoryTokenStore } from './stores/memory.ts';
export type { TokenStore, TokenRecord, StoredToken, JsonValue, RateLimitSetting } from './core/store.ts';

export { memoryLimiter } from './stores/memory-limiter.ts';
export type { MemoryLimiterOptions } from './stores/memory-limiter.ts';
export type { LimiterStore, LimitClass, RateLimitInput, RateLimitConfig } from './core/limiter.ts';

export { memoryAuditSink, jsonLinesSink } from './core/audit.ts';
export type {
  AuditEvent,
  AuditSink,
  TokenAuditEvent,
  RequestAuditEvent,
  AuditActor,
  Surface,
  AuditOptions,
} from './core/audit.ts';

export { createLeakIntakeHandler } from './leaks/handler.ts';
export type { LeakIntakeOptions } from './leaks/handler.ts';
export type { LeakNotice, LeakAnswer, MatchOutcome, TokenHashEncoding } from './leaks/matches.ts';
export type { LeakProvider } from './leaks/providers.ts';

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
  ManagementDeviceOptions,
} from './manage/options.ts';
export type { ManagementErrorCode, FieldError } from './manage/problem.ts';
export type { TokenView } from './manage/answer-schemas.ts';
