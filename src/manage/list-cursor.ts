/**
 * The sealed cursor of `GET /tokens`. A store's cursor is the key of the last row its page read
 * (the built-in stores': base64 JSON `[createdAt, id]`), and the listing drops rows `can` refuses:
 * handed out as it is, it would name a token the caller may not know exists, and a cursor the
 * caller writes itself would let it probe where hidden rows lie (an existence oracle, SPEC §11).
 * So every cursor goes out sealed (AES-GCM: unreadable, and any change is detected) and only a
 * sealed one comes back in, to the listing it was sealed for (the caller and the filters, bound as
 * the cipher's additional data): replayed in another listing, a cursor after a hidden row would
 * place that row among the rows of the other listing.
 */
/** Seals and opens the store cursors of one handler. */
export interface CursorSeal {
  /** Seals `storeCursor` for `listing` (a key naming the caller and the filters). */
  seal(storeCursor: string, listing: string): Promise<string>;
  /** The store cursor, or null for anything this seal did not make for `listing`. */
  open(cursor: string, listing: string): Promise<string | null>;
}

import { fromBase64, toBase64Url } from '../core/base64.ts';

const IV_BYTES = 12;
const utf8 = new TextEncoder();

function fromB64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    return fromBase64(text);
  } catch {
    return null;
  }
}

/** A seal keyed by `secret` (SHA-256 of it), or by a random key when `secret` is null. */
export function cursorSeal(secret: string | null): CursorSeal {
  let key: Promise<CryptoKey> | undefined;
  const keyOf = () =>
    (key ??=
      secret === null
        ? crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
        : crypto.subtle
            .digest('SHA-256', utf8.encode(`keycard list cursor\u0000${secret}`))
            .then((raw) => crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])));
  return {
    async seal(storeCursor, listing) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: 'AES-GCM', iv, additionalData: utf8.encode(listing) },
          await keyOf(),
          utf8.encode(storeCursor),
        ),
      );
      const out = new Uint8Array(IV_BYTES + sealed.length);
      out.set(iv);
      out.set(sealed, IV_BYTES);
      return toBase64Url(out);
    },
    async open(cursor, listing) {
      const bytes = fromB64url(cursor);
      if (bytes === null || bytes.length <= IV_BYTES + 16) return null;
      try {
        const plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: utf8.encode(listing) },
          await keyOf(),
          bytes.subarray(IV_BYTES),
        );
        return new TextDecoder('utf-8', { fatal: true }).decode(plain);
      } catch {
        return null;
      }
    },
  };
}
