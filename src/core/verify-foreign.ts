/**
 * Dual mode (SPEC §16): turns an OAuth access token verified by `options.oauth` into the same
 * `Identity` a keycard token gets, with `kind: 'oauth'`, the catalogue closure of its `scope`
 * claim and the owner bound of the subject it maps to. The limiter key is the identity's
 * `familyId`, `oauth:<iss>:<sub>` (or `oauth:<sub>` from a verifier that names no issuer): one
 * budget per person, however many clients they registered. The limit is that of the workspace
 * the token is bound to (`limitWorkspaceOf`), never of the one a request names.
 */
import { isB64Token } from './credentials.ts';
import { withDeadline } from './bounded.ts';
import { KeycardError } from './errors.ts';
import {
  FOREIGN_MAX_BYTES,
  FOREIGN_VERIFY_MS,
  oauthIdPart,
  type ForeignTokenVerifier,
  type ForeignVerification,
} from './foreign.ts';
import { Identity } from './identity.ts';
import type { OwnerBound } from './owners.ts';
import type { Hierarchy } from './restrictions.ts';
import { boundScopes, type ScopeCatalogue } from './scopes.ts';
import type { TokenRecord } from './store.ts';
import type { KnownToken, VerifyOutcome } from './authenticate.ts';
import type { TokenFormat } from './token.ts';
import { freeze, isArray } from './builtins.ts';

interface ForeignDeps<S extends string> {
  readonly verifier: ForeignTokenVerifier;
  readonly catalogue: ScopeCatalogue<S>;
  readonly owners: OwnerBound | null;
  readonly hierarchy: Hierarchy | null;
  readonly onError: (error: unknown) => void;
  readonly onOwnerGone: (principalId: string, workspaceId: string | null, status: 'gone' | 'disabled') => void;
}

/** The rate-limit budget of a foreign token: its subject's at its issuer, whatever its client. */
function budgetOf(v: Extract<ForeignVerification, { ok: true }>): string {
  const subject = oauthIdPart(v.subject);
  return v.issuer === undefined ? `oauth:${subject}` : `oauth:${oauthIdPart(v.issuer)}:${subject}`;
}

/** The workspace each OAuth identity is bound to (the verifier's `workspaceId`), for its limit. */
const boundWorkspaces = new WeakMap<Identity<string>, string | null>();

/**
 * The workspace whose `workspaceRateLimit` an OAuth identity is charged: the one its token is
 * bound to, not `identity.workspaceId` (the workspace the request named, where the owner bound
 * was taken), which the caller chooses.
 */
export function limitWorkspaceOf(identity: Identity<string>): string | null {
  return boundWorkspaces.get(identity) ?? null;
}

/** The record an OAuth identity is built from: nothing stored, nothing secret. */
function recordOf(v: Extract<ForeignVerification, { ok: true }>, workspaceId: string | null): TokenRecord {
  return {
    id: v.tokenId,
    label: v.label,
    ownerId: v.ownerId,
    kind: 'personal',
    workspaceId,
    scopes: [...v.scopes],
    restrictions: null,
    rateLimit: null,
    createdAt: v.issuedAt,
    createdBy: v.clientId,
    expiresAt: v.expiresAt,
    revokedAt: null,
    revokedReason: null,
    lastUsedAt: null,
    rotatedFromId: null,
    familyId: budgetOf(v),
    start: 'oauth',
    metadata: { via: 'oauth', subject: v.subject, clientId: v.clientId },
    version: 0,
  } as TokenRecord;
}

const BAD_SHAPE =
  'another shape than { tokenId, subject, ownerId, label: non-empty strings; clientId, workspaceId: non-empty string or null; issuer: absent or a non-empty string; scopes: string[]; expiresAt, issuedAt: numbers }';
/** The codes a refusal may carry: the port's, and `token_revoked` (an introspection's `active: false` may say so). */
const REFUSALS: ReadonlySet<unknown> = new Set(['invalid_token', 'token_expired', 'token_revoked', 'unavailable']);
const BAD_ANSWER =
  'neither { ok: true, … } nor { ok: false, code: invalid_token | token_expired | token_revoked | unavailable }';
const text = (v: unknown) => typeof v === 'string' && v !== '';

/** An ok answer of the port's documented shape (a verifier or its `owner` hook is integrator code). */
function wellShaped(v: Extract<ForeignVerification, { ok: true }>): boolean {
  return (
    text(v.tokenId) &&
    text(v.subject) &&
    text(v.ownerId) &&
    text(v.label) &&
    (v.clientId === null || text(v.clientId)) &&
    (v.workspaceId === null || text(v.workspaceId)) &&
    (v.issuer === undefined || text(v.issuer)) &&
    isArray(v.scopes) &&
    v.scopes.every((s) => typeof s === 'string') &&
    Number.isFinite(v.expiresAt) &&
    Number.isFinite(v.issuedAt)
  );
}

/**
 * A failure a verifier answered with or threw, as `onError` gets it: an `unavailable` that says
 * what failed, the token masked in its message and cause chain should a custom verifier put it there.
 */
function failureOf(error: unknown, token: string): KeycardError {
  let what: string;
  try {
    what = error instanceof Error ? String(error.message) : String(error);
  } catch {
    what = 'a value that cannot be printed'; // Object.create(null), a throwing toString
  }
  return new KeycardError('unavailable', `The oauth verifier is unavailable: ${what}`, {
    cause: error,
    secrets: [token],
  });
}

/** Builds the verification the pipeline calls for bearer tokens without keycard's prefix. */
export function foreignVerification<S extends string>(deps: ForeignDeps<S>) {
  const { verifier, catalogue, owners, hierarchy } = deps;
  return async (secret: string, workspaceId: string | null | undefined): Promise<VerifyOutcome<S>> => {
    let v: ForeignVerification;
    try {
      v = await withDeadline(() => verifier.verify(secret), FOREIGN_VERIFY_MS, 'the oauth verifier');
    } catch (e) {
      deps.onError(failureOf(e, secret)); // a custom verifier's throw may quote the token
      return { ok: false, code: 'unavailable' };
    }
    // Integrator code: an answer that is no object, or a refusal with another code, is no answer
    // (keycard.verify() must not resolve a code outside VerifyResult, nor reject with a TypeError).
    if (typeof v !== 'object' || v === null || (!v.ok && !REFUSALS.has(v.code))) {
      deps.onError(new KeycardError('unavailable', `The oauth verifier answered ${BAD_ANSWER}`));
      return { ok: false, code: 'unavailable' };
    }
    if (!v.ok) {
      if (v.error !== undefined) deps.onError(failureOf(v.error, secret));
      return { ok: false, code: v.code };
    }
    if (!wellShaped(v)) {
      deps.onError(new KeycardError('unavailable', `The oauth verifier answered ok with ${BAD_SHAPE}`));
      return { ok: false, code: 'unavailable' };
    }
    const ws = workspaceId ?? v.workspaceId;
    const known: KnownToken = { tokenId: v.tokenId, label: v.label, ownerId: v.ownerId, workspaceId: ws };
    // Unknown scope names are dropped (closure warns once per name), never an error.
    let scopes = catalogue.closure(v.scopes);
    if (owners) {
      let standing;
      try {
        standing = await owners.status(v.ownerId, ws, 'personal');
      } catch (e) {
        deps.onError(e);
        return { ok: false, code: 'unavailable', known };
      }
      if (standing.status !== 'active') {
        deps.onOwnerGone(v.ownerId, ws, standing.status);
        return { ok: false, code: 'token_revoked', known };
      }
      if (standing.scopes) scopes = boundScopes(scopes, catalogue.closure(standing.scopes));
    }
    const identity = new Identity<S>(recordOf(v, ws), scopes, hierarchy, 'oauth');
    boundWorkspaces.set(identity, v.workspaceId);
    return { ok: true, identity };
  };
}

const INVALID = freeze({ ok: false, code: 'invalid_token' } as const);

/**
 * `keycard.verify()` in dual mode: a credential without keycard's prefix is verified as
 * `authenticate()` verifies it (the OAuth verifier, the catalogue, the owner bound), without a
 * charge or an audit event; one over {@link FOREIGN_MAX_BYTES}, or not one b64token, is
 * `invalid_token` unread. Null for a credential that is keycard's (or not a string), which the
 * token store verifies.
 */
export function foreignForVerify<S extends string>(
  verifyForeign: ReturnType<typeof foreignVerification<S>>,
  format: TokenFormat,
) {
  const ours = `${format.prefix}_`;
  return (token: unknown, workspaceId: string | null | undefined): Promise<VerifyOutcome<S>> | null => {
    if (typeof token !== 'string' || token.startsWith(ours)) return null;
    // What authenticate() refuses unread is refused here too: one b64token (RFC 6750 §2.1), so
    // ` acme_…` or `"acme_…"` (a keycard secret) never goes to a verifier that may send it on.
    if (token.length > FOREIGN_MAX_BYTES || !isB64Token(token)) return Promise.resolve(INVALID);
    return verifyForeign(token, workspaceId);
  };
}
