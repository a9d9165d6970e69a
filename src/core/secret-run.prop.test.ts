/**
 * `SECRET_RUN` is tried only where a run starts (hot53): the old expression was tried at every
 * position of the text, and a UUID `X-Request-Id` cost ~2–4 µs of `requestIdFrom` on each request
 * carrying one. The old expression is kept here as the reference: a match at any position means
 * the run holding it matches from its start (a suffix of a run with 32+ characters and both
 * letter cases is inside the run), so the two must agree on every text.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { requestIdFrom } from './audit-fields.ts';
import { redact, SECRET_RUN } from './redact.ts';

const REFERENCE = /(?=[^\W_]*[a-z])(?=[^\W_]*[A-Z])[^\W_]{32}|(?=[\dA-Fa-f]*\d)[\dA-Fa-f]{64}/;

// Runs of letters, digits and hex around separators, so runs near 32 and 64 characters are common.
const piece = fc.oneof(
  fc.stringMatching(/^[a-z]{0,40}$/),
  fc.stringMatching(/^[A-Za-z0-9]{0,70}$/),
  fc.stringMatching(/^[0-9a-f]{50,80}$/),
  fc.stringMatching(/^[0-9A-F]{50,80}$/),
  fc.constantFrom('-', '_', '.', ':', ' ', '%', 'é', ''),
);
const text = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));

// review53: runs built from characters at the classes' edges (hex and non-hex letters of both
// cases, digits, `_`, `-`, `.`, `%`, non-ASCII letters, a lone surrogate), 31-33 and 63-66 long,
// glued to each other: a hex run inside a longer alphanumeric run, a run starting after `_`.
const edge = fc.constantFrom(...'afgzAFGZ09_-.%é\u017f\u212a\ud83d ');
const word = fc.constantFrom(...'afgzAFGZ09');
const hex = fc.constantFrom(...'afAF09');
const near = (unit: fc.Arbitrary<string>) =>
  fc
    .oneof(fc.integer({ min: 31, max: 33 }), fc.integer({ min: 63, max: 66 }))
    .chain((n) => fc.array(unit, { minLength: n, maxLength: n }).map((cs) => cs.join('')));
const edges = fc
  .array(fc.oneof(near(word), near(hex), near(edge), edge, fc.constantFrom('ghGH', 'g', 'G')), { maxLength: 5 })
  .map((parts) => parts.join(''));

describe('SECRET_RUN, tried at run starts only', () => {
  test.prop([edges], { numRuns: 3000 })('agrees with the reference on runs at the classes’ edges', (t) => {
    expect(SECRET_RUN.test(t)).toBe(REFERENCE.test(t));
  });

  test.prop([text], { numRuns: 3000 })('agrees with the expression tried at every position', (t) => {
    expect(SECRET_RUN.test(t)).toBe(REFERENCE.test(t));
  });

  test.prop([text])('requestIdFrom keeps a well-formed id exactly when the reference finds no run', (t) => {
    const shaped = /^[A-Za-z0-9._:-]{1,128}$/.test(t);
    expect(requestIdFrom(t) === t).toBe(shaped && redact(t) === t && !REFERENCE.test(t));
  });
});
