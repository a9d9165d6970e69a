/**
 * `isolate()` (aria-label values): whatever the value holds, the U+2068 it starts with is closed
 * only by the U+2069 it ends with, so nothing after the value is reordered; and the visible
 * characters are all kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isolate } from '../../src/ui/bidi.ts';

const BIDI = ['\u2066', '\u2067', '\u2068', '\u2069', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', 'a', 'ب', ' '];

describe('isolate', () => {
  it('the leading FSI stays open to the last character, and only isolate controls are dropped', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...BIDI)).map((a) => a.join('')),
        (value) => {
          const out = isolate(value);
          expect(out.startsWith('\u2068') && out.endsWith('\u2069')).toBe(true);
          let depth = 0;
          [...out].forEach((ch, i) => {
            if (ch >= '\u2066' && ch <= '\u2068') depth++;
            else if (ch === '\u2069') depth--;
            if (i < out.length - 1) expect(depth).toBeGreaterThanOrEqual(1);
          });
          expect(depth).toBe(0);
          const visible = (s: string) => s.replace(/[\u2066-\u2069]/g, '');
          expect(visible(out)).toBe(visible(value));
        },
      ),
    );
  });

  it('an ordinary label only gains the two isolate marks', () => {
    expect(isolate('claude-code on my laptop')).toBe('\u2068claude-code on my laptop\u2069');
  });
});
