/** The confirmation dialogs: revoke one token, rotate one, revoke all (typed confirmation), and a token's activity. */
import { ManagementError, reasonOf, type TokenView } from './api.ts';
import { sentence } from './bidi.ts';
import { busy, h, uid, type DialogHandle } from './dom.ts';
import { dateTime, duration, relative } from './format.ts';
import { lastUsedText } from './list.ts';
import { fill, plural, type Localization } from './strings.ts';

interface Base {
  readonly s: Localization;
  readonly locale: string | undefined;
  readonly now: number;
}

/** "Something went wrong: {message}", the server's message in a `<bdi>`. */
const errorText = (s: Localization, e: unknown) => sentence(s.errorGeneric, { message: reasonOf(e) });

/**
 * Why the action of the button labelled `action` failed. The server's `can` refusing it, 403
 * `forbidden` (with `hidden`, a 404 too: create and Revoke all answer a refusal 404, where the
 * list or the catalogue has shown the caller may read), is `notAllowed` naming the action; anything
 * else is "Something went wrong: …" (a 404 of a revoke or rotate: the token is gone from sight).
 */
export const failureText = (s: Localization, e: unknown, action: string, hidden?: boolean): (string | Node)[] =>
  e instanceof ManagementError && (e.code === 'forbidden' || (hidden && e.code === 'not_found'))
    ? sentence(s.notAllowed, { action })
    : errorText(s, e);

/** Runs `action` from `button`, disabling it meanwhile and showing a failure in `box` (see `failureText`). */
async function run(
  button: HTMLButtonElement,
  box: HTMLElement,
  s: Localization,
  action: () => Promise<void>,
  hidden?: boolean,
): Promise<void> {
  const release = busy(button);
  box.textContent = '';
  try {
    await action();
  } catch (e) {
    box.replaceChildren(...failureText(s, e, button.textContent!, hidden));
    release();
  }
}

function footer(d: DialogHandle, s: Localization, confirm: HTMLButtonElement): void {
  const cancel = h('button', { type: 'button', part: 'button' }, s.cancel);
  cancel.addEventListener('click', () => d.close());
  d.footer.append(cancel, confirm);
}

/** A dialog that could not be filled (its data did not load): why, and Close, which it returns to focus. */
export function renderFailure(d: DialogHandle, s: Localization, e: unknown): HTMLElement {
  const close = h('button', { type: 'button', part: 'button' }, s.close);
  close.addEventListener('click', () => d.close());
  d.body.append(h('div', { class: 'error', role: 'alert', part: 'error' }, errorText(s, e)));
  d.footer.append(close);
  return close;
}

/** Revoke: names the token and its last use, then "Revoke token". */
export function renderRevoke(d: DialogHandle, c: Base & { token: TokenView; revoke(): Promise<void> }): HTMLElement {
  const { s } = c;
  const box = h('div', { class: 'error', role: 'alert' });
  const confirm = h('button', { type: 'button', class: 'danger', part: 'button danger' }, s.revokeConfirm);
  confirm.addEventListener('click', () => void run(confirm, box, s, c.revoke));
  d.body.append(
    h('p', {}, s.revokeBody),
    h('p', {}, lastUsedText(c.token, c, s.revokeLastUsed, s.revokeNeverUsed, s.revokeLastUsedNoSurface)),
    box,
  );
  footer(d, s, confirm);
  return confirm;
}

const GRACE: Record<number, 'grace0' | 'grace1h' | 'grace1d' | 'grace7d'> = {
  0: 'grace0',
  3_600_000: 'grace1h',
  86_400_000: 'grace1d',
  604_800_000: 'grace7d',
};

/** The grace choices offered when the element has no `grace-choices` attribute. */
export const DEFAULT_GRACE_CHOICES: readonly number[] = [0, 3_600_000, 86_400_000, 604_800_000];

/** A grace choice's label: the localized text for the four defaults, else "10 seconds", "15 minutes"… */
function graceLabel(ms: number, s: Localization, locale: string | undefined): string {
  const key = GRACE[ms];
  if (key) return s[key];
  return duration(ms, locale);
}

/** Rotate: grace choices and when the old token stops working, then "Rotate token". */
export function renderRotate(
  d: DialogHandle,
  c: Base & { token: TokenView; choices: readonly number[]; rotate(graceMs: number): Promise<void> },
): HTMLElement {
  const { s, token } = c;
  const name = uid('grace');
  const until = h('p', { 'aria-live': 'polite' });
  // One day is checked when offered (the default list's choice), else the first choice with a grace.
  const picked = c.choices.includes(86_400_000) ? 86_400_000 : (c.choices.find((ms) => ms > 0) ?? c.choices[0]);
  const radios = c.choices.map((ms) =>
    h(
      'label',
      {},
      h('input', { type: 'radio', name, value: ms, checked: ms === picked }),
      ' ',
      graceLabel(ms, s, c.locale),
    ),
  );
  const graceMs = () => Number(d.body.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value ?? 0);
  const show = () => {
    const g = graceMs();
    const end = Math.min(c.now + g, token.expiresAt ? Date.parse(token.expiresAt) : Infinity);
    until.textContent =
      g === 0 ? s.previousEnded : fill(s.rotateUntil, { when: dateTime(new Date(end).toISOString(), c.locale) });
  };
  const box = h('div', { class: 'error', role: 'alert' });
  const confirm = h('button', { type: 'button', class: 'primary', part: 'button primary' }, s.rotateConfirm);
  confirm.addEventListener('click', () => void run(confirm, box, s, () => c.rotate(graceMs())));
  const set = h('fieldset', {}, h('legend', {}, s.grace), radios);
  set.addEventListener('change', show);
  d.body.append(
    h('p', {}, s.rotateBody),
    h('p', {}, lastUsedText(token, c, s.revokeLastUsed, s.revokeNeverUsed, s.revokeLastUsedNoSurface)),
    set,
    until,
    box,
  );
  show();
  footer(d, s, confirm);
  return radios[c.choices.indexOf(picked!)]!.querySelector('input')!;
}

/**
 * Revoke all: the live count, a typed phrase, and `expectCount` so the server refuses if the count
 * moved (409 `count_changed`); then the new count is shown and the person confirms again.
 */
export function renderRevokeAll(
  d: DialogHandle,
  c: Base & { count(): Promise<number>; revokeAll(expectCount: number): Promise<number> },
): HTMLElement {
  const { s } = c;
  let count = -1;
  const text = h('p', { 'aria-live': 'polite' }, s.loading);
  const inputId = uid('typed');
  const input = h('input', { id: inputId, type: 'text', autocomplete: 'off', spellcheck: 'false', part: 'input' });
  const box = h('div', { class: 'error', role: 'alert' });
  const confirm = h(
    'button',
    { type: 'button', class: 'danger', disabled: true, part: 'button danger' },
    s.revokeAllConfirm,
  );
  const ready = () => {
    confirm.disabled = !(count > 0 && input.value.trim().toLowerCase() === s.revokeAllPhrase.toLowerCase());
  };
  const load = async () => {
    count = await c.count();
    text.textContent = count > 0 ? plural(s, 'revokeAllCount', count, c.locale) : s.revokeAllNone;
    ready();
  };
  input.addEventListener('input', ready);
  confirm.addEventListener(
    'click',
    () =>
      void run(
        confirm,
        box,
        s,
        async () => {
          try {
            await c.revokeAll(count);
          } catch (e) {
            if (!(e instanceof ManagementError && e.code === 'count_changed')) throw e;
            // The new count is confirmed by typing the phrase again, not by a click already on its
            // way (the second of a double-click): that person never saw it.
            input.value = '';
            await load();
            box.textContent = s.revokeAllChanged;
            input.focus();
          }
        },
        true,
      ),
  );
  load().catch((e: unknown) => box.replaceChildren(...errorText(s, e)));
  d.body.append(
    text,
    h(
      'div',
      { class: 'field' },
      h('label', { for: inputId }, fill(s.revokeAllType, { phrase: s.revokeAllPhrase })),
      input,
    ),
    box,
  );
  footer(d, s, confirm);
  return input;
}

/**
 * Activity: the token's audit events, newest first as the server sends them, a page at a time:
 * **Show older** appends the next page while there is one. A page that fails says so in the last
 * row (the button stays, with focus, to try again); after the last page the button goes and focus
 * on it moves to Close.
 */
export function renderActivity(
  d: DialogHandle,
  c: Base & {
    load(cursor?: string): Promise<{ data: readonly Record<string, unknown>[]; nextCursor?: string | null }>;
  },
): HTMLElement {
  const { s } = c;
  // The last row: "Loading…", then the empty or failure message; it goes once there are events.
  let last = h('li', {}, s.loading);
  // It scrolls (a busy token's events outgrow the dialog): focusable, so a keyboard scrolls it too.
  const list = h('ul', { class: 'events', part: 'events', 'aria-busy': 'true', tabindex: 0 }, last);
  const close = h('button', { type: 'button', part: 'button' }, s.close);
  const older = h('button', { type: 'button', part: 'button', hidden: true }, s.olderEvents);
  let cursor: string | undefined;
  const page = async () => {
    const release = busy(older);
    try {
      const p = await c.load(cursor);
      cursor = p.nextCursor ?? undefined;
      list.append(...p.data.map((e) => eventItem(e, c)), last);
      last.textContent = s.activityEmpty;
      if (list.childElementCount > 1) last.remove();
    } catch (e) {
      last.remove();
      // A later page that fails keeps its cursor: Show older tries it again.
      list.append(
        (last = h(
          'li',
          {},
          e instanceof ManagementError && e.status === 501 ? s.activityUnavailable : errorText(s, e),
        )),
      );
    }
    list.removeAttribute('aria-busy');
    older.hidden = !cursor;
    release();
    // The button gone with focus on it (waiting on the dialog, see busy()): focus to Close.
    if ((list.getRootNode() as ShadowRoot).activeElement === d.dialog) close.focus();
  };
  close.addEventListener('click', () => d.close());
  older.addEventListener('click', () => void page());
  d.body.append(list, older);
  d.footer.append(close);
  void page();
  return close;
}

function eventItem(e: Record<string, unknown>, c: Base): HTMLLIElement {
  const str = (k: string) => (typeof e[k] === 'string' || typeof e[k] === 'number' ? String(e[k]) : '');
  // The server's values (path, method, reason…) each in a <bdi>: one cannot reorder the rest of the line.
  const iso = (k: string) => h('bdi', {}, str(k));
  const type = str('type');
  const what = type.startsWith('request.')
    ? [
        `${type === 'request.allowed' ? c.s.allowed : c.s.denied} · `,
        iso('method'),
        ' ',
        iso('path'),
        str('rpcMethod') ? [' (', iso('rpcMethod'), ')'] : null,
        str('reason') ? [' · ', iso('reason')] : null,
      ]
    : type === 'management.denied'
      ? [`${c.s.denied} · `, iso('route'), ' · ', iso('code')]
      : [iso('type')];
  const time = str('time');
  return h(
    'li',
    {},
    time ? h('time', { datetime: time, class: 'muted' }, relative(time, c.now, c.locale)) : null,
    ' ',
    str('surface') ? h('span', { class: 'chip' }, str('surface') === 'mcp' ? c.s.surfaceMcp : c.s.surfaceHttp) : null,
    ' ',
    what.flat(),
  );
}
