/**
 * Sanitising values that come from the request or the integrator before they reach a problem
 * body or a challenge (core/http.ts): no token, no control, format or bidi character, no header break,
 * bounded length.
 */
import { redactTokens } from './redact.ts';

/** Longest resource type, id or scope name echoed back; a hostile path segment cannot bloat the body. */
const MAX_ECHO = 128;

// C0, DEL, C1 (all \p{Cc}), the line/paragraph separators, and the format characters (\p{Cf}):
// bidi overrides/isolates ("Trojan Source", CVE-2021-42574), which would let an id reorder the
// detail when displayed, and the invisible ones (U+200B, U+00AD, U+2060, U+FEFF, the bidi marks
// U+200E, U+200F, U+061C), between whose halves a token still reads whole on screen; and, for the
// same reason, every other default-ignorable code point (variation selectors, U+034F, U+3164).
const UNSAFE_TEXT = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2028\u2029]/gu;

/** Text for `detail`: JSON.stringify already makes it safe for the body; this keeps it safe for logs and screens. */
export function detailText(value: unknown): string {
  let text = typeof value === 'string' ? value : String(value);
  UNSAFE_TEXT.lastIndex = 0;
  if (UNSAFE_TEXT.test(text)) text = text.replace(UNSAFE_TEXT, '');
  // A client may put its own token in a path segment; a response never echoes a token. Masked
  // after the unsafe characters are dropped, so none of them can split a token past the pattern.
  text = redactTokens(text);
  if (text.length > MAX_ECHO) {
    let cut = MAX_ECHO;
    const last = text.charCodeAt(cut - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut--; // never split a surrogate pair
    text = `${text.slice(0, cut)}…`;
  }
  return text;
}

/**
 * `text` with each character {@link detailText} drops (controls, format and bidi characters, the
 * default-ignorable ones) replaced by `shown(character)`: for a page a person reads to decide,
 * where dropping it would make two different values look alike, and rendering it would let a value
 * hide or reorder itself.
 */
export function markHidden(text: string, shown: (character: string) => string): string {
  UNSAFE_TEXT.lastIndex = 0;
  return UNSAFE_TEXT.test(text) ? text.replace(UNSAFE_TEXT, shown) : text;
}

/** Upper bound of `Retry-After` (2^31 − 1 seconds, the delta-seconds ceiling of RFC 9111 §1.2.2). */
const MAX_RETRY_AFTER = 2_147_483_647;

/** SPEC §5: whole seconds, rounded up, never 0; anything odd from a limiter becomes 1. */
export function retrySeconds(value: number): number {
  if (!(value > 1)) return 1; // also NaN and negatives
  if (value >= MAX_RETRY_AFTER) return MAX_RETRY_AFTER;
  return Math.ceil(value);
}
