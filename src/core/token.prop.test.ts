import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { RE2JS } from 're2js';
import {
  BASE62,
  crc32,
  encodeChecksum,
  formatToken,
  generateToken,
  parseToken,
  scannerPattern,
  validateToken,
} from './token.ts';

const base62Char = fc.constantFrom(...BASE62);
const body = fc.string({ unit: base62Char, minLength: 32, maxLength: 32 });
const prefix = fc.stringMatching(/^[a-z][a-z0-9]{1,15}$/);
const type = fc.constantFrom('sk', 'pk', 'rk', 'tok');
// Substitutes drawn from base62, the separators and a few hostile characters: every one must break the checksum or the shape.
const anyChar = fc.constantFrom(...BASE62, '_', '-', '.', ' ', '=', '+', '/', 'é', '\u0000');

describe('token properties', () => {
  test.prop([prefix, type, body])('format/parse round-trip', (p, ty, b) => {
    const token = formatToken({ prefix: p, type: ty }, b);
    const parsed = parseToken(token, { prefix: p, type: ty });
    expect(parsed).toEqual({ prefix: p, type: ty, version: '1', body: b, checksum: token.slice(-6) });
  });

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('substitute' as const), at: fc.nat(), ch: anyChar }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), ch: anyChar }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), ch: fc.constant('') }),
    fc.record({ kind: fc.constant('transpose' as const), at: fc.nat(), ch: fc.constant('') }),
  );

  test.prop([prefix, body, mutation], { numRuns: 12_000 })(
    'every single substitution, insertion, deletion and adjacent transposition is rejected',
    (p, b, m) => {
      const token = formatToken({ prefix: p }, b);
      const i = m.at % token.length;
      let mutated: string;
      switch (m.kind) {
        case 'substitute':
          fc.pre(token[i] !== m.ch);
          mutated = token.slice(0, i) + m.ch + token.slice(i + 1);
          break;
        case 'insert':
          mutated = token.slice(0, i) + m.ch + token.slice(i);
          break;
        case 'delete':
          mutated = token.slice(0, i) + token.slice(i + 1);
          break;
        case 'transpose': {
          const j = i % (token.length - 1);
          fc.pre(token[j] !== token[j + 1]);
          mutated = token.slice(0, j) + token[j + 1]! + token[j]! + token.slice(j + 2);
          break;
        }
      }
      expect(parseToken(mutated, { prefix: p })).toBeUndefined();
    },
  );

  // The checksum only catches accidents: anyone can recompute it. The shape must hold on its own.
  test.prop([prefix, body, fc.nat(31), fc.constantFrom('_', '-', '.', '=', '+', '/', ' ', 'é', '\u0000')])(
    'a body character outside base62 is refused even under a correct checksum',
    (p, b, at, ch) => {
      const head = `${p}_sk_1${b.slice(0, at)}${ch}${b.slice(at + 1)}`;
      expect(validateToken(head + encodeChecksum(crc32(head)), { prefix: p })).toBe(false);
    },
  );

  test.prop([prefix, body, base62Char.filter((v) => v !== '1')])(
    'a token of another format version is refused even under a correct checksum',
    (p, b, v) => {
      expect(validateToken(formatToken({ prefix: p }, b, v), { prefix: p })).toBe(false);
      expect(validateToken(formatToken({ prefix: p }, b, '1'), { prefix: p })).toBe(true);
    },
  );

  const contexts = [
    (t: string) => JSON.stringify({ token: t, other: 'x' }),
    (t: string) => `export ACME_TOKEN=${t}\nOTHER=1`,
    (t: string) => `ACME_TOKEN="${t}"`,
    (t: string) => `https://api.example.com/v1/things?access_token=${t}&page=2`,
    (t: string) => `Authorization: Bearer ${t}\r\n`,
  ];

  test.prop([fc.constantFrom(...contexts.keys())], { numRuns: 200 })(
    'the scanner pattern finds generated tokens inside JSON, env lines and URLs (JS and RE2 alike)',
    (k) => {
      const token = generateToken({ prefix: 'acme' });
      const text = contexts[k]!(token);
      const js = [...text.matchAll(new RegExp(scannerPattern('acme'), 'g'))].map((m) => m[0]);
      expect(js).toEqual([token]);
      const m = RE2JS.compile(scannerPattern('acme')).matcher(text);
      expect(m.find()).toBe(true);
      expect(m.group()).toBe(token);
      expect(validateToken(js[0]!, { prefix: 'acme' })).toBe(true);
    },
  );

  test.prop([fc.constantFrom(-1, 1), fc.constantFrom(...contexts.keys())], { numRuns: 100 })(
    'the scanner pattern rejects a tail one character short or long',
    (delta, k) => {
      const token = generateToken({ prefix: 'acme' });
      const wrong = delta < 0 ? token.slice(0, -1) : `${token}a`;
      const text = contexts[k]!(wrong);
      expect(new RegExp(scannerPattern('acme')).test(text)).toBe(false);
      expect(RE2JS.compile(scannerPattern('acme')).matcher(text).find()).toBe(false);
    },
  );
});

describe('scanner on adversarial input', () => {
  // RE2 guarantees time linear in the input; running the 1 MB cases through RE2JS (a faithful RE2
  // port) proves the pattern is RE2-acceptable and completes; the JS engine must agree with it.
  const MB = 1 << 20;
  const cases: Record<string, string> = {
    'one long base62 run after the prefix': `acme_sk_${'a'.repeat(MB)}`,
    'repeated near-prefixes': 'acme_sk_'.repeat(MB / 8),
    'repeated 38-character tails': `acme_sk_${'a'.repeat(38)} `.repeat(Math.floor(MB / 47)),
    'prefix without separator': 'acmesk'.repeat(MB / 6),
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`finds nothing in 1 MB of ${name}`, () => {
      expect(text.length).toBeGreaterThanOrEqual(MB - 64);
      expect(RE2JS.compile(scannerPattern('acme')).matcher(text).find()).toBe(false);
      expect(new RegExp(scannerPattern('acme')).test(text)).toBe(false);
    });
  }
});

describe('randomness', () => {
  // Pearson's chi-square over 62 symbols (61 degrees of freedom). 140 is beyond the 1e-8 upper
  // quantile, so an honest generator essentially never fails, while a `byte % 62` generator
  // (symbols 0–7 are 5/4 as likely) scores in the hundreds at this sample size.
  const chiSquare = (text: string): number => {
    const counts = new Map<string, number>();
    for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
    const expected = text.length / 62;
    let x2 = 0;
    for (const c of BASE62) x2 += ((counts.get(c) ?? 0) - expected) ** 2 / expected;
    return x2;
  };

  it('base62 output is unbiased over 100,000 characters', () => {
    let text = '';
    while (text.length < 100_000) text += generateToken({ prefix: 'acme' }).slice(9, 41);
    expect(chiSquare(text.slice(0, 100_000))).toBeLessThan(140);
  });

  it('the test would catch modulo bias', () => {
    const bytes = new Uint8Array(100_000);
    for (let i = 0; i < bytes.length; i += 50_000) crypto.getRandomValues(bytes.subarray(i, i + 50_000));
    let biased = '';
    for (const b of bytes) biased += BASE62[b % 62];
    expect(chiSquare(biased)).toBeGreaterThan(140);
  });
});
