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
       * A stable, non-secret id for audit, the limiter key and MCP session binding, unique per
       * subject and client: `jwtAccessTokens` answers `oauth:<sub>:<client_id>` with `%` and `:`
       * percent-encoded in each part, so no two (sub, client_id) pairs share one.
       */
      readonly tokenId: string;
      /** The `sub` claim. */
      readonly subject: string;
      /** The `client_id` claim (RFC 9068 §2.2), or null. */
      readonly clientId: string | null;
      /** The `scope` claim split on spaces (RFC 9068 §2.2.3.1), before catalogue mapping. */
      readonly scopes: readonly string[];
      /** Epoch ms of `exp`. */
      readonly expiresAt: number;
      /** Epoch ms of `iat`, or the verification time. */
      readonly issuedAt: number;
      /** Whose permissions bound the token (the owner bound applies to it as to a personal token). */
      readonly ownerId: string;
      /** The workspace the subject acts in, or null. */
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
  /** Scopes the protected-resource metadata advertises; defaults to the catalogue's names. */
  readonly scopesSupported?: readonly string[];
  verify(token: string): Promise<ForeignVerification>;
}
