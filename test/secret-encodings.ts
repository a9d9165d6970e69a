/** Every encoding of a token and its hash that must never reach an error, event or log line (issue 11, item 8). */
import { sha256Hex } from '#hash';

/** The 32 bytes of a hex digest. */
const bytesOf = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const base64url = (bytes: Uint8Array) => base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Every way a store, a driver or a proxy has been seen to write a token's hash or the token itself. */
export function encodingsOf(token: string, hex: string = sha256Hex(token)): Record<string, string> {
  const bytes = bytesOf(hex);
  return {
    hex: hex,
    'hex, upper case': hex.toUpperCase(),
    'Postgres bytea \\x': `\\x${hex}`,
    '0x': `0x${hex}`,
    '0X upper': `0X${hex.toUpperCase()}`,
    'after _': `hash_${hex}`,
    'before _': `${hex}_idx`,
    'between _': `keycard_tokens_${hex}_key`,
    base64: base64(bytes),
    'base64 without padding': base64(bytes).replace(/=+$/, ''),
    base64url: base64url(bytes),
    'base64url after _': `h_${base64url(bytes)}`,
    token: token,
    'token percent-encoded _': token.replace(/_/g, '%5F'),
    'token percent-encoded _ (lower)': token.replace(/_/g, '%5f'),
    'token double-encoded _': token.replace(/_/g, '%255F'),
    'token fully percent-encoded': [...token].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    'hash, base64 percent-encoded': encodeURIComponent(base64(bytes)),
  };
}

/** True when `text` still holds any recoverable piece (12+ characters) of the token or its hash. */
export function leaks(text: string, token: string, hex: string = sha256Hex(token)): string | null {
  const bytes = bytesOf(hex);
  const body = token.slice(token.lastIndexOf('_') + 1);
  const pieces = [hex, hex.toUpperCase(), base64(bytes).slice(0, 43), base64url(bytes), body];
  let decoded = text;
  for (let i = 0; i < 3; i++)
    decoded = decoded.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  for (const t of [text, decoded]) {
    for (const p of pieces)
      for (let i = 0; i + 12 <= p.length; i += 4) if (t.includes(p.slice(i, i + 12))) return p.slice(i, i + 12);
  }
  return null;
}

const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');
const each = (text: string, f: (code: number) => string) => [...text].map((c) => f(c.charCodeAt(0))).join('');
const hex2 = (code: number) => code.toString(16).padStart(2, '0');

/**
 * The ways a caller can carry `token` through a free-text field: raw; percent-encoded (every
 * character, upper and lower case, or only `_`); base64, unpadded base64 and base64url of it after
 * `lead` (so `lead.length % 3` picks the alignment); hex in either case; JSON `\u00XX` escapes;
 * HTML decimal and hex entities (every character, or only `_`).
 */
export function tokenCarriers(token: string, lead = ''): Record<string, string> {
  return {
    raw: token,
    'percent, upper': each(token, (c) => `%${hex2(c).toUpperCase()}`),
    'percent, lower': each(token, (c) => `%${hex2(c)}`),
    'percent, _ only': token.replaceAll('_', '%5f'),
    base64: b64(lead + token),
    'base64, unpadded': b64(lead + token).replace(/=+$/, ''),
    base64url: Buffer.from(lead + token, 'latin1').toString('base64url'),
    hex: Buffer.from(token, 'latin1').toString('hex'),
    'hex, upper': Buffer.from(token, 'latin1').toString('hex').toUpperCase(),
    'JSON \\u00XX': each(token, (c) => `\\u00${hex2(c)}`),
    'JSON \\u005F only': token.replaceAll('_', '\\u005F'),
    'HTML &#NN;': each(token, (c) => `&#${c};`),
    'HTML &#xHH;': each(token, (c) => `&#x${hex2(c)};`),
    'HTML &#95; only': token.replaceAll('_', '&#95;'),
    // JSON inside JSON (a logged body, a field holding a serialised object): each layer doubles the backslashes.
    'JSON \\u005F, escaped twice': token.replaceAll('_', '\\\\u005F'),
    'JSON \\u005F, escaped three times': token.replaceAll('_', '\\\\\\\\u005F'),
    'JSON in JSON, every character': each(token, (c) => `\\\\u00${hex2(c)}`),
    // Other spellings their readers decode: JavaScript's `unescape` and IIS (`%u00XX`), the HTML5
    // entity `&UnderBar;` (a browser shows `_`). Not `\xHH`: see src/core/redact.ts.
    '%u005F only': token.replaceAll('_', '%u005F'),
    '%u00XX, every character': each(token, (c) => `%u00${hex2(c)}`),
    'HTML &UnderBar; only': token.replaceAll('_', '&UnderBar;'),
  };
}

/** One layer of every escape {@link tokenCarriers} writes, undone. */
const unescapeOnce = (text: string) =>
  text
    .replace(/%(?:u00)?([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\+u([0-9A-Fa-f]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#[xX]([0-9A-Fa-f]{1,6});?/g, (_, h: string) => String.fromCharCode(parseInt(h, 16) & 0xffff))
    .replace(/&#([0-9]{1,7});?/g, (_, d: string) => String.fromCharCode(Number(d) & 0xffff))
    .replace(/&lowbar;|&UnderBar;/g, '_');

/**
 * Every reading of `text` a person or a script could make: as is, unescaped up to three times,
 * and each run of base64/base64url or hex in those decoded at every alignment.
 */
export function readings(text: string): string[] {
  const out = [text];
  for (let i = 0; i < 3; i++) out.push(unescapeOnce(out.at(-1)!));
  for (const t of out.slice(0, 4)) {
    for (const run of t.match(/[A-Za-z0-9+/_-]{16,}/g) ?? [])
      for (let k = 0; k < 4; k++) {
        const bytes = Buffer.from(run.slice(k).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
        out.push(bytes, unescapeOnce(bytes));
      }
    for (const run of t.match(/[0-9A-Fa-f]{16,}/g) ?? [])
      for (let k = 0; k < 2; k++) out.push(Buffer.from(run.slice(k), 'hex').toString('latin1'));
  }
  return out;
}

/** A 12-character piece of `token`'s secret tail that some {@link readings} of `text` still holds, or null. */
export function carriesToken(text: string, token: string): string | null {
  const tail = token.slice(token.lastIndexOf('_') + 1);
  for (const t of readings(text))
    for (let i = 0; i + 12 <= tail.length; i += 3) if (t.includes(tail.slice(i, i + 12))) return tail.slice(i, i + 12);
  return null;
}
