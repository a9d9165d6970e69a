/** The per-process memory of lost revoke answers: bounded, but never losing the oldest call (the one that revoked). */
import { describe, expect, it } from 'vitest';
import { UnansweredRevokeAlls, UnansweredRevokes } from './unanswered.ts';

describe('UnansweredRevokeAlls', () => {
  it('keeps the oldest call and the 7 newest of a filter, and reports each call it drops', () => {
    const errors: unknown[] = [];
    const u = new UnansweredRevokeAlls((e) => errors.push(e));
    for (let at = 0; at < 10; at++) u.note('o:u1', at, 'r');
    expect(u.take('o:u1').map((s) => s.at)).toEqual([0, 3, 4, 5, 6, 7, 8, 9]);
    expect(errors).toHaveLength(2);
    expect((errors[0] as Error).message).toBe(
      'keycard: more than 8 revokeAll calls of owner u1 lost their answer; the revokeAll of owner u1 sent at ' +
        '1970-01-01T00:00:00.001Z is no longer tracked: a token it alone revoked gets no token.revoked event',
    );
  });

  it('restore puts the calls it gives back ahead of those noted since, oldest first', () => {
    const u = new UnansweredRevokeAlls(() => {});
    u.note('o:u1', 1, 'a');
    u.note('o:u1', 2, 'a');
    const taken = u.take('o:u1');
    for (let at = 10; at < 17; at++) u.note('o:u1', at, 'b');
    u.restore('o:u1', taken);
    expect(u.take('o:u1').map((s) => s.at)).toEqual([1, 10, 11, 12, 13, 14, 15, 16]);
  });
});

describe('UnansweredRevokes', () => {
  it('keeps the oldest instant of a token: a retry finding the first revocation settles it as ours', () => {
    const errors: unknown[] = [];
    const u = new UnansweredRevokes((e) => errors.push(e));
    for (let at = 0; at < 9; at++) u.note('tok_1', at);
    expect(errors).toHaveLength(1);
    expect(u.settle('tok_1', 0)).toBe(true);
  });
});

describe('past 10,000 tokens or filters, the oldest is dropped and reported, never silently', () => {
  it('UnansweredRevokes: the 10,001st token drops the first, and onError names it and each of its instants', () => {
    const errors: unknown[] = [];
    const u = new UnansweredRevokes((e) => errors.push(e));
    u.note('tok_first', 1);
    u.note('tok_first', 2);
    for (let i = 0; i < 9_999; i++) u.note(`tok_${i}`, 3);
    expect(errors).toEqual([]);
    u.note('tok_last', 4);
    expect(u.has('tok_first')).toBe(false);
    expect(u.has('tok_last')).toBe(true);
    const why = 'keycard: lost answers are tracked for at most 10000 tokens, this one longest';
    const tail = 'is no longer tracked: a token it alone revoked gets no token.revoked event';
    expect(errors.map((e) => (e as Error).message)).toEqual([
      `${why}; the revoke of token tok_first sent at 1970-01-01T00:00:00.001Z ${tail}`,
      `${why}; the revoke of token tok_first sent at 1970-01-01T00:00:00.002Z ${tail}`,
    ]);
  });

  it('UnansweredRevokeAlls: the 10,001st filter drops the first, and onError names it', () => {
    const errors: unknown[] = [];
    const u = new UnansweredRevokeAlls((e) => errors.push(e));
    u.note('w:first', 1, 'r');
    for (let i = 0; i < 9_999; i++) u.note(`o:u${i}`, 2, 'r');
    expect(errors).toEqual([]);
    u.note('o:last', 3, 'r');
    expect(u.take('w:first')).toEqual([]);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'keycard: lost answers are tracked for at most 10000 filters, this one longest; the revokeAll of workspace first ' +
        'sent at 1970-01-01T00:00:00.001Z is no longer tracked: a token it alone revoked gets no token.revoked event',
    ]);
  });
});
