/**
 * Portable SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), synchronous, in plain JavaScript.
 * Selected through the `#hash` import alias wherever the `node` condition does not match
 * (Workers, browsers, edge bundles); Bun and Deno match it and take `node:crypto`.
 *
 * Why not WebCrypto: an awaited `crypto.subtle.digest` costs ~100 µs per call here, which would
 * dominate verification, and the cache-hit path is synchronous. Why not `@noble/hashes` (used
 * before): its SHA-256 and HMAC cost 7.3 KB of the minified edge bundle, this file 2.0 KB
 * (issue 13), and keeping each pepper's key-block states makes an HMAC two compressions, not four
 * (bench `size`: ~3.5× faster than noble's HMAC, ~3× its SHA-256). No branch and no table lookup
 * depends on the token's or the pepper's bytes (only on their lengths; the hex table is indexed
 * by the digest, as in any hex encoder). hash.test.ts checks it against `node:crypto` on every
 * padding boundary, a 1 MB input, and random inputs and keys (fast-check).
 */

// prettier-ignore
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
// prettier-ignore
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** The message schedule and a growable message buffer, reused by every call (the code is synchronous). */
const W = new Int32Array(64);
let buffer = new Uint8Array(256);
let view = new DataView(buffer.buffer);
const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** Makes `buffer` hold at least `bytes` bytes plus the largest padding. */
function reserve(bytes: number): void {
  if (buffer.length >= bytes + 72) return;
  buffer = new Uint8Array((bytes + 72) * 2);
  view = new DataView(buffer.buffer);
}

/** Runs the compression function over the 64-byte block of `buffer` at `at`, updating `h`. */
function compress(h: Int32Array, at: number): void {
  for (let i = 0; i < 16; i++) W[i] = view.getInt32(at + i * 4);
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    W[i] = W[i - 16]! + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + W[i - 7]! + (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10));
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let f = h[5]!;
  let g = h[6]!;
  let k = h[7]!;
  for (let i = 0; i < 64; i++) {
    const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = h[0]! + a;
  h[1] = h[1]! + b;
  h[2] = h[2]! + c;
  h[3] = h[3]! + d;
  h[4] = h[4]! + e;
  h[5] = h[5]! + f;
  h[6] = h[6]! + g;
  h[7] = h[7]! + k;
}

/**
 * Finishes a hash whose last `bytes` message bytes are at the start of `buffer`, after `before`
 * bytes already compressed into `h` (0, or 64 for an HMAC's key block): pads them (a 0x80 byte,
 * zeros, the 64-bit big-endian bit length) to whole blocks and compresses them.
 */
function finish(h: Int32Array, bytes: number, before: number): Int32Array {
  const end = (bytes + 72) & ~63;
  const total = before + bytes;
  buffer.fill(0, bytes, end);
  buffer[bytes] = 0x80;
  view.setUint32(end - 8, Math.floor(total / 0x20000000));
  view.setUint32(end - 4, total << 3);
  for (let at = 0; at < end; at += 64) compress(h, at);
  return h;
}

/** Writes the UTF-8 bytes of `text` at the start of `buffer` and answers how many there are. */
function encode(text: string): number {
  reserve(text.length * 3);
  return encoder.encodeInto(text, buffer).written;
}

function hex(h: Int32Array): string {
  let s = '';
  for (const w of h) s += HEX[w >>> 24]! + HEX[(w >>> 16) & 255]! + HEX[(w >>> 8) & 255]! + HEX[w & 255]!;
  return s;
}

/** Hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return hex(finish(Int32Array.from(IV), encode(text), 0));
}

/**
 * The states after the key block of an HMAC key, inner then outer, computed once per key: every
 * HMAC of a short token then costs two compressions instead of four. Keys are the hasher's own
 * copies (hash.ts), never changed after construction.
 */
const keyStates = new WeakMap<Uint8Array, readonly [Int32Array, Int32Array]>();

function keyStatesOf(key: Uint8Array): readonly [Int32Array, Int32Array] {
  let states = keyStates.get(key);
  if (states) return states;
  let block = key;
  if (key.length > 64) {
    reserve(key.length);
    buffer.set(key);
    const h = finish(Int32Array.from(IV), key.length, 0);
    block = new Uint8Array(32);
    const out = new DataView(block.buffer);
    for (let i = 0; i < 8; i++) out.setInt32(i * 4, h[i]!);
  }
  const pad = (byte: number): Int32Array => {
    buffer.fill(byte, 0, 64);
    for (let i = 0; i < block.length; i++) buffer[i] = block[i]! ^ byte;
    const h = Int32Array.from(IV);
    compress(h, 0);
    return h;
  };
  states = [pad(0x36), pad(0x5c)];
  keyStates.set(key, states);
  return states;
}

/** Hex HMAC-SHA-256 of `text` under `key` (RFC 2104, block size 64 bytes). */
export function hmacSha256Hex(key: Uint8Array, text: string): string {
  const [inner, outer] = keyStatesOf(key);
  const h = finish(inner.slice(), encode(text), 64);
  for (let i = 0; i < 8; i++) view.setInt32(i * 4, h[i]!);
  return hex(finish(outer.slice(), 32, 64));
}

export const implementation = 'portable';
