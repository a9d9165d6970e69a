/**
 * @module keycard/adapter-kit
 * Building blocks for authors of framework adapters (and for keycard's own Express, Hono, Next
 * and MCP adapters): the problem body and its codes, the preflight answer, the MCP refusal, the
 * draft-10 rate-limit headers, request ids and the audited path. An adapter translates; the
 * decisions stay in the core (`keycard.authenticate`).
 */
// The helpers with their arguments checked (src/core/adapter-kit-checked.ts); the core's own calls skip the checks.
export { problem, rateLimitHeaders, describeMissing, describeDenial } from './core/adapter-kit-checked.ts';
export { auditPath } from './core/adapter-kit-checked.ts';
export { PREFLIGHT_ANSWER } from './core/http.ts';
export type { Problem, ProblemDetail } from './core/http.ts';
export { REQUEST_ERROR_CODES } from './core/errors.ts';
export type { RequestErrorCode } from './core/errors.ts';
export { mcpRefusal } from './core/mcp-refusal.ts';
export type { McpRefusalReason } from './core/mcp-refusal.ts';
export { requestIdFrom } from './core/audit.ts';
export type { AuthRequest, AuthResult, AuthRequirement } from './core/authenticate.ts';
export { REQUIREMENT_KEYS } from './core/auth-types.ts';
export { computedRequirement, requirementError } from './core/requirement-check.ts';
/** A factory's first argument checked at the call: `checkKeycard(keycard, 'myGuard', 'myGuard(keycard)')`. */
export { checkKeycard, kindOf } from './core/arguments-check.ts';
/** zod parse parameters giving keycard's English messages whatever locale the application sets (an adapter's own options). */
export { english as zodEnglish } from './core/config.ts';
/**
 * The one formatter of a failed options parse: `KeycardError('invalid_config')` naming every bad
 * field, `where: field: problem; a, b: unknown options`, as keycard's own options say it.
 */
export { configError } from './core/adapter-kit-checked.ts';
/** `value` as a URL, or null: a check that, unlike Node 20's `URL.canParse`, answers the same every time. */
export { parseUrl } from './core/url.ts';
/**
 * The URL of a Node request from its scheme, `Host` and target, each checked on its own (null when
 * they make none honestly), and the 400 problem to answer then: for a mount handing Node requests
 * to a Web handler; and the 400 problem for a method a Web `Request` cannot carry (CONNECT, TRACE, TRACK).
 */
export { nodeRequestUrl } from './core/adapter-kit-checked.ts';
export { badRequestUrl, badRequestMethod } from './core/request-url.ts';
/**
 * For a mount handing a Web `Request` it made from a checked request to a Web handler (the
 * management API): `linkRequest(made, checked)` makes keycard count the two as one request, so a
 * token a guard admitted is not looked up, charged and audited again (only when both carry the
 * same `Authorization`).
 */
export { linkRequest } from './core/adapter-kit-checked.ts';
