/**
 * `listAll` (src/ui/api.ts), the page walk behind the list and the Revoke all count: every page in
 * order, and a bounded walk against a server whose pages never end.
 */
import { describe, expect, it } from 'vitest';
import { ManagementError, MAX_PAGES, listAll, type TokenView, type TokensApi } from '../../src/ui/api.ts';

const token = (id: string): TokenView =>
  ({
    id,
    label: id,
    start: 'toado_sk_…abcd',
    createdAt: new Date(0).toISOString(),
    scopes: ['read'],
    restrictions: null,
    createdBy: null,
    lastUsedSurface: null,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
  }) as unknown as TokenView;

/** An api whose `list` answers `page(n, cursor)` for its n-th call. */
function apiOf(page: (n: number, cursor: string | undefined) => { data: TokenView[]; nextCursor: string | null }) {
  let calls = 0;
  const api = { list: (q?: { cursor?: string }) => Promise.resolve(page(calls++, q?.cursor)) } as unknown as TokensApi;
  return { api, calls: () => calls };
}

describe('listAll', () => {
  it('walks every page in order, 100 a page', async () => {
    const { api, calls } = apiOf((n) => ({
      data: Array.from({ length: n < 2 ? 100 : 7 }, (_, i) => token(`tok_${n}_${i}`)),
      nextCursor: n < 2 ? `c${n}` : null,
    }));
    const all = await listAll(api, { status: 'active' });
    expect([all.length, calls(), all[0]!.id, all.at(-1)!.id]).toEqual([207, 3, 'tok_0_0', 'tok_2_6']);
  });

  const loops: [string, (n: number) => { data: TokenView[]; nextCursor: string | null }, number][] = [
    ['the same cursor again', () => ({ data: [], nextCursor: 'same' }), 2],
    ['the first page again with a fresh cursor', (n) => ({ data: [token('tok_a')], nextCursor: `c${n}` }), 2],
    ['empty pages with fresh cursors, forever', (n) => ({ data: [], nextCursor: `c${n}` }), MAX_PAGES],
  ];
  for (const [what, page, calls] of loops)
    it(`stops at ${what} with invalid_response after ${calls} calls`, async () => {
      const a = apiOf(page);
      const e = await listAll(a.api, {}).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ManagementError);
      expect([(e as ManagementError).code, a.calls()]).toEqual(['invalid_response', calls]);
    });
});
