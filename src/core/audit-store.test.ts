/**
 * The time filters of an audit query (`since`, `until`): epoch ms, a string or a valid Date get
 * through to the time parser; anything else is refused with one message naming the field. The
 * check is by hand, not `z.union([z.number(), z.string(), z.date()])`, so zod's date schema stays
 * out of the edge bundle; these answers are the union's, recorded before the change.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuditQuery } from './audit-store.ts';

const SHAPE = 'must be epoch ms, an ISO 8601 string with Z or an offset, or a Date';

const refusal = (query: unknown): { message: string; fields: unknown } => {
  try {
    parseAuditQuery(query as never, 'query');
  } catch (e) {
    return { message: (e as Error).message, fields: (e as { fields?: unknown }).fields };
  }
  throw new Error('accepted');
};

describe('audit query times', () => {
  it('refuses what is not epoch ms, a string or a valid Date, naming each field', () => {
    for (const v of [NaN, Infinity, -Infinity, true, {}, [], null, new Date('x'), Symbol('s'), 10n, () => 1])
      expect(refusal({ since: v, until: v }), String(v)).toEqual({
        message: `query: since ${SHAPE}; until ${SHAPE}`,
        fields: ['since', 'until'],
      });
  });

  it('passes epoch ms, valid Dates and strings on to the time parser', () => {
    expect(parseAuditQuery({ since: new Date(5), until: 7 }, 'query')).toMatchObject({ since: 5, until: 7 });
    expect(refusal({ since: 'soon' }).message).toBe(
      'query: since is not a valid time (epoch ms, a Date, or an ISO 8601 date or date-time with Z or an offset)',
    );
  });

  it('answers any value as zod’s optional union of number, string and Date did', () => {
    const union = (v: unknown) =>
      v === undefined ||
      (typeof v === 'number' && Number.isFinite(v)) ||
      typeof v === 'string' ||
      (v instanceof Date && !Number.isNaN(v.getTime()));
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.date({ noInvalidDate: false }), fc.double()), (v) => {
        let shapeRefused = false;
        try {
          parseAuditQuery({ since: v } as never, 'query');
        } catch (e) {
          shapeRefused = (e as Error).message === `query: since ${SHAPE}`;
        }
        expect(shapeRefused).toBe(!union(v));
      }),
      { numRuns: 2000 },
    );
  });
});
