/**
 * What differs between secret-scanning providers: where their keys live, the headers that carry
 * the key id and signature, and the fields of a reported match. Both sign the raw body with
 * ECDSA P-256 / SHA-256 (base64 DER) and publish `{ public_keys: [{ key_identifier, key, is_current }] }`.
 */

/** The providers the leak intake speaks to. */
export type LeakProvider = 'github' | 'gitlab';

/** One provider's wire details. */
export interface ProviderProfile {
  readonly name: LeakProvider;
  /** The public-keys endpoint, or null when the provider hands it out on enrolment (GitLab). */
  readonly keysUrl: string | null;
  /** Lower-case header names (Headers lookups are case-insensitive anyway). */
  readonly keyIdHeader: string;
  readonly signatureHeader: string;
  /**
   * The `WWW-Authenticate` challenge of every 401 (RFC 9110 §15.5.2: a 401 MUST carry one): the
   * request authenticates by a signature of the provider's published key, in the realm of its
   * secret-scanning program. Not a registered scheme (none fits a signed body); clients ignore it.
   */
  readonly challenge: string;
}

/** The two profiles; sources: GitHub's "Secret scanning partner program" and GitLab's "Automatic response to leaked secrets" pages. */
export const PROVIDERS: Readonly<Record<LeakProvider, ProviderProfile>> = Object.freeze({
  github: Object.freeze({
    name: 'github',
    keysUrl: 'https://api.github.com/meta/public_keys/secret_scanning',
    keyIdHeader: 'github-public-key-identifier',
    signatureHeader: 'github-public-key-signature',
    challenge: 'Signature realm="github-secret-scanning"',
  }),
  gitlab: Object.freeze({
    name: 'gitlab',
    keysUrl: null,
    keyIdHeader: 'gitlab-public-key-identifier',
    signatureHeader: 'gitlab-public-key-signature',
    challenge: 'Signature realm="gitlab-secret-scanning"',
  }),
});

/** One reported match, after the shape check. `url` and `source` are '' when absent. */
export interface ReportedMatch {
  readonly token: string;
  readonly type: string;
  readonly url: string;
  readonly source: string;
}

const MAX_FIELD = 8_192;

/** A string field of at most {@link MAX_FIELD} characters, else `''`. */
const field = (value: unknown): string => (typeof value === 'string' && value.length <= MAX_FIELD ? value : '');

/**
 * Reads a verified, parsed body: a JSON array of matches, each an object with a string `token`
 * and, optionally, string `type`, `url` and `source` (GitHub sends all four; GitLab's schema
 * requires none). An entry with no string `token` names nothing to settle and is left out; any
 * other field that is not a string of at most 8,192 characters reads as `''`. So one off-format
 * entry never keeps the live tokens beside it alive. Returns an error (never quoting a token) only
 * for a body that is not an array.
 */
export function parseMatches(
  body: unknown,
): { readonly matches: readonly ReportedMatch[] } | { readonly error: string } {
  if (!Array.isArray(body)) return { error: 'the body must be a JSON array of matches' };
  const matches: ReportedMatch[] = [];
  for (const item of body as unknown[]) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    const m = item as Record<string, unknown>;
    if (typeof m.token !== 'string') continue;
    matches.push({ token: m.token, type: field(m.type), url: field(m.url), source: field(m.source) });
  }
  return { matches };
}
