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
    expect(String((errors[0] as Error).message)).toMatch(/owner u1.*no longer tracked/);
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
