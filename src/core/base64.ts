/**
 * Base64 (RFC 4648) with `btoa`/`atob` only, so it runs on every edge runtime: the one copy the
 * list and audit cursors and the leak intake's signatures and hashes share.
 */

/** Bytes as standard base64, padded (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Bytes as base64url without padding (RFC 4648 §5). */
export const toBase64Url = (bytes: Uint8Array): string =>
  toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Base64 or base64url, padded or not, to bytes; throws (`atob`'s error) on anything else. */
export const fromBase64 = (text: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
