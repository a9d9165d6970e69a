/**
 * The calls `<keycard-tokens>` makes: the part of `keycard/client` it uses. The element depends on
 * this interface only, so an integrator may pass a client with their own `fetch` or headers
 * (`element.api = createManagementClient({ … })`); the default is a same-origin client under
 * the `base-path` attribute.
 */
import { cut, printable } from '../client/answer.ts';
import { localProblem } from '../client/error.ts';
import {
  createManagementClient,
  ManagementError,
  type ManagementClient,
  type ScopeCatalogueView,
  type TokenView,
} from '../client/index.ts';

export { ManagementError };
export type { CreateBody, ScopeCatalogueView, TokenView } from '../client/index.ts';

/** What the element needs from the server. */
export type TokensApi = Pick<
  ManagementClient,
  'list' | 'scopes' | 'create' | 'revoke' | 'rotate' | 'revokeAll' | 'activity'
>;

/** The events the element dispatches (bubbling, composed); `detail` never holds a secret. */
export interface KeycardTokensEventMap {
  'token-created': CustomEvent<{ record: TokenView }>;
  'token-revoked': CustomEvent<{ record: TokenView }>;
  'token-rotated': CustomEvent<{ record: TokenView; previous: { id: string; expiresAt: string | null } }>;
  'tokens-revoked': CustomEvent<{ count: number }>;
}

/** The default {@link TokensApi}: the management client under `basePath`, the session cookie riding along. */
export const clientFor = (basePath: string): TokensApi =>
  createManagementClient({ baseUrl: basePath || '/', credentials: 'same-origin' });

/** Answers of another shape (a login page, a proxy, a server of another version) fail here, not mid-render. */
const text = (v: unknown): v is string => typeof v === 'string';
const date = (v: unknown) => text(v) && !Number.isNaN(Date.parse(v));
const texts = (v: unknown) => Array.isArray(v) && v.every(text);
const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isTokenView(t: unknown): t is TokenView {
  return (
    obj(t) &&
    [t.id, t.label, t.start].every(text) &&
    date(t.createdAt) &&
    texts(t.scopes) &&
    (t.restrictions === null || (obj(t.restrictions) && Object.values(t.restrictions).every(texts))) &&
    [t.createdBy, t.lastUsedSurface].every((v) => v === null || text(v)) &&
    [t.expiresAt, t.revokedAt, t.lastUsedAt].every((v) => v === null || date(v))
  );
}

function isCatalogue(c: unknown): c is ScopeCatalogueView {
  return (
    obj(c) &&
    Array.isArray(c.scopes) &&
    c.scopes.every(
      (s) => obj(s) && text(s.name) && texts(s.closure) && (s.description == null || text(s.description)),
    ) &&
    texts(c.defaults) &&
    Array.isArray(c.presets) &&
    c.presets.every((p) => obj(p) && text(p.name) && texts(p.scopes)) &&
    texts(c.resourceTypes)
  );
}

const unexpected = (what: string) =>
  new ManagementError(localProblem('invalid_response', `The server's answer is not ${what}`, 0, 'Invalid response'));

/** `page` if it is a page of tokens the list can show. @throws ManagementError `invalid_response` */
export function checkedPage<P extends { data: readonly TokenView[]; nextCursor?: string | null }>(page: P): P {
  if (
    obj(page) &&
    Array.isArray(page.data) &&
    page.data.every(isTokenView) &&
    (page.nextCursor == null || text(page.nextCursor))
  )
    return page;
  throw unexpected('a page of tokens');
}

/** The most characters of a server's message `reasonOf` keeps. */
export const MAX_REASON = 300;

/**
 * Why a call failed, for the person: the error's message and, for a problem naming fields, each
 * `field: message`, control and invisible format characters as U+FFFD (`printable`), cut to
 * {@link MAX_REASON} characters and `…` (a server may send a megabyte of `detail`, or a thousand
 * field errors, into a `role="alert"` a screen reader reads out whole).
 */
export function reasonOf(e: unknown): string {
  const fields = e instanceof ManagementError ? e.errors.map((x) => `${x.field}: ${x.message}`) : [];
  // At most MAX_REASON characters and `…`, never half of a surrogate pair at the cut.
  return cut(printable([e instanceof Error ? e.message : String(e), ...fields].join(' ')), MAX_REASON + 1);
}

/** The most pages `listAll` reads: 100 pages of 100 tokens. */
export const MAX_PAGES = 100;

/** How a page walk ends early. */
export interface WalkOptions {
  /**
   * Asked before each page after the first: true when the walk's answer is no longer wanted (the
   * element was removed, a newer refresh began, the dialog closed); it then stops, `AbortError`.
   */
  readonly stale?: () => boolean;
  /** The most pages read, {@link MAX_PAGES} unless said. */
  readonly maxPages?: number;
}

/** A list that goes on past the pages `listAll` reads: `n` tokens read, and more. */
const tooMany = (n: number) =>
  new ManagementError(
    localProblem(
      'too_many_tokens',
      `More than ${n.toLocaleString('en')} tokens, too many to list here (Revoke all still counts them)`,
      0,
      'Too many tokens',
    ),
  );

type ListQuery = Omit<NonNullable<Parameters<TokensApi['list']>[0]>, 'cursor' | 'limit'>;

/**
 * Reads every page of `query` (100 a page), each checked, handing each to `onPage` as it arrives
 * (`more`: a next page was named). Keyset pages never repeat a token, so a page holding one
 * already seen, or a cursor already given (a cache that ignores the query string answers the
 * first page again, forever), is an `invalid_response`, not an endless walk, and that page is not
 * handed on; a page past `maxPages` is `too_many_tokens` (`invalid_response` if every page was empty).
 */
export async function walk(
  api: TokensApi,
  query: ListQuery,
  o: WalkOptions,
  onPage: (data: TokenView[], more: boolean) => void,
): Promise<void> {
  const ids = new Set<string>();
  const cursors = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = checkedPage(await api.list({ ...query, limit: '100', ...(cursor ? { cursor } : {}) }));
    for (const t of page.data) {
      if (ids.has(t.id)) throw unexpected('a list that ends');
      ids.add(t.id);
    }
    onPage(page.data, !!page.nextCursor);
    if (!page.nextCursor) return;
    if (cursors.has(page.nextCursor)) throw unexpected('a list that ends');
    if (pages >= (o.maxPages ?? MAX_PAGES)) throw ids.size === 0 ? unexpected('a list that ends') : tooMany(ids.size);
    if (o.stale?.()) throw new DOMException('The walk is no longer wanted', 'AbortError');
    cursors.add((cursor = page.nextCursor));
  }
}

/**
 * Every token of `query`, page after page: see `walk`.
 * @throws ManagementError `invalid_response` or `too_many_tokens`, `AbortError` when stale, or the client's error
 */
export async function listAll(api: TokensApi, query: ListQuery, o: WalkOptions = {}): Promise<TokenView[]> {
  const all: TokenView[] = [];
  await walk(api, query, o, (data) => {
    for (const t of data) all.push(t);
  });
  return all;
}

/**
 * How many tokens `query` lists, and the owner of the first: every page, without a page limit
 * (the Revoke all count must hold however many there are), keeping only their ids. A repeated
 * token or cursor still stops it, and so does `stale` (the dialog closed).
 */
export async function countAll(
  api: TokensApi,
  query: ListQuery,
  o: WalkOptions = {},
): Promise<{ count: number; ownerId: string | null }> {
  let count = 0;
  let ownerId: string | null = null;
  await walk(api, query, { maxPages: Infinity, ...o }, (data) => {
    count += data.length;
    ownerId ??= data[0]?.ownerId ?? null;
  });
  return { count, ownerId };
}

/** `v` if it is a record the list could show, else null (a revoke answered by another server). */
export const recordOrNull = (v: unknown): TokenView | null => (isTokenView(v) ? v : null);

/** The count of a Revoke all answer. @throws ManagementError `invalid_response` when it has none */
export function checkedCount(answer: { count: number }): number {
  if (obj(answer) && Number.isSafeInteger(answer.count) && answer.count >= 0) return answer.count;
  throw unexpected('a count of revoked tokens');
}

/** `c` if the New token form can be built from it. @throws ManagementError `invalid_response` */
export function checkedCatalogue(c: ScopeCatalogueView): ScopeCatalogueView {
  if (isCatalogue(c)) return c;
  throw unexpected('a scope catalogue');
}

/** An activity page: its events and the cursor of the next one. @throws ManagementError `invalid_response` */
export function checkedEvents<P extends { data: readonly Record<string, unknown>[]; nextCursor?: string | null }>(
  page: P,
): P {
  if (
    obj(page) &&
    Array.isArray(page.data) &&
    page.data.every(obj) &&
    (page.nextCursor == null || text(page.nextCursor))
  )
    return page;
  throw unexpected('a page of events');
}

/**
 * The secret of a create or rotate answer, and its record when that is one the list could show
 * (null otherwise: the secret is still revealed, never lost to a record of another shape).
 * @throws ManagementError `invalid_response` when there is no secret
 */
export function checkedSecret(answer: { token: string; record: TokenView }): {
  token: string;
  record: TokenView | null;
} {
  if (!obj(answer) || !text(answer.token) || answer.token === '') throw unexpected('a new token');
  return { token: answer.token, record: isTokenView(answer.record) ? answer.record : null };
}
