/**
 * @module keycard/oauth
 * keycard/oauth — OAuth 2.0 access tokens beside keycard tokens (SPEC §16): a jose-based
 * verifier of RFC 9068 JWT access tokens for `createKeycard({ oauth })`, and the RFC 9728
 * protected resource metadata that tells MCP clients where to get one.
 *
 * @module
 */
export { jwtAccessTokens } from './jwt.ts';
export type { JwtAccessTokenOptions, JwtOwner } from './jwt.ts';
export { protectedResource } from './metadata.ts';
export type { ProtectedResource, ProtectedResourceOptions } from './metadata.ts';
export type { ForeignTokenVerifier, ForeignVerification } from '../core/foreign.ts';
