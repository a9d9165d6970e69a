/**
 * Masks anything shaped like a keycard token (any prefix, any type) or a SHA-256 digest, in the
 * encodings stores, drivers, proxies and callers write them (SPEC §7): hex in either case, with or
 * without a `\x` (Postgres bytea) or `0x` prefix and next to `_`; base64 and base64url of the 32
 * bytes; a token in base64, base64url (any alignment) or hex; and any of these behind escapes:
 * percent (`%5F`, `%u005F`, up to three layers), JSON `\u005F` (and JSON in JSON, `\\u005F`),
 * HTML `&#95;`, `&#x5f;`, `&lowbar;` and `&UnderBar;`. It is
 * deliberately wider than one integrator's format: a message may carry a token of another
 * deployment, and a false positive costs nothing but a masked word.
 */
/** A token (and whatever alphanumerics follow it); a run of exactly 64 hex digits (a digest, however prefixed or glued to `_`). */
const TOKEN = '[a-z][a-z0-9]{1,15}_[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{39,}';
const HEX = '(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])';
/**
 * The base64 (43 characters, then `=` or an end) and base64url (43, `_` allowed on either side)
 * images of 32 bytes. Requiring both letter cases keeps words and paths out (a random digest
 * lacks one with probability ~10⁻¹⁰).
 */
const B64 =
  '(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]{0,42}[A-Z])(?=[A-Za-z0-9+/]{0,42}[a-z])[A-Za-z0-9+/]{43}(?:=|(?![A-Za-z0-9+/=]))';
const B64URL =
  '(?<![A-Za-z0-9-])(?=[A-Za-z0-9_-]{0,42}[A-Z])(?=[A-Za-z0-9_-]{0,42}[a-z])[A-Za-z0-9_-]{43}(?![A-Za-z0-9-])';
const SECRET_LIKE = new RegExp(`${TOKEN}|${HEX}|${B64}|${B64URL}`, 'g');
const TOKEN_ONLY = new RegExp(TOKEN, 'g');
const HAS_TOKEN = new RegExp(TOKEN);

/**
 * One escape of a character: percent (also `%u00XX`, which `unescape` and IIS read), JSON `\u00XX`
 * (also JSON in JSON, `\\u00XX`: up to 8 backslashes, a bound that keeps a run of them linear), an
 * HTML numeric entity, `&lowbar;` or `&UnderBar;`. Not a string literal's `\xHH`: read as one, the
 * `\x` of a Postgres bytea would eat the first byte of the digest behind it.
 */
const ESCAPE = '(?:%(?:u00)?|\\\\{1,8}u00)([0-9A-Fa-f]{2})|&#([xX][0-9A-Fa-f]+|[0-9]+);?|&(?:lowbar|UnderBar);';

/**
 * Runs of URL characters holding an escape: decoded and searched again. A literal `/` ends a run
 * (path segments are decoded one by one), so `%2F` inside a base64 digest cannot merge it with
 * the path around it.
 */
const ESCAPES = new RegExp(ESCAPE, 'g');
const ENCODED_RUN = new RegExp(`(?:${ESCAPE}|[A-Za-z0-9_+=.~!$&'()*,;:@-])+`, 'g');

/** A run long enough to be a token (44+ characters) in base64 or base64url (58+) or in hex (88+). */
const BINARY_RUN = /[A-Za-z0-9+/_-]{58,}/g;

/** The replacement for a masked secret. */
export const REDACTED = '[redacted]';

function plain(text: string, forms: readonly string[], shapes: RegExp): string {
  let out = text;
  for (const f of forms) if (f.length >= 16 && out.includes(f)) out = out.split(f).join(REDACTED);
  out = out.replace(shapes, REDACTED);
  return out.replace(BINARY_RUN, (run) => (hidesToken(run) ? REDACTED : run));
}

/**
 * Whether a run of base64 or hex characters decodes, at one of its alignments, to text holding a
 * token (escaped or not). Decoded whole, so the characters before the token's image do not matter.
 * Hex is read in pairs from each run of 88+ hex digits at both parities (`k & 1`): the run may
 * start with a base64 character that is a hex digit (`xyz3…`).
 */
function hidesToken(run: string): boolean {
  const b64 = run.replace(/-/g, '+').replace(/_/g, '/');
  return [0, 1, 2, 3].some((k) => {
    const s = b64.slice(k);
    const hex = run.replace(/[0-9A-Fa-f]{88,}/g, (h) => h.slice(0, k & 1) + h.slice(k & 1).replace(/../g, '%$&'));
    return HAS_TOKEN.test(decode(atob(s.length % 4 === 1 ? s.slice(0, -1) : s)) + decode(hex));
  });
}

/**
 * Decodes every {@link ESCAPE}, up to three layers (`%255F`); never throws on bad UTF-8. Percent
 * escapes go through `unescape` (byte-wise, native): a callback per `%XX` made a 16 KB hex run
 * (hex is read as `%XX` pairs) cost 20–55 ms, a cost any caller could pick with a request path.
 */
function decode(run: string): string {
  let out = run;
  for (let i = 0; i < 3 && /[%\\&]/.test(out); i++)
    out = unescape(out).replace(ESCAPES, (_, h?: string, e?: string) =>
      // `Number('0x5f')` and `Number('095')` are both 95.
      String.fromCharCode(h ? parseInt(h, 16) : e ? +`0${e}` : 95),
    );
  return out;
}

/**
 * Returns `text` with every token-shaped substring and every digest-shaped one (see the module
 * comment for the encodings) replaced by `[redacted]`. Used on error messages, audit string
 * fields and log lines. A percent-encoded run that hides one is decoded and masked; what else it
 * decoded to is re-escaped, so masking cannot inject a newline into a log line.
 *
 * @example
 * ```ts
 * redact('bad acme_sk_1…') // 'bad [redacted]'
 * ```
 */
export function redact(text: string): string {
  return mayHoldSecret(text) ? mask(text, NONE, SECRET_LIKE) : text;
}

/**
 * Every shape above needs a run of at least 39 characters of `[A-Za-z0-9_+/=-]` (a token's tail,
 * 64 hex digits, 43 of base64) or a `%`, a backslash or `&` (an escaped one). Most audit fields (`GET`, `/tickets`, an
 * id) have neither: one pass over the code units answers them without running the expression,
 * which cost ~0.3 µs per audit event in bench/.
 */
function mayHoldSecret(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && RUN_CHAR[c] === 1) {
      if (++run >= 39) return true;
    } else if (c === 0x25 /* % */ || c === 0x5c /* backslash */ || c === 0x26 /* & */) return true;
    else run = 0;
  }
  return false;
}

const RUN_CHAR = new Uint8Array(128);
for (const c of '+-/=_') RUN_CHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) RUN_CHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) RUN_CHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) RUN_CHAR[c] = 1;

const NONE: readonly string[] = [];

function mask(text: string, forms: readonly string[], shapes: RegExp): string {
  const out = plain(text, forms, shapes);
  return /[%\\&]/.test(out)
    ? out.replace(
        ENCODED_RUN,
        // `&#` glued before a secret's digits (`&#46wodo…`) reads as an entity and eats them: a run
        // that masks nothing is tried again with each `&#` read as text.
        (run) =>
          maskRun(run, forms, shapes) ??
          (run.includes('&#')
            ? run
                .split('&#')
                .map((p) => maskRun(p, forms, shapes) ?? p)
                .join('&#')
            : run),
      )
    : out;
}

/**
 * `run` decoded and masked, or undefined if that masks nothing. Re-escaped, so masking cannot
 * inject a newline into a log line or markup into a page: `%XX`, and `%uXXXX` past U+00FF (what
 * the decoder reads back).
 */
function maskRun(run: string, forms: readonly string[], shapes: RegExp): string | undefined {
  const decoded = decode(run);
  const masked = decoded === run ? run : plain(decoded, forms, shapes);
  if (masked.includes(REDACTED)) return masked.replace(/[^\x21-\x7e]|[%<>"\\]/g, escape);
}

/**
 * A run of 32+ base62 characters with both letter cases: a token's secret part without the
 * `<prefix>_<type>_` that `redact` looks for (its version and 32-character body are the whole
 * secret: the checksum follows from them); or 64+ hex digits holding a digit, that part in hex (66
 * for version and body; each byte of base62 text is `3x`–`7x`). Hex digests under 64 digits, UUIDs
 * and ULIDs are one case or shorter. Tried only where a run starts (the lookbehinds): a run's
 * suffix that matches means the run does, and trying every position made a UUID `X-Request-Id`
 * cost ~2 µs of `requestIdFrom`, ~1 µs now (src/core/secret-run.prop.test.ts: the same answers).
 */
export const SECRET_RUN =
  /(?<![^\W_])(?=[^\W_]{32})(?=[^\W_]*[a-z])(?=[^\W_]*[A-Z])|(?<![\dA-Fa-f])(?=[\dA-Fa-f]{64})(?=[\dA-Fa-f]*\d)/;

/**
 * Masks `text` with {@link redact}, and each run of letters and digits holding {@link SECRET_RUN}
 * (a token's tail pasted without its prefix), then cuts it to `max` characters (with `…`): cutting
 * first could leave a piece of a token too short to be recognised. For the caller's text a
 * message quotes (an unknown key, scope or resource type, a name), where such a run is never
 * meant. A cut never splits a surrogate pair (it falls before a high surrogate whose partner is
 * past `max`).
 */
export function excerpt(text: string, max: number): string {
  const r = redact(text).replace(/[^\W_]{32,}/g, (run) => (SECRET_RUN.test(run) ? REDACTED : run));
  if (r.length <= max) return r;
  const last = r.charCodeAt(max - 1);
  return `${r.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max)}…`;
}

/**
 * Masks tokens only (in every encoding {@link redact} knows for one), for data keycard stores on
 * an integrator's behalf (labels, reasons, metadata): a pasted token must not persist, but a
 * 64-hex image digest or git SHA-256 in metadata is data, not a secret of ours, and stays.
 */
export function redactTokens(text: string): string {
  return mayHoldSecret(text) ? mask(text, NONE, TOKEN_ONLY) : text;
}

/** Whether `text` holds something shaped like an API token of any prefix (what {@link redactTokens} masks). */
export const holdsToken = (text: string): boolean => redactTokens(text) !== text;

/**
 * The exact strings under which a known secret may appear in a store's error: the token, and
 * each of its hashes in hex (both cases), base64 and base64url. Masked wherever they appear, even
 * glued to other text where the shape-based patterns cannot see a boundary.
 */
export function secretForms(token: string | null, hexHashes: readonly string[]): string[] {
  const forms: string[] = token === null ? [] : [token, token.slice(token.lastIndexOf('_') + 1)];
  for (const hex of hexHashes) {
    let bin = '';
    for (let i = 0; i + 1 < hex.length; i += 2) bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
    const b64 = btoa(bin).replace(/=+$/, '');
    forms.push(hex.toLowerCase(), hex.toUpperCase(), b64, b64.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** {@link redact}, and every exact `forms` string masked too (case-sensitively). */
export function redactKnown(text: string, forms: readonly string[]): string {
  return mask(text, forms, SECRET_LIKE);
}
