import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '#hash';
import { encodingsOf, leaks } from '../../test/secret-encodings.ts';
import { KeycardError } from './errors.ts';
import { REDACTED, excerpt, redact, redactKnown, secretForms } from './redact.ts';
import { defineScopes } from './scopes.ts';
import { generateToken } from './token.ts';

const TOKEN = generateToken({ prefix: 'acme' });

describe('redact: every encoding of a token or its hash', () => {
  for (const [name, encoded] of Object.entries(encodingsOf(TOKEN))) {
    it(`masks ${name}`, () => {
      // Standard base64 holds '/', so in a path it would be path segments: a URL carries it percent-encoded (its own case).
      const inPath = name.startsWith('base64') && !name.startsWith('base64url') ? [] : [`/v1/x/${encoded}/y`];
      for (const text of [
        encoded,
        `store said: ${encoded}.`,
        `key (hash)=(${encoded}) already exists`,
        `"${encoded}"`,
        ...inPath,
      ]) {
        const out = redact(text);
        expect(out).toContain(REDACTED);
        expect(leaks(out, TOKEN), `${name} in ${text}`).toBeNull();
      }
    });
  }

  // Around the value: any text, then one separator a log line or a driver message puts there.
  const SEP = fc.constantFrom(' ', ':', '(', ')', '"', "'", '=', '\n', ',', '[', ']', '<', '>', '{', '}');
  test.prop(
    [fc.constantFrom('acme', 'kc', 'x1y2'), fc.string({ maxLength: 30 }), SEP, SEP, fc.string({ maxLength: 30 })],
    { numRuns: 300 },
  )(
    'any token, any encoding, any surrounding text: nothing recoverable survives',
    (prefix, before, open, close, after) => {
      const token = generateToken({ prefix });
      for (const encoded of Object.values(encodingsOf(token)))
        expect(leaks(redact(`${before}${open}${encoded}${close}${after}`), token)).toBeNull();
    },
  );

  // A literal '%' right before a percent-encoded value makes the escapes ambiguous (which '%' starts
  // one?): that one shape is left out.
  const BEFORE = fc.string({ maxLength: 60 }).filter((s) => !s.slice(-2).includes('%'));
  test.prop([BEFORE, fc.string({ maxLength: 60 })], { numRuns: 300 })(
    'known secrets are masked glued to any text (redactKnown)',
    (before, after) => {
      const token = generateToken({ prefix: 'acme' });
      const forms = secretForms(token, [sha256Hex(token)]);
      for (const encoded of Object.values(encodingsOf(token)))
        expect(leaks(redactKnown(`${before}${encoded}${after}`, forms), token)).toBeNull();
    },
  );

  it('leaves ordinary text, paths and ids alone', () => {
    for (const text of [
      'GET /v1/workspaces/w1/tasks/t123/comments',
      'tok_0123456789abcdefghijkl',
      'a git sha 0123456789abcdef0123456789abcdef01234567',
      'at Object.<anonymous> (/home/runner/work/keycard/src/core/audit.ts:12:3)',
      'Connection refused 127.0.0.1:5432',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });
});

describe('redact: escapes that are not escapes of a token', () => {
  // secrets50: `\xHH` was tried as an escape and dropped: the `\x` of a Postgres bytea, percent-
  // encoded (`%5C%78…`), was read as `\x39` and the digest behind it lost its first byte (63 hex).
  it('a bytea digest behind any escape keeps its `\\x` prefix out of the digest', () => {
    const hex = sha256Hex(TOKEN);
    for (const text of [`\\x${hex}`, encodeURIComponent(`\\x${hex}`), `\\\\x${hex}`])
      expect(leaks(redact(`Key (hash)=(${text})`), TOKEN), text).toBeNull();
  });

  // What a masked run decoded to is re-escaped byte-wise (`%0A`); past U+00FF as `%uXXXX`, which the
  // decoder reads back as itself (it was `%20AC`, read back as a space and `AC`).
  it('re-escapes what a masked run decoded to: no raw newline or markup, %uXXXX past U+00FF', () => {
    const dressed = `${TOKEN.replaceAll('_', '&#95;')}&#10;&#60;b&#62;&#8364;`;
    expect(redact(dressed)).toBe(`${REDACTED}%0A%3Cb%3E%u20AC`);
    expect(redact(redact(dressed))).toBe(redact(dressed));
  });
});

describe('KeycardError: every encoding, at any depth of cause chains and objects', () => {
  it('masks message, stack, cause chains 12 deep and objects 12 deep', () => {
    for (const [name, encoded] of Object.entries(encodingsOf(TOKEN))) {
      let cause: unknown = Object.assign(new Error(`innermost ${encoded}`), { detail: `Key (hash)=(${encoded})` });
      for (let i = 0; i < 12; i++) cause = new Error(`level ${i} ${encoded}`, { cause });
      let deep: Record<string, unknown> = { value: encoded };
      for (let i = 0; i < 12; i++) deep = { nested: deep, list: [encoded, { again: encoded }] };
      const error = new KeycardError('unavailable', `failed ${encoded}`, {
        cause: Object.assign(new Error(`outer ${encoded}`, { cause }), { query: deep, errors: [new Error(encoded)] }),
      });
      const seen: string[] = [];
      const visited = new Set<unknown>();
      const walk = (v: unknown, depth: number) => {
        if (depth > 80 || v === null || v === undefined || visited.has(v)) return;
        if (typeof v === 'string') return void seen.push(v);
        if (typeof v !== 'object') return;
        visited.add(v);
        if (v instanceof Error) seen.push(v.message, String(v.stack));
        for (const k of Object.getOwnPropertyNames(v)) walk((v as Record<string, unknown>)[k], depth + 1);
      };
      walk(error, 0);
      for (const s of seen) expect(leaks(s, TOKEN), `${name}: ${s.slice(0, 200)}`).toBeNull();
    }
  });

  it('a token cut by a length limit is masked first: parseGrant and defineScopes never leak a piece of one', () => {
    const catalogue = defineScopes({ read: {} });
    for (let pad = 60; pad < 140; pad += 7) {
      const name = `${'y'.repeat(pad)} ${TOKEN}`;
      expect(() => catalogue.parseGrant([name])).toThrow(KeycardError);
      try {
        catalogue.parseGrant([name]);
      } catch (e) {
        expect(leaks((e as Error).message, TOKEN), (e as Error).message).toBeNull();
      }
      try {
        defineScopes({ [`${'y'.repeat(pad)}${TOKEN}"`]: {} });
      } catch (e) {
        expect(leaks((e as Error).message, TOKEN), (e as Error).message).toBeNull();
      }
    }
  });

  it('excerpt() masks before it cuts', () => {
    expect(excerpt(`${'y'.repeat(100)} ${TOKEN}`, 128)).toBe(`${'y'.repeat(100)} ${REDACTED}`);
    expect(leaks(excerpt(`${'y'.repeat(110)} ${TOKEN}`, 128), TOKEN)).toBeNull();
  });

  it('excerpt() never cuts a surrogate pair in half', () => {
    expect(excerpt(`${'y'.repeat(9)}😀 tail`, 10)).toBe(`${'y'.repeat(9)}…`);
    expect(excerpt(`${'y'.repeat(8)}😀 tail`, 10)).toBe(`${'y'.repeat(8)}😀…`);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: 1, max: 40 }), (text, max) => {
        const out = excerpt(text, max);
        expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        expect(out.length).toBeLessThanOrEqual(max + 1);
      }),
      { numRuns: 2000 },
    );
  });
});
