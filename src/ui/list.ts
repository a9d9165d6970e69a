/** The token list: one card per token with everything a person needs to decide whether to revoke it. */
import type { TokenView } from './api.ts';
import { sentence } from './bidi.ts';
import { h } from './dom.ts';
import { WINDOW_WORDS, daysUntil, duration, relative } from './format.ts';
import { fill, plural, type Localization } from './strings.ts';

/** What a row needs from the element. */
export interface RowContext {
  readonly s: Localization;
  readonly now: number;
  readonly locale: string | undefined;
  onRevoke(token: TokenView, opener: HTMLElement): void;
  onRotate(token: TokenView, opener: HTMLElement): void;
  onActivity(token: TokenView, opener: HTMLElement): void;
}

const STATUS = {
  active: 'statusActive',
  expiring: 'statusExpiring',
  expired: 'statusExpired',
  revoked: 'statusRevoked',
} as const;

/** "Last used 2 hours ago via MCP" / "Never used". */
export function lastUsedText(
  t: TokenView,
  c: Pick<RowContext, 's' | 'now' | 'locale'>,
  withSurface = c.s.lastUsed,
  none = c.s.neverUsed,
  noSurface = c.s.lastUsedNoSurface,
): string {
  if (t.lastUsedAt === null) return none;
  const when = relative(t.lastUsedAt, c.now, c.locale);
  if (t.lastUsedSurface === null) return fill(noSurface, { when });
  return fill(withSurface, { when, surface: t.lastUsedSurface === 'mcp' ? c.s.surfaceMcp : c.s.surfaceHttp });
}

/** The expiry as text and whether it deserves a badge (a live token expiring within 30 days). */
function expiry(t: TokenView, c: RowContext): { text: string; soon: boolean } {
  if (t.revokedAt !== null)
    return { text: fill(c.s.revokedOn, { when: relative(t.revokedAt, c.now, c.locale) }), soon: false };
  if (t.expiresAt === null) return { text: c.s.noExpiry, soon: false };
  const days = daysUntil(t.expiresAt, c.now);
  if (Date.parse(t.expiresAt) <= c.now)
    return { text: fill(c.s.expiredOn, { when: relative(t.expiresAt, c.now, c.locale) }), soon: false };
  const text =
    days <= 0 ? c.s.expiresToday : days === 1 ? c.s.expiresTomorrow : plural(c.s, 'expiresInDays', days, c.locale);
  return { text, soon: days <= 30 };
}

/** "company: c1, c2 · project: p1", each type and id in a `<bdi>` (they come from people and the server). */
function restrictionsText(t: TokenView, s: Localization): (string | Node)[] {
  if (t.restrictions === null || Object.keys(t.restrictions).length === 0) return [s.allResources];
  return Object.entries(t.restrictions)
    .flatMap(([type, ids], i) => [
      i ? ' · ' : '',
      h('bdi', {}, type),
      ': ',
      ids.flatMap((id, j) => [j ? ', ' : '', h('bdi', {}, id)]),
    ])
    .flat();
}

type Policy = { limit: number; window: number };
const isPolicy = (p: unknown): p is Policy =>
  typeof p === 'object' &&
  p !== null &&
  [(p as Policy).limit, (p as Policy).window].every((n) => Number.isInteger(n) && n >= 1);

/**
 * "Rate limit: 60 per minute", "Rate limit: reads 600 per minute, writes 60 per minute", the
 * default's text for null, and null (nothing shown) for a view without a readable limit: a server
 * of another version may send none.
 */
export function rateLimitText(t: TokenView, c: Pick<RowContext, 's' | 'locale'>): string | null {
  const { s } = c;
  const r: unknown = (t as { rateLimit?: unknown }).rateLimit;
  if (r === null) return s.rateLimitDefault;
  const text = (p: Policy) => {
    const word = WINDOW_WORDS.find(([w]) => w === p.window)?.[1];
    const window = word ? s[word] : duration(p.window * 1000, c.locale);
    return fill(s.rateLimitPolicy, { limit: new Intl.NumberFormat(c.locale).format(p.limit), window });
  };
  if (isPolicy(r)) return fill(s.rateLimitShared, { policy: text(r) });
  const { read, write } = (r ?? {}) as { read?: unknown; write?: unknown };
  return isPolicy(read) && isPolicy(write) ? fill(s.rateLimitSplit, { read: text(read), write: text(write) }) : null;
}

/** One list row. */
export function renderRow(t: TokenView, c: RowContext): HTMLLIElement {
  const { s } = c;
  const live = t.status === 'active' || t.status === 'expiring';
  const exp = expiry(t, c);
  const created = relative(t.createdAt, c.now, c.locale);
  const limit = rateLimitText(t, c);
  const button = (text: string, name: string, cls: string, on: (t: TokenView, b: HTMLElement) => void) => {
    const b = h(
      'button',
      {
        type: 'button',
        class: cls,
        'aria-label': fill(name, { label: t.label }),
        'data-focus-key': `${text}:${t.id}`,
        part: 'row-button',
      },
      text,
    );
    b.addEventListener('click', () => on(t, b));
    return b;
  };
  return h(
    'li',
    { class: 'row', part: 'row', 'data-token-id': t.id },
    h(
      'div',
      { class: 'row-head' },
      h('h3', {}, t.label),
      h('span', { class: 'badge', part: 'badge kind' }, t.kind === 'workspace' ? s.workspace : s.personal),
      h('span', { class: `badge ${t.status}`, part: `badge status` }, s[STATUS[t.status]]),
      exp.soon && live ? h('span', { class: 'badge expiring', part: 'badge expiry' }, exp.text) : null,
    ),
    h(
      'ul',
      { class: 'chips', 'aria-label': s.scopesOf },
      t.scopes.map((name) => h('li', { class: 'chip', part: 'chip' }, name)),
    ),
    h(
      'div',
      { class: 'meta' },
      h('code', { part: 'start' }, t.start),
      h('span', {}, restrictionsText(t, s)),
      limit === null ? null : h('span', {}, limit),
      h(
        'span',
        {},
        t.createdBy
          ? sentence(s.createdBy, { who: t.createdBy, when: created })
          : fill(s.createdWhen, { when: created }),
      ),
      h('span', {}, lastUsedText(t, c)),
      exp.soon && live ? null : h('span', {}, exp.text),
    ),
    h(
      'div',
      { class: 'row-head row-actions' },
      button(s.activity, s.rowActivity, 'link', c.onActivity),
      live ? button(s.rotate, s.rowRotate, 'link', c.onRotate) : null,
      live ? button(s.revoke, s.rowRevoke, 'link danger-text', c.onRevoke) : null,
    ),
  );
}

/** The list of `tokens` and, while `more` pages are coming, "Loading…" under it (the list `aria-busy`). */
export function renderList(
  tokens: readonly TokenView[],
  c: RowContext,
  more: boolean,
): [list: HTMLUListElement, loading: HTMLElement | null] {
  return [
    h(
      'ul',
      { class: 'list', part: 'list', 'aria-label': c.s.title, 'aria-busy': more && 'true' },
      tokens.map((t) => renderRow(t, c)),
    ),
    more ? h('p', { class: 'muted', part: 'empty' }, c.s.loading) : null,
  ];
}

/** "The tokens could not be loaded: …" (the server's message isolated) and Retry. */
export function renderLoadError(s: Localization, message: string, retry: () => void): HTMLElement {
  const button = h('button', { type: 'button', part: 'button', 'data-focus-key': 'retry' }, s.retry);
  button.addEventListener('click', retry);
  return h('div', { class: 'error', role: 'alert', part: 'error' }, sentence(s.loadError, { message }), ' ', button);
}
