import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { providerKey, rawToDer, sign } from '../../test/leaks-fixture.ts';
import { derToRaw, fromBase64, importPublicKey, pemToDer, toBase64, verifySignature } from './signature.ts';

const seq = (...parts: number[][]) => Uint8Array.of(0x30, parts.flat().length, ...parts.flat());
const int = (...b: number[]) => [0x02, b.length, ...b];

describe('derToRaw', () => {
  it('left-pads short integers and strips the sign byte', () => {
    const raw = derToRaw(seq(int(0x01), int(0x00, 0x80, ...new Array(31).fill(0x11))))!;
    expect(raw.length).toBe(64);
    expect(raw[31]).toBe(0x01);
    expect([...raw.subarray(0, 31)].every((b) => b === 0)).toBe(true);
    expect(raw[32]).toBe(0x80);
  });

  it('refuses what is not strict DER of two positive integers of at most 32 bytes', () => {
    const bad = [
      new Uint8Array(0),
      Uint8Array.of(0x31, 6, ...int(1), ...int(1)), // not a SEQUENCE
      Uint8Array.of(0x30, 7, ...int(1), ...int(1)), // length says more than there is
      Uint8Array.of(...seq(int(1), int(1)), 0x00), // trailing byte
      seq(int(1)), // one integer
      seq(int(1, 2, 3, 4, 5)), // one integer, long enough to be read
      seq(int(1), int(1), [0x00, 0x00]), // trailing bytes inside the SEQUENCE
      seq(int(1), int(1), int(1)), // a third integer
      seq(int(0x80), int(1)), // negative
      seq(int(0x00, 0x01), int(1)), // needless zero padding
      seq(int(...new Array(33).fill(0x01)), int(1)), // 33 significant bytes
      seq([0x02, 0], int(1)), // empty integer
      seq([0x04, 1, 1], int(1)), // OCTET STRING
    ];
    for (const der of bad) expect(derToRaw(der)).toBeNull();
  });

  test.prop([fc.uint8Array({ minLength: 64, maxLength: 64 })])('inverts an independent raw → DER encoder', (raw) => {
    expect(derToRaw(rawToDer(raw))).toEqual(raw);
  });
});

describe('base64 and PEM', () => {
  test.prop([fc.uint8Array({ maxLength: 200 })])('round-trips', (bytes) => {
    if (bytes.length === 0) return;
    expect(fromBase64(toBase64(bytes))).toEqual(bytes);
  });

  it('refuses non-base64 and a PEM of another kind', () => {
    for (const s of ['', '%%%', 'a', 'ab=c', 'a'.repeat(70_000)]) expect(fromBase64(s)).toBeNull();
    expect(pemToDer('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toBeNull();
  });
});

describe('verifySignature', () => {
  it('accepts the signed bytes only, under the signing key only', async () => {
    const a = await providerKey('a');
    const b = await providerKey('b');
    const keyA = (await importPublicKey(a.pem))!;
    const body = new TextEncoder().encode('[{"token":"x"}]');
    const sig = await sign(a, body);
    expect(await verifySignature(keyA, sig, body)).toBe(true);
    expect(await verifySignature(keyA, await sign(b, body), body)).toBe(false);
    expect(await verifySignature(keyA, sig, new TextEncoder().encode('[{"token":"y"}]'))).toBe(false);
    expect(await verifySignature(keyA, 'not base64!', body)).toBe(false);
    expect(await importPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toBeNull();
  });

  it('fails closed when WebCrypto refuses the check (a key of another kind)', async () => {
    const a = await providerKey('a');
    const body = new TextEncoder().encode('[]');
    const hmac = await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'verify',
    ]);
    expect(await verifySignature(hmac, await sign(a, body), body)).toBe(false);
  });
});

describe('verifySignature: degenerate and malleated signatures', () => {
  // The order n of P-256.
  const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const bytes32 = (v: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((v >> BigInt(8 * (31 - i))) & 0xffn));
  const toBig = (b: Uint8Array) => b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
  const derOf = (r: bigint, s: bigint) => toBase64(rawToDer(Uint8Array.of(...bytes32(r), ...bytes32(s))));

  it('r or s of 0 or n, and r, s swapped, are refused; the high-S twin is accepted (GitHub does not normalise S)', async () => {
    const a = await providerKey('a');
    const key = (await importPublicKey(a.pem))!;
    const body = new TextEncoder().encode('[{"token":"x","type":"t"}]');
    const raw = derToRaw(fromBase64(await sign(a, body))!)!;
    const r = toBig(raw.subarray(0, 32));
    const s = toBig(raw.subarray(32));
    for (const [rr, ss] of [
      [0n, s],
      [r, 0n],
      [N, s],
      [r, N],
      [r + N < 2n ** 256n ? r + N : r, s], // r + n still fits 32 bytes for small r: not reduced mod n
      [s, r],
    ] as const)
      if (rr !== r || ss !== s) expect(await verifySignature(key, derOf(rr, ss), body)).toBe(false);
    // (r, n − s) verifies too: ECDSA's own malleability. Harmless here: nothing keys on the
    // signature (deliveries are idempotent), and refusing high S would refuse half of GitHub's.
    expect(await verifySignature(key, derOf(r, N - s), body)).toBe(true);
  });

  it('a P-384 key in the list is not imported (wrong curve), so it cannot verify anything', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const spki = new Uint8Array((await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer);
    const pem = `-----BEGIN PUBLIC KEY-----\n${toBase64(spki)}\n-----END PUBLIC KEY-----`;
    expect(await importPublicKey(pem)).toBeNull();
  });
});
