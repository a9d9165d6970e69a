/**
 * The token format (SPEC §2): `<prefix>_<type>_<version><body><checksum>`.
 *
 * - `prefix`: the integrator's, `[a-z][a-z0-9]{1,15}`, so a leaked token names its issuer.
 * - `type`: `sk` by default, `[a-z][a-z0-9]{0,7}`.
 * - `version`: one base62 character; this release writes and reads `1`.
 * - `body`: 32 base62 characters from a CSPRNG by rejection sampling (32·log2(62) ≈ 190.5 bits).
 * - `checksum`: CRC-32 (IEEE) of everything before it, as 6 zero-padded base62 characters, so a
 *   typo or a truncated paste is refused before any store I/O and a scanner can tell a real
 *   token from a look-alike.
 *
 * Everything here is pure and synchronous: no I/O, no clock.
 */

/** Base62 in ASCII order, so the checksum text sorts like its number. */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The format version this release writes. */
export const FORMAT_VERSION = '1';
const VERSION_CODE = FORMAT_VERSION.charCodeAt(0);
/** Base62 characters of randomness in a token body. */
export const BODY_LENGTH = 32;
/** Base62 characters of the CRC-32 checksum (62^6 > 2^32). */
export const CHECKSUM_LENGTH = 6;
/** Characters after `<prefix>_<type>_`: version + body + checksum. */
export const TAIL_LENGTH = 1 + BODY_LENGTH + CHECKSUM_LENGTH;

export const PREFIX_RE = /^[a-z][a-z0-9]{1,15}$/;
export const TYPE_RE = /^[a-z][a-z0-9]{0,7}$/;

/** Where a token comes from: the integrator's prefix and the token type. */
export interface TokenFormat {
  /** The integrator's prefix, e.g. `acme`: `[a-z][a-z0-9]{1,15}`. */
  readonly prefix: string;
  /** The token type. @default 'sk' */
  readonly type?: string;
}

/** The parts of a well-formed token. `body` is secret: never log or store it. */
export interface ParsedToken {
  readonly prefix: string;
  readonly type: string;
  readonly version: string;
  readonly body: string;
  readonly checksum: string;
}

// 0 = not base62; otherwise value + 1. A table beats a regex on the verification hot path.
const DECODE = new Uint8Array(128);
for (let i = 0; i < BASE62.length; i++) DECODE[BASE62.charCodeAt(i)] = i + 1;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * CRC-32 (IEEE 802.3, the zlib/PNG one) of an ASCII string, `end` characters long.
 * Tokens are ASCII by construction, so char codes are the bytes.
 */
export function crc32(text: string, end = text.length): number {
  let crc = -1;
  for (let i = 0; i < end; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** `value` (0 ≤ value < 62^6) as 6 zero-padded base62 characters. */
export function encodeChecksum(value: number): string {
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

function assertFormat(format: TokenFormat): { prefix: string; type: string } {
  const type = format.type ?? 'sk';
  if (!PREFIX_RE.test(format.prefix)) {
    throw new TypeError(`Token prefix must match [a-z][a-z0-9]{1,15}, got "${format.prefix.slice(0, 32)}"`);
  }
  if (!TYPE_RE.test(type)) throw new TypeError(`Token type must match [a-z][a-z0-9]{0,7}, got "${type.slice(0, 16)}"`);
  return { prefix: format.prefix, type };
}

/**
 * Draws `length` base62 characters from the platform CSPRNG.
 *
 * Rejection sampling: a byte is used only when below 248 (= 4·62), so each of the 62 symbols is
 * exactly equally likely; taking `byte % 62` of every byte would favour the first 8 symbols by
 * 5/4 (a modulo bias an attacker could exploit to narrow a brute-force search).
 */
export function randomBase62(length: number): string {
  let out = '';
  const buf = new Uint8Array(Math.max(64, length * 2));
  while (out.length < length) {
    crypto.getRandomValues(buf);
    for (let i = 0; i < buf.length && out.length < length; i++) {
      const b = buf[i]!;
      if (b < 248) out += BASE62[b % 62]!;
    }
  }
  return out;
}

/**
 * Assembles a token from its parts and appends the checksum. Use `generateToken()` for new tokens;
 * `formatToken()` exists for tests and for re-creating known vectors.
 *
 * @example A fixed vector
 * ```ts
 * formatToken({ prefix: 'acme' }, '0'.repeat(32)) // 'acme_sk_100000000000000000000000000000000' + checksum
 * ```
 */
export function formatToken(tokenFormat: TokenFormat, body: string, version = FORMAT_VERSION): string {
  const { prefix, type } = assertFormat(tokenFormat);
  if (body.length !== BODY_LENGTH || !isBase62(body, 0, body.length)) {
    throw new TypeError(`Token body must be ${BODY_LENGTH} base62 characters`);
  }
  if (version.length !== 1 || !isBase62(version, 0, 1))
    throw new TypeError('Token version must be one base62 character');
  const head = `${prefix}_${type}_${version}${body}`;
  return head + encodeChecksum(crc32(head));
}

/**
 * A fresh secret token: 32 CSPRNG base62 characters in the current format version.
 *
 * @example Minting a token string
 * ```ts
 * const secret = generateToken({ prefix: 'acme' }); // 'acme_sk_1…' — show it once, store only its hash
 * ```
 */
export function generateToken(tokenFormat: TokenFormat): string {
  return formatToken(tokenFormat, randomBase62(BODY_LENGTH));
}

function isBase62(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || DECODE[c] === 0) return false;
  }
  return true;
}

/**
 * Parses `input` as a token of `tokenFormat`, or returns `undefined` when it is not one: wrong
 * prefix or type, wrong length, a character outside base62, an unknown version, or a checksum
 * mismatch. It never throws on input and does no I/O, so the pipeline refuses typos and forgeries
 * before touching a store.
 *
 * @example Refusing a typo without a lookup
 * ```ts
 * parseToken(header.slice(7), { prefix: 'acme' }) ?? deny('invalid_token');
 * ```
 */
export function parseToken(input: string, tokenFormat: TokenFormat): ParsedToken | undefined {
  if (!validateToken(input, tokenFormat)) return undefined;
  const prefix = tokenFormat.prefix;
  const type = tokenFormat.type ?? 'sk';
  const headLength = prefix.length + type.length + 2;
  const checksumAt = input.length - CHECKSUM_LENGTH;
  return {
    prefix,
    type,
    version: input[headLength]!,
    body: input.slice(headLength + 1, checksumAt),
    checksum: input.slice(checksumAt),
  };
}

/**
 * True when `candidate` is a well-formed token of `tokenFormat` with a valid checksum: the second
 * stage after `scannerPattern()` matched, so a secret scanner reports real tokens only.
 *
 * @example Confirming a scanner hit
 * ```ts
 * for (const m of text.matchAll(new RegExp(scannerPattern('acme'), 'g'))) if (validateToken(m[0], { prefix: 'acme' })) report(m.index);
 * ```
 */
export function validateToken(candidate: string, tokenFormat: TokenFormat): boolean {
  // The pipeline's check of every request: one pass, no allocation (parseToken() builds its parts from here).
  const input = candidate;
  const prefix = tokenFormat.prefix;
  const type = tokenFormat.type ?? 'sk';
  const headLength = prefix.length + type.length + 2;
  if (typeof input !== 'string' || input.length !== headLength + TAIL_LENGTH) return false;
  if (!input.startsWith(prefix) || input.charCodeAt(prefix.length) !== 95 /* _ */) return false;
  if (!input.startsWith(type, prefix.length + 1) || input.charCodeAt(headLength - 1) !== 95) return false;
  if (!isBase62(input, headLength, input.length)) return false;
  if (input.charCodeAt(headLength) !== VERSION_CODE) return false;
  const checksumAt = input.length - CHECKSUM_LENGTH;
  let expected = 0;
  for (let i = checksumAt; i < input.length; i++) expected = expected * 62 + (DECODE[input.charCodeAt(i)]! - 1);
  return expected === crc32(input, checksumAt);
}

/**
 * The regular expression source that finds tokens of `prefix` in text, accepted by Go's RE2
 * (gitleaks, GitHub secret scanning, TruffleHog): no lookaround and no backreferences, so it runs
 * in linear time. `\b` at both ends keeps a longer run of base62 from matching a prefix of it.
 *
 * @example A gitleaks rule
 * ```ts
 * scannerPattern('acme') // '\\bacme_sk_[0-9A-Za-z]{39}\\b'
 * ```
 */
export function scannerPattern(prefix: string, type = 'sk'): string {
  assertFormat({ prefix, type });
  return `\\b${prefix}_${type}_[0-9A-Za-z]{${TAIL_LENGTH}}\\b`;
}

/** The length of every token of `tokenFormat`, in characters (and bytes: tokens are ASCII). */
export function tokenLength(tokenFormat: TokenFormat): number {
  return tokenFormat.prefix.length + (tokenFormat.type ?? 'sk').length + 2 + TAIL_LENGTH;
}

/**
 * The non-secret hint kept on a record (`start`): prefix, type and the last 4 characters, e.g.
 * `acme_sk_…Xy12`. The four characters are checksum characters: at most ~24 bits about a CRC of the
 * body, which leaves over 166 of its 190 random bits unknown.
 */
export function tokenStart(token: string, tokenFormat: TokenFormat): string {
  return `${tokenFormat.prefix}_${tokenFormat.type ?? 'sk'}_…${token.slice(-4)}`;
}
