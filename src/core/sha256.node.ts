/**
 * SHA-256 / HMAC-SHA-256 over `node:crypto` (OpenSSL, with SHA extensions where the CPU has them).
 * Selected through the `#hash` import alias under the `node` condition; `crypto.hash` is the
 * one-shot API (Node ≥ 20.12) that skips the Hash object allocation of `createHash`.
 */
import { createHash, createHmac, hash as oneShot } from 'node:crypto';

const hasOneShot = typeof oneShot === 'function';

/** Hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return hasOneShot ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex');
}

/** Hex HMAC-SHA-256 of `text` under `key`. */
export function hmacSha256Hex(key: Uint8Array, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

export const implementation = 'node';
