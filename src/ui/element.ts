/**
 * `<keycard-tokens>`: the settings page's API-tokens section as one framework-free custom element
 * (SPEC §12). It reads and writes through the management API under `base-path`, renders into a
 * Shadow DOM, and reports changes as DOM events; the secret of a new token is shown once, in a
 * dialog, and nowhere else.
 */
import {
  checkedCatalogue,
  checkedCount,
  checkedEvents,
  checkedSecret,
  clientFor,
  countAll,
  type KeycardTokensEventMap,
  reasonOf,
  recordOrNull,
  type TokenView,
  type TokensApi,
  walk,
} from './api.ts';
import { sentence } from './bidi.ts';
import { adoptEarlyProperties, graceChoicesAttribute, parseGraceChoices, parseKinds, type Kind } from './attributes.ts';
import { renderCreateForm } from './create-form.ts';
import { renderActivity, renderFailure, renderRevoke, renderRevokeAll, renderRotate } from './dialogs.ts';
import { h, openDialog, type DialogHandle } from './dom.ts';
import { renderList, renderLoadError, renderRow } from './list.ts';
import { renderReveal } from './reveal.ts';
import { STRINGS, plural, type Localization } from './strings.ts';
import { usableLocale } from './format.ts';
import { adoptStyles } from './styles.ts';
import { renderToolbar, type Filter } from './toolbar.ts';

/** `HTMLElement` in a browser; a stand-in on a server, so importing this module during SSR does not throw. */
const Base = (typeof HTMLElement === 'undefined' ? class {} : HTMLElement) as typeof HTMLElement;

/** The custom element class; `defineKeycardTokens()` registers it as `<keycard-tokens>`. */
export class KeycardTokensElement extends Base {
  static observedAttributes = ['base-path', 'workspace-id', 'kinds'];

  #root = this.attachShadow({ mode: 'open' });
  #s: Localization = { ...STRINGS };
  #api: TokensApi | null = null;
  #tokens: readonly TokenView[] = [];
  #state: 'loading' | 'ready' | 'error' = 'loading';
  #error = '';
  #filter: Filter = 'active';
  #kind: Kind | null = null;
  #main = h('div', { class: 'main', part: 'container' });
  #layer = h('div', { class: 'layer' });
  #live = h('div', { role: 'status', class: 'sr', 'aria-live': 'polite' });
  #generation = 0;
  /** The drawn list, while tokens are shown; the "Loading…" under it while later pages are read. */
  #list: HTMLElement | null = null;
  #loadingMore: HTMLElement | null = null;
  /** More pages of the shown list are on their way. */
  #more = false;
  /** The `data-focus-key` focused when a redraw removed it, until the page of this walk that draws it again. */
  #pendingFocus: string | undefined;
  /** True while "New token" loads the catalogue: a second click (a double-click) opens no second form. */
  #opening = false;
  /** Ends the last reveal opened (a no-op once it has closed): called when the element leaves the document. */
  #endReveal?: () => void;
  /** The drawn control of `key` (its `data-focus-key`). */
  #q = (key: string) => this.#root.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`);

  /** Texts replacing the English defaults, key by key (see `STRINGS`). */
  get localization(): Partial<Localization> {
    return { ...this.#s };
  }
  set localization(value: Partial<Localization> | null) {
    this.#s = { ...STRINGS, ...(value ?? {}) };
    if (this.isConnected) this.#render();
  }

  /** The server calls; defaults to `fetch` under `base-path`. Set it to route calls elsewhere. */
  get api(): TokensApi {
    return (this.#api ??= clientFor(this.getAttribute('base-path') ?? ''));
  }
  set api(value: TokensApi | null) {
    this.#api = value;
    if (this.isConnected) void this.refresh();
  }

  constructor() {
    super();
    adoptEarlyProperties(this, ['localization', 'api', 'kinds', 'graceChoices']);
  }

  /**
   * The token kinds shown and offered: `kinds="personal workspace"`; workspace needs `workspace-id`.
   * Setting it (a string or a list) sets the attribute: React 19 and Vue set `kinds` as a property.
   */
  get kinds(): Kind[] {
    return parseKinds(this.getAttribute('kinds'), this.getAttribute('workspace-id'));
  }
  set kinds(value: string | readonly string[] | null | undefined) {
    if (value == null) this.removeAttribute('kinds');
    else this.setAttribute('kinds', typeof value === 'string' ? value : value.join(' '));
  }

  /**
   * The rotate dialog's grace choices in ms, from `grace-choices` (see `parseGraceChoices`). Setting it
   * (a string, or a list of ms and words like `'15m'`) sets the attribute: React 19 and Vue set a property.
   */
  get graceChoices(): number[] {
    return parseGraceChoices(this.getAttribute('grace-choices'));
  }
  set graceChoices(value: string | readonly (number | string)[] | null | undefined) {
    if (value == null) this.removeAttribute('grace-choices');
    else this.setAttribute('grace-choices', typeof value === 'string' ? value : graceChoicesAttribute(value));
  }

  get #currentKind(): Kind {
    const kinds = this.kinds;
    return this.#kind && kinds.includes(this.#kind) ? this.#kind : kinds[0]!;
  }

  /** `localization.locale`, else the nearest `lang`, each only if `Intl` can use it (`en_US` is read `en-US`). */
  get #locale(): string | undefined {
    return usableLocale(this.#s.locale) ?? usableLocale(this.closest('[lang]')?.getAttribute('lang'));
  }

  connectedCallback(): void {
    if (!this.#root.firstChild) {
      const style = adoptStyles(this.#root);
      this.#root.append(...(style ? [style] : []), this.#main, this.#layer, this.#live);
      // A person who moves focus ends its wait for a later page.
      this.#root.addEventListener('focusin', () => (this.#pendingFocus = undefined));
    }
    void this.refresh();
  }

  /** Taken out of the document: the reveal ends, its secret wiped (SPEC §12: shown once), not shown again if put back. */
  disconnectedCallback(): void {
    this.#endReveal?.();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    if (name === 'base-path') this.#api = null;
    if (this.isConnected) void this.refresh();
  }

  /**
   * Reloads the list from the server, drawing each page as it arrives: the first replaces what is
   * shown, later ones are appended to the same list (rows already drawn stay the same nodes, so
   * focus and a screen reader's place hold), which is `aria-busy` until the last page.
   */
  async refresh(): Promise<void> {
    const gen = ++this.#generation;
    // A wait for focus dies with the walk it was for.
    this.#pendingFocus = undefined;
    const kind = this.#currentKind;
    const ws = this.getAttribute('workspace-id');
    // A walk nobody waits for (a newer refresh, the element removed) draws nothing, stops at its next page.
    const wanted = () => gen === this.#generation && this.isConnected;
    let tokens: TokenView[] | undefined;
    try {
      const query = { kind, status: this.#filter, ...(kind === 'workspace' && ws ? { workspaceId: ws } : {}) };
      await walk(this.api, query, { stale: () => !wanted() }, (data, more) => {
        if (!wanted()) return;
        this.#more = more;
        if (tokens) {
          tokens.push(...data);
          const c = this.#rowContext();
          this.#list?.append(...data.map((t) => renderRow(t, c)));
          // Focus still waiting on "New token" goes to the control it waits for, once drawn.
          if (this.#pendingFocus && this.#root.activeElement === this.#q('new')) this.#focusKey(this.#pendingFocus);
          if (!more) (this.#list?.removeAttribute('aria-busy'), this.#loadingMore?.remove());
        } else if (data.length || !more) {
          // An empty page with more to come (a server may send one) shows neither rows nor "No tokens" yet.
          this.#tokens = tokens = [...data];
          this.#state = 'ready';
          this.#render();
        }
      });
    } catch (e) {
      if (!wanted()) return;
      this.#more = false;
      this.#state = 'error';
      this.#error = reasonOf(e);
      this.#render();
    } finally {
      if (wanted()) this.#pendingFocus = undefined;
    }
  }

  #rowContext() {
    return {
      s: this.#s,
      now: Date.now(),
      locale: this.#locale,
      onRevoke: (t: TokenView, b: HTMLElement) => this.#openRevoke(t, b),
      onRotate: (t: TokenView, b: HTMLElement) => this.#openRotate(t, b),
      onActivity: (t: TokenView, b: HTMLElement) => this.#openActivity(t, b),
    };
  }

  /**
   * Focuses the control of `key`; one not drawn: after an error (no page will draw it) Retry, after
   * a Retry the first row's first control, else "New token", which holds focus for the later page that draws it.
   */
  #focusKey(key: string): void {
    const first = key === 'retry' ? this.#main.querySelector<HTMLElement>('[part=row-button]') : null;
    const el = this.#q(key) ?? (this.#state === 'error' ? this.#q('retry') : first);
    (el ?? this.#q('new'))?.focus();
    this.#pendingFocus = el ? undefined : key;
  }

  #render(): void {
    const s = this.#s;
    const focusedId = (this.#root.activeElement as HTMLElement | null)?.dataset.focusKey;
    const toolbar = renderToolbar({
      s,
      kinds: this.kinds,
      kind: this.#currentKind,
      filter: this.#filter,
      onKind: (k) => ((this.#kind = k), void this.refresh()),
      onFilter: (f) => ((this.#filter = f), void this.refresh()),
      onNew: (opener) => void this.#openCreate(opener),
      onRevokeAll: (opener) => this.#openRevokeAll(opener),
    });
    let content: Node;
    this.#list = this.#loadingMore = null;
    if (this.#state === 'loading') content = h('p', { part: 'empty' }, s.loading);
    else if (this.#state === 'error') content = renderLoadError(s, this.#error, () => void this.refresh());
    else if (this.#tokens.length === 0)
      content = h('p', { class: 'muted', part: 'empty' }, this.#filter === 'active' ? s.empty : s.emptyFiltered);
    else {
      [this.#list, this.#loadingMore] = renderList(this.#tokens, this.#rowContext(), this.#more);
      content = this.#list;
    }
    this.#main.replaceChildren(toolbar, content, ...(this.#loadingMore ? [this.#loadingMore] : []));
    if (focusedId) this.#focusKey(focusedId);
  }

  #dialog(
    title: string | (string | Node)[],
    opener: HTMLElement,
    extra: { onDismiss?: () => boolean; part?: string } = {},
  ): DialogHandle {
    return openDialog({
      title,
      layer: this.#layer,
      background: this.#main,
      returnTo: () => this.#resolve(opener),
      ...extra,
    });
  }

  /** The opener, or its re-rendered twin (same `data-focus-key`), or "New token" when it is gone. */
  #resolve(opener: HTMLElement): HTMLElement | null {
    return opener.isConnected ? opener : (this.#q(opener.dataset.focusKey!) ?? this.#q('new'));
  }

  #emit<K extends keyof KeycardTokensEventMap>(type: K, detail: KeycardTokensEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #announce(text: string | (string | Node)[]): void {
    this.#live.replaceChildren(...text);
  }

  async #openCreate(opener: HTMLElement): Promise<void> {
    if (this.#opening) return;
    this.#opening = true;
    let catalogue;
    try {
      catalogue = checkedCatalogue(await this.api.scopes());
    } catch (e) {
      // Shown, not only announced: the dialog says why the form cannot open, and Close gives focus back.
      renderFailure(this.#dialog(this.#s.newTitle, opener, { part: 'dialog new-token' }), this.#s, e).focus();
      return;
    } finally {
      this.#opening = false;
    }
    const d = this.#dialog(this.#s.newTitle, opener, { part: 'dialog new-token' });
    renderCreateForm(d, {
      s: this.#s,
      catalogue,
      kinds: this.kinds,
      kind: this.#currentKind,
      workspaceId: this.getAttribute('workspace-id'),
      submit: async (input) => {
        const { token, record } = checkedSecret(await this.api.create(input));
        d.close(true);
        this.#reveal(token, opener);
        this.#announce(sentence(this.#s.createdAnnounce, { label: record?.label ?? input.label }));
        if (record) this.#emit('token-created', { record });
        void this.refresh();
      },
    });
    d.body.querySelector('input')?.focus();
  }

  #reveal(secret: string, returnTo: HTMLElement, previousExpiresAt?: string | null): void {
    if (!this.isConnected) return; // Answered after the element left: the secret is dropped, not kept.
    // The secret starts with the deployment's prefix, as the record's `start` does.
    const prefix = secret.split('_')[0]?.replace(/\W/g, '').toUpperCase();
    let ctl: ReturnType<typeof renderReveal> | undefined;
    const d = this.#dialog(this.#s.revealTitle, returnTo, {
      onDismiss: () => ctl?.requestClose() ?? true,
      part: 'dialog reveal',
    });
    this.#endReveal = (ctl = renderReveal(d, {
      s: this.#s,
      locale: this.#locale,
      secret,
      envName: this.getAttribute('env-name') ?? (prefix ? `${prefix}_API_TOKEN` : 'API_TOKEN'),
      mcpUrl: this.getAttribute('mcp-url') ?? `${location.origin}/mcp`,
      ...(previousExpiresAt !== undefined ? { previousExpiresAt } : {}),
    })).end;
    d.body.querySelector<HTMLElement>('input')?.focus();
  }

  #openRevoke(token: TokenView, opener: HTMLElement): void {
    const d = this.#dialog(sentence(this.#s.revokeTitle, { label: token.label }), opener);
    renderRevoke(d, {
      s: this.#s,
      locale: this.#locale,
      now: Date.now(),
      token,
      revoke: async () => {
        const record = recordOrNull(await this.api.revoke(token.id));
        d.close(true);
        this.#announce(sentence(this.#s.revokedAnnounce, { label: token.label }));
        if (record) this.#emit('token-revoked', { record });
        void this.refresh();
        // At once, not after the walk: the row's first control where revoked rows are listed, else "New token".
        this.#focusKey(/^(all|revoked)$/.test(this.#filter) ? `${this.#s.activity}:${token.id}` : 'new');
      },
    }).focus();
  }

  #openRotate(token: TokenView, opener: HTMLElement): void {
    const d = this.#dialog(sentence(this.#s.rotateTitle, { label: token.label }), opener);
    renderRotate(d, {
      s: this.#s,
      locale: this.#locale,
      now: Date.now(),
      token,
      choices: this.graceChoices,
      rotate: async (graceMs) => {
        const r = await this.api.rotate(token.id, { graceMs });
        const { token: secret, record } = checkedSecret(r);
        d.close(true);
        const previous = r.previous as typeof r.previous | undefined;
        this.#reveal(secret, opener, previous?.expiresAt ?? null);
        this.#announce(sentence(this.#s.rotatedAnnounce, { label: token.label }));
        if (record && previous) this.#emit('token-rotated', { record, previous });
        void this.refresh();
      },
    }).focus();
  }

  #openRevokeAll(opener: HTMLElement): void {
    const kind = this.#currentKind;
    const ws = this.getAttribute('workspace-id');
    let ownerId = this.getAttribute('owner-id');
    const d = this.#dialog(this.#s.revokeAllTitle, opener, { part: 'dialog revoke-all' });
    renderRevokeAll(d, {
      s: this.#s,
      locale: this.#locale,
      now: Date.now(),
      // Counted as the server counts: the tokens live now (not revoked, not expired), judged by
      // the server's clock (`status: 'active'`), not this browser's. One that expires before the
      // confirmation moves the count: the server answers 409 and the dialog shows the new one.
      // Every page, however many (no page limit), until the dialog closes.
      count: async () => {
        const query = { kind, status: 'active' as const, ...(kind === 'workspace' && ws ? { workspaceId: ws } : {}) };
        const live = await countAll(this.api, query, { stale: () => !d.dialog.isConnected });
        ownerId ??= live.ownerId;
        return live.count;
      },
      revokeAll: async (expectCount) => {
        const target = kind === 'workspace' && ws ? { workspaceId: ws } : { ownerId: ownerId ?? '' };
        const count = checkedCount(await this.api.revokeAll({ target, reason: this.#s.revokeAllReason, expectCount }));
        d.close(true);
        this.#announce(plural(this.#s, 'revokeAllDone', count, this.#locale));
        this.#emit('tokens-revoked', { count });
        void this.refresh();
        this.#focusKey('new');
        return count;
      },
    }).focus();
  }

  #openActivity(token: TokenView, opener: HTMLElement): void {
    const d = this.#dialog(sentence(this.#s.activityTitle, { label: token.label }), opener, {
      part: 'dialog activity',
    });
    renderActivity(d, {
      s: this.#s,
      locale: this.#locale,
      now: Date.now(),
      load: async (cursor) => checkedEvents(await this.api.activity(token.id, { cursor })),
    }).focus();
  }
}
