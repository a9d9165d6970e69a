import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import * as nodeImpl from './sha256.node.ts';
import * as webImpl from './sha256.web.ts';
import { constantTimeEqual, createHasher } from './hash.ts';
import { generateToken } from './token.ts';

describe('hash implementations', () => {
  it('are the two the alias chooses between', () => {
    expect(nodeImpl.implementation).toBe('node');
    expect(webImpl.implementation).toBe('portable');
  });

  it('match the FIPS 180-2 SHA-256 and RFC 4231 HMAC vectors', () => {
    for (const impl of [nodeImpl, webImpl]) {
      expect(impl.sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      const key = new TextEncoder().encode('Jefe');
      expect(impl.hmacSha256Hex(key, 'what do ya want for nothing?')).toBe(
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      );
    }
  });

  it('match node:crypto at every padding boundary (0–300 bytes) and for keys longer than a block', () => {
    const key = new Uint8Array(200).map((_, i) => (i * 37 + 11) & 0xff);
    for (let n = 0; n <= 300; n++) {
      const input = 'a'.repeat(n);
      expect(webImpl.sha256Hex(input), `length ${n}`).toBe(nodeImpl.sha256Hex(input));
      expect(webImpl.hmacSha256Hex(key.subarray(0, n % 201), input), `key ${n % 201}`).toBe(
        nodeImpl.hmacSha256Hex(key.subarray(0, n % 201), input),
      );
    }
    const long = 'x'.repeat(1_000_000);
    expect(webImpl.sha256Hex(long)).toBe(nodeImpl.sha256Hex(long));
  });

  it('portable: leaves no token or pepper byte in its kept buffer, and keeps no huge buffer', () => {
    webImpl.sha256Hex('kc_live_secret_token');
    expect(webImpl.keptBuffer().every((b) => b === 0)).toBe(true);
    webImpl.hmacSha256Hex(new Uint8Array(100).fill(0xaa), 'kc_live_secret_token');
    expect(webImpl.keptBuffer().every((b) => b === 0)).toBe(true);
    webImpl.sha256Hex('x'.repeat(1_000_000));
    expect(webImpl.keptBuffer().length).toBeLessThanOrEqual(65_536);
    expect(webImpl.sha256Hex('abc')).toBe(nodeImpl.sha256Hex('abc'));
  });

  test.prop([fc.string({ unit: 'grapheme', maxLength: 300 }), fc.uint8Array({ minLength: 0, maxLength: 200 })], {
    numRuns: 1000,
  })(
    'node:crypto and the portable implementation give identical digests for the same input and pepper',
    (input, key) => {
      expect(webImpl.sha256Hex(input)).toBe(nodeImpl.sha256Hex(input));
      expect(webImpl.hmacSha256Hex(key, input)).toBe(nodeImpl.hmacSha256Hex(key, input));
    },
  );

  test.prop([fc.string({ unit: 'binary', maxLength: 200 })], { numRuns: 500 })(
    'agree on any UTF-16 string, lone surrogates included (both encode them as U+FFFD)',
    (input) => {
      expect(webImpl.sha256Hex(input)).toBe(nodeImpl.sha256Hex(input));
    },
  );
});

describe('createHasher', () => {
  const v1 = { version: 1, secret: 'a'.repeat(32) };
  const v2 = { version: 2, secret: 'b'.repeat(32) };

  it('hashes with plain SHA-256 without a pepper', () => {
    const h = createHasher();
    const t = generateToken({ prefix: 'acme' });
    expect(h.currentVersion).toBe(0);
    expect(h.hash(t)).toBe(nodeImpl.sha256Hex(t));
  });

  it('keys the hash with the current pepper and keeps the retiring ones', () => {
    const h = createHasher([v2, v1]);
    const t = generateToken({ prefix: 'acme' });
    expect(h.currentVersion).toBe(2);
    expect(h.retiringVersions).toEqual([1]);
    expect(h.hash(t)).not.toBe(h.hash(t, 1));
    expect(h.hash(t, 1)).toBe(createHasher([v1]).hash(t));
    expect(h.hash(t, 0)).toBe(nodeImpl.sha256Hex(t));
  });

  it("copies a pepper given as bytes: changing the caller's array afterwards changes no hash", () => {
    const secret = new Uint8Array(32).fill(9);
    const h = createHasher([{ version: 1, secret }]);
    const before = h.hash('kc_token');
    secret.fill(1);
    expect(h.hash('kc_token')).toBe(before);
    expect(before).toBe(nodeImpl.hmacSha256Hex(new Uint8Array(32).fill(9), 'kc_token'));
  });

  it('copies a pepper given as a Node Buffer too (Buffer#slice is a view, not a copy)', () => {
    const secret = Buffer.alloc(32, 7);
    const h = createHasher([{ version: 1, secret }]);
    secret.fill(0);
    expect(h.hash('kc_token')).toBe(nodeImpl.hmacSha256Hex(new Uint8Array(32).fill(7), 'kc_token'));
  });

  it('keeps two peppers apart when the portable implementation alternates between them', () => {
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(100).fill(2);
    for (let i = 0; i < 3; i++) {
      expect(webImpl.hmacSha256Hex(a, `t${i}`)).toBe(nodeImpl.hmacSha256Hex(a, `t${i}`));
      expect(webImpl.hmacSha256Hex(b, `t${i}`)).toBe(nodeImpl.hmacSha256Hex(b, `t${i}`));
    }
  });

  it('refuses short, duplicate or unnumbered peppers with a message naming them', () => {
    expect(() => createHasher([{ version: 1, secret: 'short' }])).toThrow(
      'peppers[0].secret must be at least 32 bytes',
    );
    expect(() => createHasher([v1, v1])).toThrow('listed twice');
    expect(() => createHasher([{ version: 0, secret: 'x'.repeat(32) }])).toThrow('peppers[0].version');
    expect(() => createHasher([v1]).hash('x', 3)).toThrow('Unknown pepper version 3');
  });
});

describe('constantTimeEqual', () => {
  test.prop([fc.string(), fc.string()])('agrees with ===', (a, b) => {
    expect(constantTimeEqual(a, b)).toBe(a === b);
    expect(constantTimeEqual(a, a)).toBe(true);
  });

  it('treats a prefix as different', () => {
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
    expect(constantTimeEqual('', 'a')).toBe(false);
  });
});
