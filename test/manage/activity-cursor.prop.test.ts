/**
 * `GET /tokens/:id/activity` with any cursor at all (SPEC §11, §14), as a fast-check property on
 * every audit store backend (memory, PGlite, a Postgres server with DATABASE_URL): a tampered,
 * foreign or stale cursor is a 400 naming `cursor` or a page of this token's own events — never
 * a 5xx, never a report through onError, never another token's events.
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBackends } from '../audit-laws-backends.ts';
import { activityWorld } from './activity-world.ts';

const { backends, warm, closeAll } = auditBackends();
beforeAll(warm, 120_000);
afterAll(closeAll);
const RUNS = Number(process.env['KEYCARD_AUDIT_LAW_RUNS'] ?? 40);
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe.each(backends)('activity cursor on %s', (_name, open) => {
  it('any cursor: 200 with only this token’s events, or 400 naming cursor; never 5xx', async () => {
    const audit = await open({ requests: 'all', now: Date.now });
    const { keycard, get, reported } = await activityWorld(audit);
    const mine = await keycard.issue({ ownerId: 'u_1', label: 'mine', scopes: ['read'] });
    const theirs = await keycard.issue({ ownerId: 'u_2', label: 'theirs', scopes: ['read'] });
    for (let i = 0; i < 4; i++) {
      await keycard.update(theirs.record.id, { label: `theirs-${i}` });
      await keycard.update(mine.record.id, { label: `mine-${i}` });
    }
    await keycard.flush();
    await audit.flush();
    // Real cursors: the other owner's, page by page (foreign), and this token's (stale once re-read).
    const real: string[] = [];
    for (const [id, user] of [
      [theirs.record.id, 'u_2'],
      [mine.record.id, 'u_1'],
    ] as const) {
      let cursor: string | null = null;
      do {
        const r = await get(`/tokens/${id}/activity?limit=1${cursor ? `&cursor=${cursor}` : ''}`, user);
        cursor = r.body['nextCursor'] as string | null;
        if (cursor) real.push(cursor);
      } while (cursor);
    }
    const flip = (s: string, i: number, c: string) =>
      s.slice(0, i % (s.length + 1)) + c + s.slice((i % (s.length + 1)) + 1);
    const cursor = fc.oneof(
      fc.constantFrom(...real),
      fc
        .tuple(fc.constantFrom(...real), fc.nat(), fc.constantFrom('A', '-', '_', '=', '+', '/', '%', '.'))
        .map(([s, i, c]) => flip(s, i, c)),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).map(b64),
      fc.string({ minLength: 1, maxLength: 40 }),
      fc
        .tuple(
          fc.oneof(fc.integer(), fc.double(), fc.constant(9e15), fc.constant(-9e15)),
          fc.string({ unit: 'binary', maxLength: 20 }),
        )
        .map(b64),
      fc.tuple(fc.integer({ min: 0, max: 4e12 }), fc.string({ unit: 'binary', maxLength: 20 })).map(b64),
      fc.jsonValue().map(b64),
    );
    await fc.assert(
      fc.asyncProperty(cursor, fc.integer({ min: 1, max: 5 }), async (c, limit) => {
        const r = await get(`/tokens/${mine.record.id}/activity?limit=${limit}&cursor=${encodeURIComponent(c)}`);
        expect([200, 400], JSON.stringify(r.body)).toContain(r.status);
        if (r.status === 400) {
          expect(r.body['code']).toBe('invalid_request');
          expect((r.body['errors'] as { field: string }[]).map((e) => e.field)).toEqual(['cursor']);
        } else {
          const data = r.body['data'] as { tokenId: string }[];
          expect(data.length).toBeLessThanOrEqual(limit);
          expect(data.every((e) => e.tokenId === mine.record.id)).toBe(true);
        }
      }),
      { numRuns: RUNS * 2 },
    );
    expect(reported).toEqual([]);
    await keycard.close();
    await audit.close();
  });
});
