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
 * by the digest, as in any hex encoder): that is a property of this source, not a promise, since
 * JavaScript engines give no constant-time guarantee (`TextEncoder`, tiering, number boxing).
 * hash.test.ts checks it against `node:crypto` on every
 * padding boundary, a 1 MB input, and random inputs and keys (fast-check).
 */

/**
 * The round constants (the first 32 bits of the fractional parts of the cube roots of the first 64
 * primes) and the initial state (of the square roots of the first 8), FIPS 180-4 §4.2.2 and §5.3.3,
 * computed here rather than listed: 0.5 KB less gzip in every edge bundle. `Math.sqrt` is exact
 * (IEEE 754); `Math.cbrt` need only be within ~2^-37 of the true root, since the closest of the 64
 * lies 0.025 units of 2^-32 from a rounding boundary (checked with 60-digit arithmetic), where
 * engines are within a few ulps (2^-50). The self-test below refuses to load otherwise.
 */
const K = new Int32Array(64);
const IV = new Int32Array(8);
for (let n = 2, i = 0; i < 64; n++) {
  let prime = true;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false;
  if (!prime) continue;
  if (i < 8) IV[i] = (Math.sqrt(n) % 1) * 2 ** 32;
  K[i++] = (Math.cbrt(n) % 1) * 2 ** 32;
}

/** The message schedule and a growable message buffer, reused by every call (the code is synchronous). */
const W = new Int32Array(64);
let buffer = new Uint8Array(256);
let view = new DataView(buffer.buffer);
const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => (i + 256).toString(16).slice(1));

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** The largest buffer kept between calls; a longer input's buffer is dropped after it. */
const MAX_KEPT_BYTES = 65_536;

/** Replaces `buffer` with a zeroed one of `size` bytes. */
function allocate(size: number): void {
  buffer = new Uint8Array(size);
  view = new DataView(buffer.buffer);
}

/** Makes `buffer` hold at least `bytes` bytes plus the largest padding. */
function reserve(bytes: number): void {
  if (buffer.length < bytes + 72) allocate((bytes + 72) * 2);
}

/** Writes the state `h` as 32 big-endian bytes at the start of `target`. */
function writeState(h: Int32Array, target: DataView): void {
  for (let i = 0; i < 8; i++) target.setInt32(i * 4, h[i]!);
}

/** For tests: the buffer kept between calls. */
export const keptBuffer = (): Uint8Array => buffer;

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
  // No token or pepper byte stays behind, and one huge input (a leak report's) pins no memory.
  if (buffer.length > MAX_KEPT_BYTES) allocate(256);
  else buffer.fill(0, 0, end);
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
  return hex(finish(IV.slice(), encode(text), 0));
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
    const h = finish(IV.slice(), key.length, 0);
    block = new Uint8Array(32);
    writeState(h, new DataView(block.buffer));
  }
  const pad = (byte: number): Int32Array => {
    buffer.fill(byte, 0, 64);
    for (let i = 0; i < block.length; i++) buffer[i] = block[i]! ^ byte;
    const h = IV.slice();
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
  writeState(h, view);
  return hex(finish(outer.slice(), 32, 64));
}

export const implementation = 'portable';

// FIPS 180-2 appendix B.1: every round constant and the initial state take part in this digest,
// so a runtime that computed any of them differently fails here, at load, not in a token lookup.
if (sha256Hex('abc') !== 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  throw new Error('keycard: the portable SHA-256 failed its self-test on this runtime');
