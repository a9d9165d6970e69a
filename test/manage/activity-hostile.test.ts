/**
 * `GET /tokens/:id/activity` with hostile query values (SPEC §11, §14): a cursor the store did not
 * issue, or a time it cannot hold, is the caller's mistake — 400 `invalid_request` naming the
 * field, never a 503 that blames the audit store (and pages `onError` for nothing). A cursor
 * from another token's activity only positions the page: it never shows that token's events.
 */
import { describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { fromPglite, migrate, postgresAuditStore } from '../../src/stores/postgres.ts';
import { activityWorld } from './activity-world.ts';

const world = activityWorld;

describe('GET /tokens/:id/activity, hostile query', () => {
  it('a cursor the store did not issue is 400 naming cursor, and reports nothing', async () => {
    const w = await world();
    const { record } = await w.keycard.issue({ ownerId: 'u_1', label: 'a', scopes: ['read'] });
    const far = Buffer.from(JSON.stringify([9e15, 'ev_x'])).toString('base64url');
    for (const cursor of ['not-a-cursor', 'W10', far, Buffer.from('[1.5,"x"]').toString('base64url')]) {
      const r = await w.get(`/tokens/${record.id}/activity?cursor=${encodeURIComponent(cursor)}`);
      expect(r.status, cursor).toBe(400);
      expect(r.body['code']).toBe('invalid_request');
      expect((r.body['errors'] as { field: string }[]).map((e) => e.field)).toEqual(['cursor']);
    }
    expect(w.reported).toEqual([]);
    await w.keycard.close();
  });

  it.each(['memory', 'PGlite'])(
    'on %s: a cursor whose id holds a NUL or a lone surrogate (no store issues one) is 400 naming cursor',
    async (kind) => {
      const db = kind === 'PGlite' ? new PGlite() : null;
      if (db) await migrate(fromPglite(db));
      const w = await world(db ? postgresAuditStore(fromPglite(db), { onError: () => {} }) : undefined);
      const { record } = await w.keycard.issue({ ownerId: 'u_1', label: 'a', scopes: ['read'] });
      for (const id of ['ev_\u0000', '\ud800', 'ev_\udc00x']) {
        const cursor = Buffer.from(JSON.stringify([Date.UTC(2026, 0, 1), id])).toString('base64url');
        const r = await w.get(`/tokens/${record.id}/activity?cursor=${cursor}`);
        expect(r.status, JSON.stringify(id)).toBe(400); // Postgres refused the NUL: 503, and a report
        expect((r.body['errors'] as { field: string }[]).map((e) => e.field)).toEqual(['cursor']);
      }
      expect(w.reported).toEqual([]);
      await w.keycard.close();
      await db?.close();
    },
  );

  it('a time before year 1 is 400 naming since', async () => {
    const w = await world();
    const { record } = await w.keycard.issue({ ownerId: 'u_1', label: 'a', scopes: ['read'] });
    const r = await w.get(`/tokens/${record.id}/activity?since=0000-06-01T00:00:00Z`);
    expect(r.status).toBe(400);
    expect((r.body['errors'] as { field: string }[]).map((e) => e.field)).toEqual(['since']);
    await w.keycard.close();
  });

  it("a cursor from another owner's token never shows that token's events", async () => {
    const w = await world();
    const mine = await w.keycard.issue({ ownerId: 'u_1', label: 'mine', scopes: ['read'] });
    const theirs = await w.keycard.issue({ ownerId: 'u_2', label: 'theirs', scopes: ['read'] });
    for (let i = 0; i < 3; i++) {
      await w.keycard.update(theirs.record.id, { label: `theirs-${i}` });
      await w.keycard.update(mine.record.id, { label: `mine-${i}` });
    }
    await w.keycard.close();
    const theirPage = await w.get(`/tokens/${theirs.record.id}/activity?limit=1`, 'u_2');
    const cursor = theirPage.body['nextCursor'] as string;
    expect(cursor).toEqual(expect.any(String));
    expect((await w.get(`/tokens/${theirs.record.id}/activity?cursor=${cursor}`)).status).toBe(404);
    const r = await w.get(`/tokens/${mine.record.id}/activity?cursor=${cursor}&limit=100`);
    expect(r.status).toBe(200);
    const data = r.body['data'] as { tokenId: string }[];
    expect(data.length).toBeGreaterThan(0);
    expect(data.every((e) => e.tokenId === mine.record.id)).toBe(true);
  });
});
