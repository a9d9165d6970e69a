/**
 * Text every store keeps as given: no NUL (Postgres `text` refuses it) and no lone surrogate
 * (not UTF-8; drivers and JSON encoders disagree on it). Arguments refuse such text
 * ({@link storable}); audit events, which must not be lost, store it repaired ({@link wellFormed}).
 */
const ILL_FORMED = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ILL_FORMED_TEST = new RegExp(ILL_FORMED.source);

/** True when `s` can be stored as text everywhere (no NUL, no lone surrogate). */
export const storable = (s: string): boolean => !ILL_FORMED_TEST.test(s);

/** `s` with each NUL and lone surrogate replaced by U+FFFD (the same string when there is none). */
export function wellFormed(s: string): string {
  return ILL_FORMED_TEST.test(s) ? s.replace(ILL_FORMED, '\uFFFD') : s;
}
