/**
 * Portable SHA-256 / HMAC-SHA-256 over `@noble/hashes`, synchronous. An awaited WebCrypto digest
 * costs ~100 µs per call here, which would dominate verification; noble's pure-JS sha256 is a few
 * µs for a 50-byte token. Selected through the `#hash` import alias wherever the `node` condition
 * does not match (Workers, browsers, edge bundles); Bun and Deno match it and take `node:crypto`.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { bytesToHex } from '@noble/hashes/utils.js';

const encoder = new TextEncoder();

/** Hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(encoder.encode(text)));
}

/** Hex HMAC-SHA-256 of `text` under `key`. */
export function hmacSha256Hex(key: Uint8Array, text: string): string {
  return bytesToHex(hmac(sha256, key, encoder.encode(text)));
}

export const implementation = 'noble';
