/**
 * Reveal once: the new secret, masked, in a read-only field labelled "Token", with Copy, the
 * shown-once warning and next-step snippets. The secret lives only in this dialog's DOM and in
 * this closure; closing (or leaving the page, or the element leaving the document) empties the
 * field and the closure's variable and removes the dialog, and closing before a copy asks first.
 */
import { append, h, uid, type DialogHandle } from './dom.ts';
import { dateTime } from './format.ts';
import { fill, type Localization } from './strings.ts';

export interface RevealContext {
  readonly s: Localization;
  readonly locale: string | undefined;
  readonly secret: string;
  /** The environment variable name the snippets use, e.g. `TOADO_API_TOKEN`. */
  readonly envName: string;
  /** The MCP server URL for the client config snippet. */
  readonly mcpUrl: string;
  /** After a rotation: when the old token stops working (null: it already has). */
  readonly previousExpiresAt?: string | null;
}

/**
 * Copies `text` through the async Clipboard API, else (a page on plain http has none) through
 * `field`, which holds `text` (the env line, the MCP config) while it is selected and copied
 * (a text field keeps no line breaks: the MCP config goes as one line of the same JSON).
 */
async function copyText(text: string, field: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const { type, value } = field;
    field.type = 'text';
    field.value = text;
    field.select();
    const ok = document.execCommand('copy');
    field.type = type;
    field.value = value;
    field.selectionEnd = 0;
    return ok;
  }
}

/**
 * The MCP client config of the reveal: a `.mcp.json` entry as Claude Code reads it. A URL server
 * needs `"type": "http"` there (without it the entry fails Claude Code's schema and the server is
 * silently left out); `${VAR}` is expanded from the environment, so the file holds no secret.
 */
function mcpConfig(envName: string, url: string): string {
  const name = envName.toLowerCase().replace(/_api_token$|_token$/, '') || 'api';
  const server = { type: 'http', url, headers: { Authorization: `Bearer \${${envName}}` } };
  return JSON.stringify({ mcpServers: { [name]: server } }, null, 2);
}

/**
 * The secret as the env line shows it: its non-secret head, `<prefix>_<type>_<version>` (as far as
 * the character after its last `_`), none of its random body, and its last 4 characters (checksum),
 * which the list's `start` hint shows too (`ab_sk_…Xy12`): the person can tell which row it is.
 * The line's Copy button copies the real line.
 */
function masked(secret: string): string {
  const head = secret.lastIndexOf('_');
  return head < 0 ? '•'.repeat(12) : `${secret.slice(0, head + 2)}${'•'.repeat(12)}${secret.slice(-4)}`;
}

/**
 * Fills the reveal dialog; returns the dismiss check to give `openDialog`, and `end`, which ends
 * the reveal without asking (the element left the document): nothing here holds the secret after.
 * The listeners read the secret from one variable, `secret` (not from `c`), which `forget` empties.
 */
export function renderReveal(d: DialogHandle, c: RevealContext): { requestClose(): boolean; end(): void } {
  // Nothing below captures `c` (it holds the secret too): a listener kept alive would keep it.
  const { s, envName } = c;
  let { secret } = c;
  let copied = false;
  const fieldId = uid('secret');
  const status = h('div', { role: 'status', class: 'hint', part: 'status' });
  const field = h('input', {
    id: fieldId,
    type: 'password',
    readonly: true,
    value: secret,
    autocomplete: 'off',
    spellcheck: 'false',
    part: 'input secret',
  });
  const toggle = h('button', { type: 'button', 'aria-pressed': 'false', part: 'button' }, s.showSecret);
  toggle.addEventListener('click', () => {
    const show = field.type === 'password';
    field.type = show ? 'text' : 'password';
    toggle.setAttribute('aria-pressed', String(show));
    toggle.textContent = show ? s.hideSecret : s.showSecret;
  });
  const copy = h('button', { type: 'button', class: 'primary', part: 'button primary copy' }, s.copy);
  const doCopy = async (text: string) => {
    const ok = await copyText(text, field);
    // The MCP config holds no secret: copying it alone leaves the token uncopied.
    copied ||= ok && text.includes(secret);
    status.textContent = ok ? s.copied : s.copyFailed;
    if (ok) confirm.hidden = true;
  };
  copy.addEventListener('click', () => void doCopy(secret));

  const env = (value: string) => `${envName}=${value}`;
  const mcp = mcpConfig(envName, c.mcpUrl);
  const snippetButton = (text: string, value: () => string) => {
    const b = h('button', { type: 'button', class: 'link', part: 'button' }, text);
    b.addEventListener('click', () => void doCopy(value()));
    return b;
  };

  const done = h('button', { type: 'button', part: 'button' }, s.done);
  done.addEventListener('click', () => {
    if (requestClose()) d.close();
  });
  const goBack = h('button', { type: 'button', part: 'button' }, s.goBack);
  const closeAnyway = h('button', { type: 'button', class: 'danger', part: 'button danger' }, s.closeAnyway);
  const confirm = h(
    'div',
    { class: 'warning', role: 'alert', hidden: true },
    h('p', {}, s.notCopied),
    h('div', { class: 'dialog-footer' }, goBack, closeAnyway),
  );
  goBack.addEventListener('click', () => {
    confirm.hidden = true;
    copy.focus();
  });
  closeAnyway.addEventListener('click', () => {
    copied = true;
    forget();
    d.close();
  });
  // Leaving the page (or the element the document: `end`) ends the reveal, as a reload would: a page
  // kept in the back/forward cache comes back with Back as it was left, dialog and secret included.
  const leave = () => {
    copied = true;
    forget();
    d.close();
  };
  /** Empties the field and the variable, and lets go of the page (whose listener would hold this closure). */
  function forget(): void {
    field.value = secret = '';
    removeEventListener('pagehide', leave);
  }
  addEventListener('pagehide', leave);

  const previous =
    c.previousExpiresAt === undefined
      ? null
      : h(
          'p',
          {},
          c.previousExpiresAt === null || Date.parse(c.previousExpiresAt) <= Date.now()
            ? s.previousEnded
            : fill(s.previousExpires, { when: dateTime(c.previousExpiresAt, c.locale) }),
        );
  append(d.body, [
    h(
      'div',
      { class: 'field' },
      h('label', { for: fieldId }, s.token),
      h('div', { class: 'secret' }, field, toggle, copy),
      status,
    ),
    h('p', { class: 'warning', part: 'warning' }, s.shownOnce),
    previous,
    h('h3', {}, s.nextSteps),
    h(
      'p',
      {},
      s.envStep,
      ' ',
      snippetButton(s.copyEnv, () => env(secret)),
    ),
    h('pre', { part: 'snippet' }, env(masked(secret))),
    h(
      'p',
      {},
      s.mcpStep,
      ' ',
      snippetButton(s.copyMcp, () => mcp),
    ),
    h('pre', { part: 'snippet' }, mcp),
    confirm,
  ]);
  d.footer.append(done);

  /** True when the dialog may close now; otherwise shows the "not copied" confirmation. */
  function requestClose(): boolean {
    if (copied) {
      forget();
      return true;
    }
    confirm.hidden = false;
    goBack.focus();
    return false;
  }
  return { requestClose, end: leave };
}
