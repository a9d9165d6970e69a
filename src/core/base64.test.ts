import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { fromBase64, toBase64, toBase64Url } from './base64.ts';

// Node's Buffer is the reference: the cursors and the leak intake's hashes are read by other code.
test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 500 })('matches Buffer and round-trips', (bytes) => {
  const buffer = Buffer.from(bytes);
  expect(toBase64(bytes)).toBe(buffer.toString('base64'));
  expect(toBase64Url(bytes)).toBe(buffer.toString('base64url'));
  expect(fromBase64(toBase64(bytes))).toEqual(bytes);
  expect(fromBase64(toBase64Url(bytes))).toEqual(bytes);
});

test('throws on what is not base64', () => {
  expect(() => fromBase64('%%%')).toThrow();
  expect(() => fromBase64('a')).toThrow();
});
