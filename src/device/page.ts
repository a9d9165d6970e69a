/**
 * The server-rendered pages of a device login (SPEC §13): entering the user code, approving a
 * program, and the answers. Plain HTML forms, so they work without JavaScript and by keyboard;
 * every control has a label; the look is set by CSS custom properties (`--keycard-*`). Every
 * interpolated value is escaped. The device code never appears here: the page knows grants by
 * user code only.
 */
import { markHidden } from '../core/http-sanitize.ts';
import { displayUserCode } from './codes.ts';
import type { PendingGrant } from './grant-store.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** `U+202E`: how a hidden character is named on the page. */
const codePoint = (c: string): string => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Escapes text for a double-quoted attribute or the `<title>`; a control, bidi or invisible
 * character is named (`U+202E`), never written.
 */
export const attr = (value: unknown): string => markHidden(escapeHtml(value), codePoint);

/**
 * Escapes text for HTML content. A control, bidi or invisible character (U+202E would show the
 * rest of a restriction id backwards, U+200B would hide itself: "Trojan Source", CVE-2021-42574)
 * is named in a marked box, so the person sees that the value holds one and where, and a value
 * that merely spells `U+202E` does not look the same.
 */
export const esc = (value: unknown): string =>
  markHidden(
    escapeHtml(value),
    (c) => `<span class="hidden-char" title="An invisible or control character">${codePoint(c)}</span>`,
  );

const CSS = `:root{--keycard-font:system-ui,sans-serif;--keycard-fg:#1f2328;--keycard-muted:#59636e;--keycard-bg:#fff;--keycard-surface:#f6f8fa;--keycard-border:#d1d9e0;--keycard-accent:#0b57d0;--keycard-accent-fg:#fff;--keycard-danger:#b42318;--keycard-warn-bg:#fff8c5;--keycard-radius:6px}
body{font-family:var(--keycard-font);color:var(--keycard-fg);background:var(--keycard-bg);margin:0;line-height:1.5}
main{max-width:40rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem}
.warn{background:var(--keycard-warn-bg);border:1px solid var(--keycard-border);border-radius:var(--keycard-radius);padding:.75rem 1rem}
.error{color:var(--keycard-danger);font-weight:600}
.muted{color:var(--keycard-muted)}
fieldset{border:1px solid var(--keycard-border);border-radius:var(--keycard-radius);margin:1rem 0;padding:.5rem 1rem}
.scope{display:block;padding:.25rem 0}
.scope code{font-weight:600}
input[type=text],select{font:inherit;padding:.4rem .5rem;border:1px solid var(--keycard-border);border-radius:var(--keycard-radius)}
input[name=user_code]{font-family:ui-monospace,monospace;font-size:1.25rem;letter-spacing:.1em;text-transform:uppercase;width:11ch}
button{font:inherit;padding:.5rem 1rem;border-radius:var(--keycard-radius);border:1px solid var(--keycard-border);background:var(--keycard-surface);color:var(--keycard-fg);cursor:pointer}
button.primary{background:var(--keycard-accent);color:var(--keycard-accent-fg);border-color:var(--keycard-accent)}
:focus-visible{outline:3px solid var(--keycard-accent);outline-offset:2px}
.actions{display:flex;gap:.75rem;margin-top:1rem}
.hidden-char{font-family:ui-monospace,monospace;font-size:.85em;color:var(--keycard-danger);border:1px solid var(--keycard-danger);border-radius:3px;padding:0 .2em}`;

/** Page chrome: language, title, one `main` landmark, the theme, the integrator's CSS. */
export function layout(title: string, body: string, css = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${attr(title)}</title><style>${CSS}${css.replace(/<\//g, '<\\/')}</style></head>
<body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

/** The code entry form (GET, so `verification_uri_complete` lands on the same page). */
export function entryForm(action: string, error: string | null, value = '', note = ''): string {
  return `${error ? `<p class="error" role="alert" id="code-error">${esc(error)}</p>` : ''}${note ? `<p role="status">${esc(note)}</p>` : ''}
<form method="get" action="${attr(action)}">
<p><label for="user_code">Enter the code shown in your terminal</label></p>
<p><input type="text" id="user_code" name="user_code" value="${attr(value)}" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="12" placeholder="XXXX-XXXX"${error ? ' aria-invalid="true" aria-describedby="code-error"' : ''} autofocus>
<button type="submit" class="primary">Continue</button></p>
</form>`;
}

/** A scope as the approval page lists it. */
export interface ScopeRow {
  readonly name: string;
  readonly description: string;
  /** False when the approver does not hold it: shown, unticked, disabled. */
  readonly grantable: boolean;
}

/** An expiry the person may choose. */
export interface ExpiryChoice {
  readonly value: string;
  readonly label: string;
  readonly selected: boolean;
}

/** The approval form for one pending grant. */
export function approvalForm(input: {
  readonly grant: PendingGrant;
  readonly appName: string;
  readonly approveAction: string;
  readonly denyAction: string;
  readonly scopes: readonly ScopeRow[];
  readonly expiries: readonly ExpiryChoice[];
  readonly error: string | null;
}): string {
  const { grant } = input;
  const restrictions = grant.restrictions
    ? Object.entries(grant.restrictions)
        // Each id isolated: a right-to-left id cannot reorder the commas and its neighbours, and
        // an id holding `, ` still reads as one.
        .map(([type, ids]) => `${esc(type)}: ${ids.map((id) => `<bdi><code>${esc(id)}</code></bdi>`).join(', ')}`)
        .join('; ')
    : `none (everything your account can reach in ${esc(input.appName)})`;
  const rows = input.scopes
    .map((s, i) => {
      const id = `scope-${i}`;
      const note = s.grantable
        ? ''
        : ` <span class="muted">(you do not hold this scope, so you cannot grant it)</span>`;
      return `<label class="scope" for="${id}"><input type="checkbox" id="${id}" name="scope" value="${attr(s.name)}"${s.grantable ? ' checked' : ' disabled'}> <code>${esc(s.name)}</code> — ${esc(s.description || 'No description')}${note}</label>`;
    })
    .join('\n');
  const options = input.expiries
    .map((e) => `<option value="${attr(e.value)}"${e.selected ? ' selected' : ''}>${esc(e.label)}</option>`)
    .join('');
  return `${input.error ? `<p class="error" role="alert">${esc(input.error)}</p>` : ''}
<p><strong>${esc(grant.clientName)}</strong> on <strong>${esc(grant.host)}</strong> <span class="muted">(as the program reports it)</span> asks for access to your account on ${esc(input.appName)}.</p>
<p>Code: <code>${esc(displayUserCode(grant.userCode))}</code> — check that it matches the code in your terminal.</p>
<p class="warn" role="note">Approving gives a program a token that acts as you with the scopes below until it expires or you revoke it. Approve only if you started this login yourself.</p>
<form method="post" action="${attr(input.approveAction)}">
<input type="hidden" name="user_code" value="${attr(grant.userCode)}">
<fieldset><legend>Scopes (untick any you do not want to grant)</legend>
${rows}
</fieldset>
<p>Resource restrictions: ${restrictions}</p>
<p><label for="expires">Token expires</label> <select id="expires" name="expires">${options}</select></p>
<div class="actions"><button type="submit" class="primary">Approve</button>
<button type="submit" formaction="${attr(input.denyAction)}">Deny</button></div>
</form>`;
}

/** A short answer page body. */
export const message = (text: string, role: 'status' | 'alert' = 'status'): string =>
  `<p role="${role}">${esc(text)}</p>`;
