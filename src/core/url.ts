/**
 * URL checks that give the same answer every time. `URL.canParse` does not on Node 20: once a
 * call site is optimised it answers `false` for valid non-ASCII input (`http://é`), about half
 * of the calls in a 300,000-call loop. keycard parses instead.
 */

/** `value` as a URL, or null when it does not parse. */
export function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * True when `s` parses as a URL written as sent, with no whitespace (Unicode's included) or
 * control character anywhere. With `http`, it must also be an absolute `http://` or `https://` URL.
 */
export function isUrl(s: string, http = false): boolean {
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(s) || (http && !/^https?:\/\//i.test(s))) return false;
  return parseUrl(s) !== null;
}

/** Hostnames (as `URL` writes them) that only reach this machine. */
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** True for a hostname, as `URL` writes it, that only reaches this machine: localhost, 127.0.0.0/8, [::1]. */
export const isLoopbackHost = (hostname: string): boolean => LOOPBACK.test(hostname);

/**
 * True when `s` is an absolute `https://` URL, or `http://` to a loopback host (localhost,
 * 127.0.0.0/8, [::1]) for development: what a key set or an authorization server identifier must
 * be (RFC 8414 §2, RFC 9728 §2), since anyone on the path of plain http could answer in its place.
 */
export function isSecureUrl(s: string): boolean {
  const url = isUrl(s, true) ? parseUrl(s) : null;
  return url !== null && (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)));
}

/**
 * A URL as an error report may name it: origin and path, no user info, query or fragment (a key
 * endpoint URL may carry a credential, `?private_token=…`, and reports go to logs).
 */
export function urlPlace(url: string | URL | Request): string {
  const u = parseUrl(url instanceof Request ? url.url : String(url));
  return u === null ? 'URL' : `${u.origin}${u.pathname}`;
}
