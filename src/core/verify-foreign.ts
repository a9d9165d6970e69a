/**
 * Dual mode (SPEC §16): turns an OAuth access token verified by `options.oauth` into the same
 * `Identity` a keycard token gets, with `kind: 'oauth'`, the catalogue closure of its `scope`
 * claim and the owner bound of the subject it maps to. The limiter key is the identity's
 * `familyId`, `oauth:<sub>:<client_id>` (each part `%`/`:`-escaped by `jwtAccessTokens`), so each
 * subject and client has its own budget.
 */
import { KeycardError } from './errors.ts';
import type { ForeignTokenVerifier, ForeignVerification } from './foreign.ts';
import { Identity } from './identity.ts';
import type { OwnerBound } from './owners.ts';
import type { Hierarchy } from './restrictions.ts';
import { boundByOwner, type ScopeCatalogue } from './scopes.ts';
import type { TokenRecord } from './store.ts';
import type { KnownToken, VerifyOutcome } from './authenticate.ts';

interface ForeignDeps<S extends string> {
  readonly verifier: ForeignTokenVerifier;
  readonly catalogue: ScopeCatalogue<S>;
  readonly owners: OwnerBound | null;
  readonly hierarchy: Hierarchy | null;
  readonly onError: (error: unknown) => void;
  readonly onOwnerGone: (principalId: string, workspaceId: string | null, status: 'gone' | 'disabled') => void;
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
    familyId: v.tokenId,
    start: 'oauth',
    metadata: { via: 'oauth', subject: v.subject, clientId: v.clientId },
    version: 0,
  } as TokenRecord;
}

const BAD_SHAPE =
  'another shape than { tokenId, subject, ownerId, label: non-empty strings; clientId, workspaceId: non-empty string or null; scopes: string[]; expiresAt, issuedAt: numbers }';
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
    Array.isArray(v.scopes) &&
    v.scopes.every((s) => typeof s === 'string') &&
    Number.isFinite(v.expiresAt) &&
    Number.isFinite(v.issuedAt)
  );
}

/**
 * A failure a verifier answered with, as `onError` gets it: an `unavailable` that says what
 * failed, the token masked in its message and cause chain should a custom verifier put it there.
 */
function failureOf(error: unknown, token: string): KeycardError {
  const what = error instanceof Error ? error.message : String(error);
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
      v = await verifier.verify(secret);
    } catch (e) {
      deps.onError(e);
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
      if (standing.scopes) scopes = boundByOwner(scopes, catalogue.closure(standing.scopes));
    }
    return { ok: true, identity: new Identity<S>(recordOf(v, ws), scopes, hierarchy, 'oauth') };
  };
}
