import { describe, expect, it } from 'vitest';
import { RE2JS } from 're2js';
import {
  BASE62,
  crc32,
  encodeChecksum,
  formatToken,
  generateToken,
  parseToken,
  randomBase62,
  scannerPattern,
  tokenStart,
  validateToken,
} from './token.ts';

const acme = { prefix: 'acme' };

describe('token format', () => {
  it('has the SPEC §2 shape: prefix, type, version 1, 32 body and 6 checksum characters', () => {
    const t = generateToken(acme);
    expect(t).toMatch(/^acme_sk_1[0-9A-Za-z]{38}$/);
    expect(t.length).toBe('acme_sk_'.length + 39);
    const p = parseToken(t, acme)!;
    expect(p.body).toHaveLength(32);
    expect(p.checksum).toBe(encodeChecksum(crc32(t.slice(0, -6))));
  });

  it('computes the standard CRC-32 (IEEE) check value', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });

  it('encodes the checksum as 6 zero-padded base62 characters', () => {
    expect(encodeChecksum(0)).toBe('000000');
    expect(encodeChecksum(61)).toBe('00000z');
    expect(encodeChecksum(62)).toBe('000010');
    expect(encodeChecksum(0xffffffff)).toBe('4gfFC3');
  });

  it('matches a fixed vector', () => {
    const t = formatToken(acme, '0'.repeat(32));
    expect(t.slice(0, -6)).toBe(`acme_sk_1${'0'.repeat(32)}`);
    expect(t.slice(-6)).toBe(encodeChecksum(crc32(t.slice(0, -6))));
    expect(parseToken(t, acme)?.body).toBe('0'.repeat(32));
  });

  it('honours a custom type', () => {
    const t = generateToken({ prefix: 'comma', type: 'pk' });
    expect(t.startsWith('comma_pk_1')).toBe(true);
    expect(parseToken(t, { prefix: 'comma', type: 'pk' })).toBeDefined();
    expect(parseToken(t, { prefix: 'comma' })).toBeUndefined();
  });

  it('rejects a wrong prefix, type, version, alphabet, length or checksum', () => {
    const t = generateToken(acme);
    expect(parseToken(t, { prefix: 'acmf' })).toBeUndefined();
    expect(parseToken(t.replace('acme_sk_', 'acme_rk_'), acme)).toBeUndefined();
    expect(parseToken(t.replace('_sk_1', '_sk_2'), acme)).toBeUndefined();
    expect(parseToken(`${t.slice(0, 20)}-${t.slice(21)}`, acme)).toBeUndefined();
    expect(parseToken(`${t.slice(0, 20)}é${t.slice(21)}`, acme)).toBeUndefined();
    expect(parseToken(t.slice(0, -1), acme)).toBeUndefined();
    expect(parseToken(`${t}0`, acme)).toBeUndefined();
    expect(parseToken('', acme)).toBeUndefined();
    expect(parseToken(undefined as unknown as string, acme)).toBeUndefined();
    const flipped = t.slice(0, -1) + (t.endsWith('0') ? '1' : '0');
    expect(parseToken(flipped, acme)).toBeUndefined();
  });

  it('refuses invalid prefixes and types when generating', () => {
    expect(() => generateToken({ prefix: 'A' })).toThrow(/prefix/);
    expect(() => generateToken({ prefix: 'a' })).toThrow(/prefix/);
    expect(() => generateToken({ prefix: 'a_b' })).toThrow(/prefix/);
    expect(() => generateToken({ prefix: 'abcdefghijklmnopq' })).toThrow(/prefix/);
    expect(() => generateToken({ prefix: 'ok', type: 'S K' })).toThrow(/type/);
  });

  it('draws only base62 characters', () => {
    const s = randomBase62(10_000);
    expect(s).toHaveLength(10_000);
    for (const c of s) expect(BASE62.includes(c)).toBe(true);
  });

  it('keeps a non-secret start hint of prefix, type and the last 4 characters', () => {
    const t = generateToken(acme);
    expect(tokenStart(t, acme)).toBe(`acme_sk_…${t.slice(-4)}`);
  });
});

describe('scanner pattern', () => {
  it('is the documented RE2 expression', () => {
    expect(scannerPattern('acme')).toBe('\\bacme_sk_[0-9A-Za-z]{39}\\b');
  });

  it('compiles under RE2 (no lookaround, no backreferences)', () => {
    expect(() => RE2JS.compile(scannerPattern('acme'))).not.toThrow();
  });

  it('validate() confirms real tokens and refuses look-alikes', () => {
    const t = generateToken(acme);
    expect(validateToken(t, acme)).toBe(true);
    expect(validateToken(`acme_sk_1${'a'.repeat(38)}`, acme)).toBe(false);
  });
});

describe('validateToken refuses look-alikes whose checksum is right (SPEC §2: refused before any store I/O)', () => {
  // A string whose last 6 characters are the CRC-32 of the rest: only the other rules can refuse it.
  const signed = (head: string) => head + encodeChecksum(crc32(head));
  const body = 'A'.repeat(32);
  const format = { prefix: 'acme' };

  it('accepts the genuine shape', () => {
    expect(validateToken(signed(`acme_sk_1${body}`), format)).toBe(true);
  });

  it.each([
    ['a body one longer', `acme_sk_1${body}B`],
    ['a body one shorter', `acme_sk_1${body.slice(1)}`],
    ['another separator after the prefix', `acme-sk_1${body}`],
    ['another separator after the type', `acme_sk-1${body}`],
    ['a non-ASCII character U+0080 in the body', `acme_sk_1${body.slice(1)}\u0080`],
  ])('refuses %s', (_, head) => {
    expect(validateToken(signed(head), format)).toBe(false);
  });
});
