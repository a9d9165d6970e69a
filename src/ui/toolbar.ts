/**
 * The toolbar of `<keycard-tokens>`: the title, the **Kind** selector (when both kinds are
 * offered), the **Show** filter, **Revoke all** and **New token**. Built from plain values and
 * callbacks; the element keeps the state and re-renders.
 */
import type { Kind } from './attributes.ts';
import { h } from './dom.ts';
import type { Localization } from './strings.ts';

export type Filter = 'active' | 'expiring' | 'revoked' | 'expired' | 'all';

export interface ToolbarInput {
  readonly s: Localization;
  readonly kinds: readonly Kind[];
  readonly kind: Kind;
  readonly filter: Filter;
  readonly onKind: (kind: Kind) => void;
  readonly onFilter: (filter: Filter) => void;
  readonly onNew: (opener: HTMLElement) => void;
  readonly onRevokeAll: (opener: HTMLElement) => void;
}

/** A labelled `<select>` that keeps focus across re-renders through its `data-focus-key`. */
function select(label: string, key: string, value: string, options: [string, string][], on: (v: string) => void) {
  const el = h(
    'select',
    { 'aria-label': label, 'data-focus-key': key, part: 'input' },
    options.map(([v, t]) => h('option', { value: v }, t)),
  );
  el.value = value;
  el.addEventListener('change', () => on(el.value));
  return el;
}

/**
 * The list's toolbar: the title, the Kind selector (when both kinds are offered), the Show filter,
 * and the Revoke all and New token buttons, built afresh on each render from `t`'s values and
 * calling back through its handlers; focus survives re-renders through `data-focus-key`.
 */
export function renderToolbar(t: ToolbarInput): HTMLElement {
  const { s } = t;
  const newButton = h(
    'button',
    { type: 'button', class: 'primary', 'data-focus-key': 'new', part: 'button primary new' },
    s.newToken,
  );
  newButton.addEventListener('click', () => t.onNew(newButton));
  const revokeAll = h(
    'button',
    { type: 'button', class: 'danger', 'data-focus-key': 'revoke-all', part: 'button danger revoke-all' },
    s.revokeAll,
  );
  revokeAll.addEventListener('click', () => t.onRevokeAll(revokeAll));
  return h(
    'div',
    { class: 'toolbar', part: 'toolbar' },
    h('h1', { tabindex: '-1' }, s.title),
    t.kinds.length > 1
      ? select(
          s.kindLabel,
          'kind',
          t.kind,
          t.kinds.map((k) => [k, k === 'workspace' ? s.workspace : s.personal]),
          (v) => t.onKind(v as Kind),
        )
      : null,
    select(
      s.show,
      'filter',
      t.filter,
      [
        ['active', s.filterActive],
        ['expiring', s.filterExpiring],
        ['revoked', s.filterRevoked],
        ['expired', s.filterExpired],
        ['all', s.filterAll],
      ],
      (v) => t.onFilter(v as Filter),
    ),
    revokeAll,
    newButton,
  );
}
