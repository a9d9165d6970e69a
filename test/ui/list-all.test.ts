/**
 * `listAll` (src/ui/api.ts), the page walk behind the list and the Revoke all count: every page in
 * order, and a bounded walk against a server whose pages never end.
 */
import { describe, expect, it } from 'vitest';
import {
  ManagementError,
  MAX_PAGES,
  countAll,
  listAll,
  walk,
  type TokenView,
  type TokensApi,
} from '../../src/ui/api.ts';
import { tokenView } from './token-view.ts';

const token = (id: string) => tokenView(id) as unknown as TokenView;

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

  /** Full pages of fresh tokens, `pages` of them. */
  const pagesOf = (pages: number) => (n: number) => ({
    data: Array.from({ length: 100 }, (_, i) => token(`tok_${n}_${i}`)),
    nextCursor: n + 1 < pages ? `c${n + 1}` : null,
  });

  it('past 100 full pages is too_many_tokens, saying how many it read', async () => {
    const a = apiOf(pagesOf(MAX_PAGES + 1));
    const e = (await listAll(a.api, {}).catch((x: unknown) => x)) as ManagementError;
    expect([e.code, e.message, a.calls()]).toEqual([
      'too_many_tokens',
      'More than 10,000 tokens, too many to list here (Revoke all still counts them)',
      MAX_PAGES,
    ]);
  });

  it('stops before the next page once stale, with an AbortError', async () => {
    let stale = false;
    const a = apiOf((n) => ((stale = n === 1), pagesOf(5)(n)));
    const e = await listAll(a.api, {}, { stale: () => stale }).catch((x: unknown) => x);
    expect([(e as Error).name, a.calls()]).toEqual(['AbortError', 2]);
  });

  it('walk hands on no page holding a token already handed on (the list would draw it twice)', async () => {
    const a = apiOf((n) => ({
      data: n === 0 ? [token('tok_a'), token('tok_b')] : [token('tok_c'), token('tok_a')],
      nextCursor: n === 0 ? 'c1' : null,
    }));
    const handed: string[][] = [];
    const e = await walk(a.api, {}, {}, (data) => void handed.push(data.map((t) => t.id))).catch((x: unknown) => x);
    expect([(e as ManagementError).code, handed]).toEqual(['invalid_response', [['tok_a', 'tok_b']]]);
  });

  it('countAll counts every page, past 100 too, and still stops at a repeated page', async () => {
    const a = apiOf(pagesOf(250));
    expect([await countAll(a.api, {}), a.calls()]).toEqual([{ count: 25_000, ownerId: 'u_jason' }, 250]);
    const loop = apiOf((n) => ({ data: [token('tok_a')], nextCursor: `c${n}` }));
    const e = await countAll(loop.api, {}).catch((x: unknown) => x);
    expect([(e as ManagementError).code, loop.calls()]).toEqual(['invalid_response', 2]);
  });
});
