/**
 * Claims of docs/ui.md that hold without a browser: the `graceChoices` property writes each choice
 * in the `grace-choices` attribute's syntax and reading it back gives the same choices, for every
 * whole number of seconds up to the 30-day bound ("a number of ms that is no whole number of
 * seconds is written `<n>ms` and skipped", and only those).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { graceChoicesAttribute, parseGraceChoices } from '../src/ui/attributes.ts';
import * as ui from '../src/ui/index.ts';

const DAY = 86_400_000;

describe('docs/ui.md: graceChoices written as the grace-choices attribute', () => {
  it('reads back every whole-second choice up to 30 days as set (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 * 86_400 }), (seconds) => {
        const ms = seconds * 1_000;
        expect(parseGraceChoices(graceChoicesAttribute([0, ms]))).toEqual([...new Set([0, ms])]);
      }),
      { numRuns: 2_000, examples: [[10_001], [86_401], [30 * 86_400], [2 * 86_400 + 1]] },
    );
  });

  it('skips what it says it skips: a fraction of a second, past 30 days, unreadable words', () => {
    expect(parseGraceChoices(graceChoicesAttribute([0, 1_500, 30 * DAY + 1_000, 'soon', 3_600_000]))).toEqual([
      0, 3_600_000,
    ]);
    expect(graceChoicesAttribute([1_500, 90_000, 900_000])).toBe('1500ms 90s 15m');
    // Any number of digits is read; what passes 30 days (or Infinity) is then skipped.
    expect(parseGraceChoices(`0 10000s 720h 721h ${'9'.repeat(400)}d`)).toEqual([0, 10_000_000, 30 * DAY]);
  });
});

describe('docs/ui.md names what keycard/ui exports', () => {
  it('every value and type of src/ui/index.ts', () => {
    const doc = readFileSync(new URL('../docs/ui.md', import.meta.url), 'utf8');
    const source = readFileSync(new URL('../src/ui/index.ts', import.meta.url), 'utf8');
    const types = [...source.matchAll(/export type \{([^}]*)\}/g)].flatMap((m) =>
      m[1]!.split(',').map((t) => t.trim()),
    );
    const names = [...Object.keys(ui), ...types].filter((n) => n.length > 0);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !new RegExp(`\\b${n}\\b`).test(doc))).toEqual([]);
  });
});
