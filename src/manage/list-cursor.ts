/**
 * The cursor of `GET /tokens`. A store's cursor is the key of the last row its page read (that
 * row's creation time and id), and the listing drops the rows `can` refuses: handing a store
 * cursor on after a page that ended on such a row would name a token the caller may not know
 * exists (an existence oracle, SPEC §11). So a store cursor goes out only when the row it names
 * is one the caller may read; otherwise the listing hands out a position counted from the last
 * cursor the caller already held: `~<rows>~<that cursor>`, which names nothing new. Built-in store
 * cursors are base64url and never hold `~`.
 */

/** Where a listing starts: after the store cursor `after` (null: the first row), skipping `skip` rows. */
export interface ListPosition {
  readonly after: string | null;
  readonly skip: number;
}

/**
 * Most rows a position may skip. Each call re-reads them (in pages of {@link SKIP_PAGE}), so this
 * bounds what one crafted cursor costs: 100,000 rows is 200 store pages.
 */
export const MAX_SKIP = 100_000;

/** Rows read per store page while skipping. */
export const SKIP_PAGE = 500;

const POSITION = /^~([1-9][0-9]{0,8})~(.*)$/s;

/** The position a `cursor` query parameter names; null for a `~` cursor this listing did not hand out. */
export function readListCursor(cursor: string | undefined): ListPosition | null {
  if (cursor === undefined) return { after: null, skip: 0 };
  if (!cursor.startsWith('~')) return { after: cursor, skip: 0 };
  const m = POSITION.exec(cursor);
  const skip = m === null ? NaN : Number(m[1]);
  if (!(skip <= MAX_SKIP)) return null;
  return { after: m![2] === '' ? null : m![2]!, skip };
}

/** The cursor for `skip` rows past `after`. */
export const positionCursor = (after: string | null, skip: number): string => `~${skip}~${after ?? ''}`;
