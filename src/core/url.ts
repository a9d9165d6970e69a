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
