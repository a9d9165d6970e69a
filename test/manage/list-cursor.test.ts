/**
 * GET /tokens hides the rows `can` refuses, and its `nextCursor` must not name one either: the
 * store's cursor is the key of the last row it scanned, so a page ending on a hidden row handed out
 * that token's id and creation time (an existence oracle, SPEC §11). The law, over random
 * workspaces of visible and hidden tokens and random page sizes: paging returns exactly the
 * visible rows in order, and no cursor, decoded any way, holds a hidden token's id.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ManagementOptions, TokenStore } from '../../src/index.ts';
import { pgliteBackend, redisBackend } from '../store-backends.ts';
import { setup } from './fixture.ts';

const decodings = (cursor: string): string[] => {
  const out = [cursor, decodeURIComponent(cursor)];
  try {
    out.push(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    // not base64
  }
  return out;
};

async function world(pattern: readonly boolean[], store?: TokenStore) {
  const hidden = new Set<string>();
  const can: NonNullable<ManagementOptions['can']> = (actor, action, target, fallback) =>
    actor.kind === 'user' && actor.id === 'admin' && target.tokenId !== undefined && hidden.has(target.tokenId)
      ? false
      : fallback(actor, action, target);
  const w = setup({ can }, store);
  const visible: string[] = [];
  for (const [i, isHidden] of pattern.entries()) {
    const t = await w.create({ label: `t${i}`, scopes: ['read'], kind: 'workspace', workspaceId: 'w1' }, 'admin');
    (isHidden ? hidden : { add: (id: string) => visible.push(id) }).add(t.record.id);
    w.clock.advance(1000);
  }
  return { w, hidden, visible };
}

async function pageAll(w: Awaited<ReturnType<typeof world>>['w'], limit: number) {
  const seen: string[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const query = `?kind=workspace&workspaceId=w1&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await w.call('GET', `/tokens${query}`, { as: 'admin' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { id: string }[]; nextCursor: string | null };
    seen.push(...body.data.map((d) => d.id));
    cursor = body.nextCursor;
    if (cursor === null) break;
    cursors.push(cursor);
  }
  return { seen, cursors };
}

describe('GET /tokens: a cursor never names a token can hides', () => {
  it('a page of [visible, hidden] ends its cursor on the visible row', async () => {
    const { w, hidden, visible } = await world([false, true, true, false]);
    const first = (await (
      await w.call('GET', '/tokens?kind=workspace&workspaceId=w1&limit=2', { as: 'admin' })
    ).json()) as { data: { id: string }[]; nextCursor: string };
    expect(first.data.map((d) => d.id)).toEqual([visible[0]]);
    for (const text of decodings(first.nextCursor)) for (const id of hidden) expect(text).not.toContain(id);
    expect((await pageAll(w, 2)).seen).toEqual(visible);
  });

  it('law: paging returns exactly the visible rows, and no cursor holds a hidden id (60 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 14 }),
        // From 2 rows a page, 10 pages scan more than the 14 rows: a run of hidden rows always ends
        // within one call (the longer run is the case left open, see CHANGELOG).
        fc.integer({ min: 2, max: 5 }),
        async (pattern, limit) => {
          const { w, hidden, visible } = await world(pattern);
          const { seen, cursors } = await pageAll(w, limit);
          expect(seen).toEqual(visible);
          for (const c of cursors)
            for (const text of decodings(c)) for (const id of hidden) expect(text).not.toContain(id);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe.each([pgliteBackend, redisBackend])('on $name', (backend) => {
  it('a page ending on hidden rows: the cursor names none, and paging shows every visible row', async () => {
    const { store, close } = await backend.open();
    try {
      const { w, hidden, visible } = await world([false, true, true, false, true, false], store);
      const { seen, cursors } = await pageAll(w, 2);
      expect(seen).toEqual(visible);
      for (const c of cursors) for (const text of decodings(c)) for (const id of hidden) expect(text).not.toContain(id);
    } finally {
      await close();
    }
  });
});
