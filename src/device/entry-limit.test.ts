/**
 * The entry limit's memory (src/device/entry-limit.ts): it keeps at most 10,000 sessions and drops
 * the least recently entered first. Since every entry is counted before its lookup, a right code
 * enters the map too; a session whose entries were all taken back must leave it, or 10,000
 * people entering their right codes push out a guesser's five wrong ones and give five more.
 */
import { describe, expect, it } from 'vitest';
import { EntryLimit } from './entry-limit.ts';

describe('EntryLimit', () => {
  it("right codes of 10,000 other sessions do not push a guesser's wrong entries out", () => {
    const limit = new EntryLimit(5, 900_000);
    const now = 1_000_000;
    for (let i = 0; i < 5; i++) expect(limit.enter('guesser', now)).toBe(0);
    for (let i = 0; i < 10_000; i++) {
      expect(limit.enter(`person-${i}`, now + 1)).toBe(0);
      limit.forgive(`person-${i}`, now + 1);
    }
    expect(limit.enter('guesser', now + 2)).toBe(900);
  });

  it('a taken-back entry frees its place; a wrong one stays counted', () => {
    const limit = new EntryLimit(2, 60_000);
    expect(limit.enter('s', 0)).toBe(0);
    limit.forgive('s', 0);
    expect(limit.enter('s', 1)).toBe(0);
    expect(limit.enter('s', 2)).toBe(0);
    expect(limit.enter('s', 3)).toBe(60);
  });
});
