/**
 * The two codes of a device login (RFC 8628 §6.1). The device code is the program's secret: 43
 * base62 characters (≈256 bits), stored only as its SHA-256. The user code is what a person types:
 * 8 letters of `BCDFGHJKLMNPQRSTVWXZ` (20 consonants without vowels or look-alikes, so no words
 * and no 0/O, 1/I confusion: RFC 8628 §6.1's example alphabet), ≈34.6 bits, shown `XXXX-XXXX`.
 * Guessing is bounded by the code's short life and the per-session entry limit.
 */
import { sha256Hex } from '#hash';
import { randomBase62 } from '../core/token.ts';

/** The user-code alphabet: consonants only. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
/** Characters of a user code, without the dash. */
export const USER_CODE_LENGTH = 8;

/** A fresh device code (the program's secret). */
export const newDeviceCode = (): string => randomBase62(43);

/** The key a grant is stored under: the device code is never stored. */
export const hashDeviceCode = (deviceCode: string): string => sha256Hex(`keycard-device:${deviceCode}`);

/** A public id for audit events. */
export const newGrantId = (): string => `dg_${randomBase62(16)}`;

/** A fresh user code, normalised (no dash). Rejection sampling keeps the 20 letters equally likely. */
export function newUserCode(): string {
  let out = '';
  const buf = new Uint8Array(32);
  while (out.length < USER_CODE_LENGTH) {
    crypto.getRandomValues(buf);
    for (let i = 0; i < buf.length && out.length < USER_CODE_LENGTH; i++) {
      const b = buf[i]!;
      if (b < 240) out += USER_CODE_ALPHABET[b % 20]!; // 240 = 12 · 20
    }
  }
  return out;
}

/** `BCDFGHJK` → `BCDF-GHJK`. */
export const displayUserCode = (code: string): string => `${code.slice(0, 4)}-${code.slice(4)}`;

/**
 * What typing a code may add for readability, all ignored (RFC 8628 §6.1): white space, any dash
 * punctuation (the hyphen a keyboard's autocorrect turns into an en or em dash, U+2010–U+2015), the
 * minus sign, a dot, an underscore and a middle dot. Letters outside the alphabet, and any other
 * character, still make the entry no code.
 */
const SEPARATORS = /[\s\p{Pd}\p{Zs}\u2212._\u00b7]/gu;

/**
 * What a person typed, normalised: compatibility forms folded (NFKC: a full-width `Ｂ` is `B`),
 * case and separators ignored, as RFC 8628 §6.1 recommends. Answers null for anything that cannot
 * be a user code (no store lookup then).
 */
export function normalizeUserCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 32) return null;
  const code = input.normalize('NFKC').toUpperCase().replace(SEPARATORS, '');
  if (code.length !== USER_CODE_LENGTH) return null;
  for (const c of code) if (!USER_CODE_ALPHABET.includes(c)) return null;
  return code;
}
