/**
 * The element's DOM toolkit: `h()` builds nodes from data (text is always a text node, never
 * HTML, so a label like `<img onerror>` renders as text), and `openDialog()` gives every dialog
 * the same focus and keyboard behaviour: focus moves in, Tab stays in, Escape asks to close,
 * and focus returns to what opened it.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

let seq = 0;
/** A document-unique id for label/description wiring inside the shadow root. */
export const uid = (prefix: string): string => `kc-${prefix}-${++seq}`;

/**
 * Creates an element. `on*` attributes with a function value become listeners; `true` sets a
 * boolean attribute, `false`/null/undefined omits it; `value`/`checked` are set as properties.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked') (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** Appends children, flattening arrays and skipping empty ones. */
export function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/** The controls the element draws that take focus (it draws no links or text areas). */
const FOCUSABLE = ':is(button,input,select):not([disabled]),[tabindex]:not([tabindex="-1"])';

/** What `openDialog` returns: the dialog's body to fill and a way to close it. */
export interface DialogHandle {
  readonly dialog: HTMLElement;
  readonly body: HTMLElement;
  readonly footer: HTMLElement;
  /** Removes the dialog and returns focus to `returnTo` (unless `keepFocus`, when another dialog takes over). */
  close(keepFocus?: boolean): void;
}

export interface DialogOptions {
  /** The heading: text, or text and nodes (a `<bdi>` around a label, from `sentence()`). */
  readonly title: string | (string | Node)[];
  /** The layer dialogs are appended to; `inert` is set on `background` while one is open. */
  readonly layer: HTMLElement;
  readonly background: HTMLElement;
  /** Where focus goes on close, resolved then (the opener may have been re-rendered meanwhile). */
  readonly returnTo: () => HTMLElement | null;
  /** Escape and the backdrop call this; the default closes. Return false to keep it open. */
  readonly onDismiss?: () => boolean;
  readonly onClose?: () => void;
  readonly part?: string;
}

/**
 * Opens a modal dialog (`role="dialog"`, `aria-modal`, labelled by its heading). The rest of the
 * element is made `inert`, so neither the mouse nor assistive technology reaches behind it.
 */
export function openDialog(o: DialogOptions): DialogHandle {
  const titleId = uid('title');
  const body = h('div', { class: 'dialog-body' });
  const footer = h('div', { class: 'dialog-footer', part: 'dialog-footer' });
  const dialog = h(
    'div',
    {
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': titleId,
      class: 'dialog',
      part: o.part ?? 'dialog',
      tabindex: '-1',
    },
    h('h2', { id: titleId }, o.title),
    body,
    footer,
  );
  const backdrop = h('div', { class: 'backdrop', part: 'backdrop' }, dialog);
  let open = true;
  const close = (keepFocus = false) => {
    if (!open) return;
    open = false;
    backdrop.remove();
    if (!o.layer.querySelector('.dialog')) o.background.inert = false;
    o.onClose?.();
    if (!keepFocus) o.returnTo()?.focus();
  };
  const dismiss = () => {
    if (o.onDismiss ? o.onDismiss() : true) close();
  };
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      dismiss();
    } else if (e.key === 'Tab') {
      const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
      if (items.length === 0) return;
      const root = dialog.getRootNode() as ShadowRoot;
      const first = items[0]!;
      const last = items[items.length - 1]!;
      if (e.shiftKey && (root.activeElement === first || root.activeElement === dialog)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && root.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  });
  // A press on the backdrop dismisses, unless it is the second press of a double-click whose first
  // opened this dialog (a row button's dialog opens at once, under the pointer); either way it does
  // not take focus out of the dialog (to <body>, where Escape and the Tab trap reach nothing).
  backdrop.addEventListener('mousedown', (e) => {
    if (e.target !== backdrop) return;
    e.preventDefault();
    if (e.detail < 2) dismiss();
  });
  o.background.inert = true;
  o.layer.append(backdrop);
  return { dialog, body, footer, close };
}

/**
 * Disables `button` while its action runs and answers `release`, which enables it again. A
 * focused button that is disabled drops focus to <body>, outside the dialog, where Escape and the
 * Tab trap reach nothing: focus waits on the dialog instead, and `release` gives it back to the
 * button (unless something else took it meanwhile).
 */
export function busy(button: HTMLButtonElement): () => void {
  const root = button.getRootNode() as Document | ShadowRoot;
  const dialog = button.closest<HTMLElement>('[role=dialog]');
  const had = root.activeElement === button;
  if (had) dialog?.focus();
  button.disabled = true;
  return () => {
    button.disabled = false;
    if (had && button.isConnected && (root.activeElement === null || root.activeElement === dialog)) button.focus();
  };
}

/** Focuses the first focusable control of `el` (after the current task, once it is rendered). */
export function focusFirst(el: HTMLElement, selector = FOCUSABLE): void {
  (el.querySelector<HTMLElement>(selector) ?? el).focus();
}
