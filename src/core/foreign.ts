/**
 * The port for bearer tokens keycard did not issue: OAuth 2.0 JWT access tokens from an
 * authorization server (SPEC §16). The core only knows this interface; `keycard/oauth`
 * implements it with jose, so the core bundle never carries a JOSE library.
 */

/** What a foreign-token verifier answers for one bearer credential. */
export type ForeignVerification =
  | {
      readonly ok: true;
      /**
       * A stable, non-secret id for audit and MCP session binding, unique per subject and client:
       * `jwtAccessTokens` answers `oauth:<sub>:<client_id>` with `%` and `:` percent-encoded in
       * each part, so no two (sub, client_id) pairs share one. Not the rate-limit key: see `issuer`.
       */
      readonly tokenId: string;
      /** The `sub` claim. */
      readonly subject: string;
      /**
       * The `iss` claim. With the subject it keys the token's rate-limit budget (its `familyId`,
       * `oauth:<iss>:<sub>`, or `oauth:<sub>` without an issuer, each part escaped as in `tokenId`):
       * one budget per person whatever client they use, since with open dynamic client
       * registration anyone can register clients at will. Give it whenever a verifier trusts more
       * than one issuer, or the same subject at two issuers shares one budget.
       * @default none: the budget is keyed by the subject alone
       */
      readonly issuer?: string;
      /** The `client_id` claim (RFC 9068 §2.2), or null. */
      readonly clientId: string | null;
      /** The `scope` claim split on spaces (RFC 9068 §2.2.3.1), before catalogue mapping. */
      readonly scopes: readonly string[];
      /** Epoch ms from which the token is refused: `exp`, plus any clock tolerance the verifier allows. */
      readonly expiresAt: number;
      /** Epoch ms of `iat`, or the verification time. */
      readonly issuedAt: number;
      /** Whose permissions bound the token (the owner bound applies to it as to a personal token). */
      readonly ownerId: string;
      /**
       * The workspace the token is bound to, or null. Its `workspaceRateLimit` is the limit the
       * token is charged (null: the default); a workspace a request names bounds the subject's
       * scopes there but never chooses the limit.
       */
      readonly workspaceId: string | null;
      /** What audit shows as the label, e.g. `claude-code (OAuth)`. */
      readonly label: string;
    }
  | {
      readonly ok: false;
      readonly code: 'invalid_token' | 'token_expired' | 'unavailable';
      /**
       * Behind an `unavailable`: the infrastructure failure (the key set could not be fetched),
       * which keycard reports through its `onError` as a `KeycardError('unavailable')` with this as
       * its `cause`. Give it once per failure, not to every request that waited on the same
       * fetch, and never with token material in it.
       */
      readonly error?: Error;
    };

/**
 * Verifies bearer tokens that are not keycard's. keycard asks it only for credentials that do
 * not carry keycard's prefix, so a keycard token is never sent to an authorization server's
 * verifier and a JWT never reaches the token store.
 */
export interface ForeignTokenVerifier {
  /** Audit kind of the identities it produces. */
  readonly kind: 'oauth';
  /**
   * Answers within FOREIGN_VERIFY_MS (70 s), or the request is 503 `unavailable`, reported through
   * `onError` (`the oauth verifier timed out after 70000 ms`).
   */
  verify(token: string): Promise<ForeignVerification>;
}

/**
 * How long keycard waits for a verifier's answer: above `jwtAccessTokens`' own worst case (a 60 s
 * JWKS deadline and its 5 s `owner` hook), so only a verifier that hangs meets it.
 */
export const FOREIGN_VERIFY_MS = 70_000;

/**
 * The largest credential without keycard's prefix that is read at all (bigger is a 400 to
 * `authenticate()`, `invalid_token` to `keycard.verify()`): an access token of a few KB fits,
 * and no verifier is handed megabytes to decode.
 */
export const FOREIGN_MAX_BYTES = 16_384;

/**
 * One part of an OAuth id (`tokenId`, `familyId`): `%` and `:` percent-encoded (`%25`, `%3A`), so
 * parts joined with `:` never read as other parts (sub `a:b` with client `c` is not sub `a` with
 * client `b:c`). Values holding neither character keep their plain form, byte for byte.
 */
export function oauthIdPart(s: string): string {
  return s.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}
