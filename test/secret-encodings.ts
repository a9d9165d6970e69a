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
