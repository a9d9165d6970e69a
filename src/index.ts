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
