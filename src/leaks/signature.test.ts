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
