/**
 * `printable` (src/client/answer.ts), through which keycard/client's error messages and the CLI's
 * print a server's words, and `reasonOf` (src/ui/api.ts), the settings page's error line. Laws:
 * what comes out holds no control character (C0, DEL, C1), no line or paragraph separator
 * (U+2028, U+2029) and no invisible format character (Unicode Cf: bidi marks, embeddings,
 * overrides and isolates, the Arabic letter mark, zero-width space, word joiner, invisible
 * operators, the BOM, tag characters…) but ZWNJ and ZWJ, which only join or part the letters
 * around them (Persian, Indic scripts, emoji sequences); every other character passes unchanged,
 * one U+FFFD standing for each character replaced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable } from '../src/client/answer.ts';
import { ManagementError, reasonOf } from '../src/ui/api.ts';

/** The characters named by the defect, each of which must go. */
const NAMED = [
  '\u061c', // ARABIC LETTER MARK
  '\u200b', // ZERO WIDTH SPACE
  '\u200e', // LEFT-TO-RIGHT MARK
  '\u200f', // RIGHT-TO-LEFT MARK
  '\u2028', // LINE SEPARATOR
  '\u2029', // PARAGRAPH SEPARATOR
  ...'\u202a\u202b\u202c\u202d\u202e', // embeddings, overrides, pop
  ...'\u2060\u2061\u2062\u2063\u2064\u2065\u2066\u2067\u2068\u2069', // word joiner, invisible operators, isolates
  ...'\u206a\u206b\u206c\u206d\u206e\u206f', // deprecated format characters
  '\ufeff', // ZERO WIDTH NO-BREAK SPACE (BOM)
  '\u00ad', // SOFT HYPHEN
  '\u180e', // MONGOLIAN VOWEL SEPARATOR
  ...'\ufff9\ufffa\ufffb', // interlinear annotation: text shown apart, or not at all
  '\u{e0001}',
  '\u{e0041}', // tag characters: invisible ASCII
  '\u001b',
  '\r',
  '\n',
  '\u0085',
  '\u009b',
];
/** What must not come out: Cc, Cf (but ZWNJ, ZWJ), Zl, Zp, and the unassigned U+2065 among the isolates. */
const FORBIDDEN = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u2065]/u;
const JOINERS = ['\u200c', '\u200d'];
const KEPT = ['e\u0301', 'שלום', 'مرحبا', 'می\u200cخواهم', '👨\u200d👩\u200d👧', '❤\ufe0f', '\ufffd', ' '];

/** Strings of any code points, with the named ones, joiners and kept samples mixed in often. */
const anyText = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom(...NAMED),
      fc.constantFrom(...JOINERS, ...KEPT),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

const codePoints = (s: string) => [...s];

describe('printable', () => {
  it('leaves no control, separator or invisible format character (ZWNJ and ZWJ aside)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(printable(text)).not.toMatch(FORBIDDEN);
      }),
      { numRuns: 2000 },
    );
  });

  it('changes nothing else: each code point kept, or one U+FFFD for each forbidden one', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const want = codePoints(text)
          .map((c) => (FORBIDDEN.test(c) ? '\ufffd' : c))
          .join('');
        expect(printable(text)).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('text with none of them round-trips unchanged', () => {
    const clean = anyText.map((t) =>
      codePoints(t)
        .filter((c) => !FORBIDDEN.test(c))
        .join(''),
    );
    fc.assert(
      fc.property(clean, (text) => {
        expect(printable(text)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it.each(NAMED.map((c) => [`U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, c]))(
    '%s is replaced',
    (_name, c) => {
      expect(printable(`a${c}b`)).toBe('a\ufffdb');
    },
  );
});

describe('reasonOf (the settings page error line)', () => {
  it('holds none of them, from the message or from field errors, and keeps the rest', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, (detail, field, message) => {
        const e = new ManagementError({
          type: 'about:blank',
          title: 'Bad',
          status: 400,
          detail,
          code: 'invalid_request',
          errors: [{ field, message }],
        });
        const reason = reasonOf(e);
        expect(reason).not.toMatch(FORBIDDEN);
        if (reason.length < 300) expect(reason).toBe(printable(`${e.message} ${field}: ${message}`));
      }),
      { numRuns: 500 },
    );
  });
});
