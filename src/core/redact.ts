/**
 * Masks anything shaped like a keycard token (any prefix, any type) or a SHA-256 hex digest.
 * It is deliberately wider than one integrator's format: a message may carry a token of another
 * deployment, and a false positive costs nothing but a masked word.
 */
const TOKEN_LIKE = /[a-z][a-z0-9]{1,15}_[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{39}|\b[0-9a-f]{64}\b/g;

/** The replacement for a masked secret. */
export const REDACTED = '[redacted]';

/**
 * Returns `text` with every token-shaped substring and every 64-hex-digit digest replaced by
 * `[redacted]`. Used on error messages, audit string fields and log lines.
 *
 * @example
 * ```ts
 * redact('bad acme_sk_1…') // 'bad [redacted]'
 * ```
 */
export function redact(text: string): string {
  TOKEN_LIKE.lastIndex = 0;
  return TOKEN_LIKE.test(text) ? text.replace(TOKEN_LIKE, REDACTED) : text;
}

const TOKEN_ONLY = /[a-z][a-z0-9]{1,15}_[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{39}/g;

/**
 * Masks token-shaped substrings only, for data keycard stores on an integrator's behalf (labels,
 * reasons, metadata): a pasted token must not persist, but a 64-hex image digest or git SHA-256
 * in metadata is data, not a secret of ours, and stays.
 */
export function redactTokens(text: string): string {
  TOKEN_ONLY.lastIndex = 0;
  return TOKEN_ONLY.test(text) ? text.replace(TOKEN_ONLY, REDACTED) : text;
}
