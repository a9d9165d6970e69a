/**
 * ECDSA P-256 / SHA-256 signature checks with WebCrypto only (edge-safe, no `node:`), in the shape
 * secret-scanning providers use: a PEM SPKI public key and a base64 ASN.1 DER signature.
 *
 * WebCrypto's `ECDSA` verify takes the IEEE P1363 form (`r || s`, 32 bytes each for P-256), not
 * DER, so the DER `SEQUENCE { INTEGER r, INTEGER s }` is converted here, strictly: anything that is
 * not exactly one well-formed sequence of two positive integers of at most 32 bytes is refused
 * before any crypto runs.
 */

import { fromBase64 as decode, toBase64 } from '../core/base64.ts';

const P256_BYTES = 32;

/** Standard base64 (RFC 4648 §4, padding optional) to bytes; null when it is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  const clean = text.trim();
  if (clean.length === 0 || clean.length > 65_536 || !/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) return null;
  if (clean.replace(/=+$/, '').length % 4 === 1) return null;
  try {
    return decode(clean.padEnd(Math.ceil(clean.length / 4) * 4, '='));
  } catch {
    return null;
  }
}

/** Bytes to standard base64 with padding. */
export { toBase64 };

/** The DER bytes inside a `-----BEGIN PUBLIC KEY-----` PEM block; null when there is none. */
export function pemToDer(pem: string): Uint8Array | null {
  const m = /-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/.exec(pem);
  return m ? fromBase64(m[1]!.replace(/\s+/g, '')) : null;
}

/** Reads one DER INTEGER at `at`: its unsigned big-endian magnitude and the next offset; null if malformed. */
function readInteger(der: Uint8Array, at: number): { value: Uint8Array; next: number } | null {
  if (der[at] !== 0x02) return null;
  const len = der[at + 1];
  // P-256 integers are at most 33 bytes (a leading 0x00 keeps them positive): short-form lengths only.
  if (len === undefined || len === 0 || len > P256_BYTES + 1 || at + 2 + len > der.length) return null;
  let value = der.subarray(at + 2, at + 2 + len);
  if ((value[0]! & 0x80) !== 0) return null; // negative
  if (value.length > 1 && value[0] === 0x00) {
    if ((value[1]! & 0x80) === 0) return null; // a padding zero that was not needed: not DER
    value = value.subarray(1);
  }
  if (value.length > P256_BYTES) return null;
  return { value, next: at + 2 + len };
}

/**
 * Converts an ASN.1 DER ECDSA signature to the raw `r || s` form WebCrypto verifies (64 bytes for
 * P-256). Returns null for anything else: wrong tag, long-form or inconsistent lengths, trailing
 * bytes, negative, zero-padded or oversized integers.
 */
export function derToRaw(der: Uint8Array): Uint8Array | null {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const r = readInteger(der, 2);
  if (!r) return null;
  const s = readInteger(der, r.next);
  if (!s || s.next !== der.length) return null;
  const raw = new Uint8Array(2 * P256_BYTES);
  raw.set(r.value, P256_BYTES - r.value.length);
  raw.set(s.value, 2 * P256_BYTES - s.value.length);
  return raw;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Imports a PEM SPKI P-256 public key for verification; null when the PEM or key is not one. */
export async function importPublicKey(pem: string): Promise<CryptoKey | null> {
  const der = pemToDer(pem);
  if (!der) return null;
  try {
    return await crypto.subtle.importKey('spki', der as Uint8Array<ArrayBuffer>, ALGORITHM, false, ['verify']);
  } catch {
    return null;
  }
}

/** True when `signatureB64` (base64 DER) is a valid ECDSA P-256 / SHA-256 signature of exactly `body` under `key`. */
export async function verifySignature(key: CryptoKey, signatureB64: string, body: Uint8Array): Promise<boolean> {
  const der = fromBase64(signatureB64);
  const raw = der && derToRaw(der);
  if (!raw) return false;
  try {
    return await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      raw as Uint8Array<ArrayBuffer>,
      body as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}

/**
 * True when the signature verifies under any of `keys`: the keys a provider publishes under one
 * key id (two during its rotation overlap). Tried in turn; the first that verifies ends the walk.
 */
export async function verifiedByAny(
  keys: readonly CryptoKey[],
  signatureB64: string,
  body: Uint8Array,
): Promise<boolean> {
  for (const key of keys) if (await verifySignature(key, signatureB64, body)) return true;
  return false;
}
