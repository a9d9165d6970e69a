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
}

/** The two profiles; sources: GitHub's "Secret scanning partner program" and GitLab's "Automatic response to leaked secrets" pages. */
export const PROVIDERS: Readonly<Record<LeakProvider, ProviderProfile>> = Object.freeze({
  github: Object.freeze({
    name: 'github',
    keysUrl: 'https://api.github.com/meta/public_keys/secret_scanning',
    keyIdHeader: 'github-public-key-identifier',
    signatureHeader: 'github-public-key-signature',
  }),
  gitlab: Object.freeze({
    name: 'gitlab',
    keysUrl: null,
    keyIdHeader: 'gitlab-public-key-identifier',
    signatureHeader: 'gitlab-public-key-signature',
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

/**
 * Checks a verified, parsed body: a JSON array of objects with a string `token` and `type` and
 * optional string `url` and `source` (GitHub sends `source`, GitLab does not). Returns the
 * matches, or the first problem as a message that never quotes a token.
 */
export function parseMatches(
  body: unknown,
): { readonly matches: readonly ReportedMatch[] } | { readonly error: string } {
  if (!Array.isArray(body)) return { error: 'the body must be a JSON array of matches' };
  const matches: ReportedMatch[] = [];
  for (const [i, item] of (body as unknown[]).entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      return { error: `match ${i} must be an object` };
    const m = item as Record<string, unknown>;
    for (const field of ['token', 'type'] as const) {
      if (
        typeof m[field] !== 'string' ||
        (m[field] as string).length === 0 ||
        (m[field] as string).length > MAX_FIELD
      ) {
        return { error: `match ${i}: ${field} must be a non-empty string` };
      }
    }
    for (const field of ['url', 'source'] as const) {
      if (
        m[field] !== undefined &&
        m[field] !== null &&
        (typeof m[field] !== 'string' || (m[field] as string).length > MAX_FIELD)
      ) {
        return { error: `match ${i}: ${field} must be a string` };
      }
    }
    matches.push({
      token: m.token as string,
      type: m.type as string,
      url: (m.url as string | null | undefined) ?? '',
      source: (m.source as string | null | undefined) ?? '',
    });
  }
  return { matches };
}
