/**
 * The element's stylesheet. Public theming API: the `--keycard-*` custom properties (colours,
 * radius, font), read through private `--_*` ones so light and dark defaults stay in one place;
 * and `::part()` names on the main pieces. Dark mode follows `prefers-color-scheme` unless the
 * `theme` attribute says `light` or `dark`. Default colours meet WCAG AA contrast.
 */
const light =
  '--_bg:var(--keycard-color-background,#fff);--_fg:var(--keycard-color-text,#1b1f24);--_muted:var(--keycard-color-muted,#57606a);--_border:var(--keycard-color-border,#d0d7de);--_surface:var(--keycard-color-surface,#f6f8fa);--_accent:var(--keycard-color-accent,#0a58ca);--_accent-fg:var(--keycard-color-accent-text,#fff);--_danger:var(--keycard-color-danger,#b42318);--_danger-fg:var(--keycard-color-danger-text,#fff);--_warn:var(--keycard-color-warning,#8a5a00);--_ok:var(--keycard-color-success,#1a7f37);--_focus:var(--keycard-color-focus,#0a58ca)';
const dark =
  '--_bg:var(--keycard-color-background,#0d1117);--_fg:var(--keycard-color-text,#e6edf3);--_muted:var(--keycard-color-muted,#9da7b3);--_border:var(--keycard-color-border,#3d444d);--_surface:var(--keycard-color-surface,#161b22);--_accent:var(--keycard-color-accent,#4493f8);--_accent-fg:var(--keycard-color-accent-text,#0d1117);--_danger:var(--keycard-color-danger,#ff7b72);--_danger-fg:var(--keycard-color-danger-text,#0d1117);--_warn:var(--keycard-color-warning,#e3b341);--_ok:var(--keycard-color-success,#3fb950);--_focus:var(--keycard-color-focus,#4493f8)';

export const CSS = `\
:host{${light};display:block;overflow-wrap:anywhere;color:var(--_fg);background:var(--_bg);font:var(--keycard-font,14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif);--_r:var(--keycard-radius,8px);--_mono:var(--keycard-font-mono,ui-monospace,SFMono-Regular,Menlo,monospace)}\
:host([theme=dark]){${dark}}\
@media (prefers-color-scheme:dark){:host(:not([theme=light])){${dark}}}\
:host([hidden]){display:none}\
*{box-sizing:border-box}\
h1{font-size:1.25em;margin:0}h2{font-size:1.15em;margin:0 0 .75em}h3{font-size:1em;margin:0}\
.toolbar{display:flex;flex-wrap:wrap;gap:.5em;align-items:center;margin-bottom:1em}.toolbar h1{flex:1}\
button,input,select{font:inherit;color:inherit}\
button{cursor:pointer;border:1px solid var(--_border);background:var(--_surface);border-radius:var(--_r);padding:.4em .9em}\
button.primary{background:var(--_accent);color:var(--_accent-fg);border-color:var(--_accent)}\
button.danger{background:var(--_danger);color:var(--_danger-fg);border-color:var(--_danger)}\
button.link{background:none;border-color:transparent;color:var(--_accent);padding:.2em .4em}\
button.link.danger-text{color:var(--_danger)}\
button[disabled]{opacity:.6;cursor:not-allowed}\
:focus-visible{outline:2px solid var(--_focus);outline-offset:2px}\
input,select{background:var(--_bg);border:1px solid var(--_border);border-radius:var(--_r);padding:.4em .6em;max-width:100%}\
input[type=checkbox],input[type=radio]{accent-color:var(--_accent)}\
label{display:block}\
.field{margin:0 0 1em}.field>label,.field>.lbl{font-weight:600;margin-bottom:.25em}\
.hint,.muted{color:var(--_muted);font-size:.9em}\
fieldset{border:1px solid var(--_border);border-radius:var(--_r);margin:0 0 1em;padding:.5em .9em}\
legend{font-weight:600;padding:0 .3em}\
.scope{display:flex;gap:.5em;align-items:baseline;padding:.15em 0}.scope label{display:inline;font-family:var(--_mono)}\
.list{list-style:none;margin:0;padding:0}.row+.row{margin-top:.75em}\
.row{border:1px solid var(--_border);border-radius:var(--_r);padding:.75em 1em;background:var(--_bg);content-visibility:auto;contain-intrinsic-size:auto 9em}\
.row-head{display:flex;flex-wrap:wrap;gap:.5em;align-items:center}.row-head h3{margin-right:auto}.row-actions{margin-top:.4em}\
.meta{display:flex;flex-wrap:wrap;gap:.25em 1.25em;margin-top:.4em;color:var(--_muted);font-size:.9em}\
.chips{display:flex;flex-wrap:wrap;gap:.3em;margin:.4em 0 0;padding:0;list-style:none}\
.chip{font-family:var(--_mono);font-size:.85em;border:1px solid var(--_border);background:var(--_surface);border-radius:999px;padding:0 .6em}\
.badge{font-size:.8em;border-radius:999px;padding:.05em .6em;border:1px solid currentColor}\
.badge.expiring{color:var(--_warn)}.badge.revoked,.badge.expired{color:var(--_danger)}.badge.active{color:var(--_ok)}\
code{font-family:var(--_mono);font-size:.9em}\
.backdrop{position:fixed;inset:0;background:rgb(0 0 0/.45);display:flex;align-items:flex-start;justify-content:center;padding:5vh 1em;overflow:auto;z-index:2147483000}\
.dialog{background:var(--_bg);color:var(--_fg);border:1px solid var(--_border);border-radius:var(--_r);padding:1.25em 1.5em;width:min(40em,100%);box-shadow:0 10px 40px rgb(0 0 0/.35)}\
.dialog-footer{display:flex;flex-wrap:wrap;gap:.5em;justify-content:flex-end;margin-top:1em}\
.secret{display:flex;gap:.5em}.secret input{flex:1;font-family:var(--_mono)}\
.warning{border-left:4px solid var(--_warn);background:var(--_surface);padding:.5em .75em;margin:1em 0;border-radius:calc(var(--_r)/2)}\
.error{color:var(--_danger);margin:.5em 0}\
pre{overflow-wrap:normal;background:var(--_surface);border:1px solid var(--_border);border-radius:var(--_r);padding:.6em .8em;overflow:auto;font-family:var(--_mono);font-size:.85em;margin:.3em 0}\
.events{list-style:none;padding:0;margin:0;max-height:50vh;overflow:auto}.events li{border-bottom:1px solid var(--_border);padding:.35em 0}\
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`;

/**
 * Styles `root` with {@link CSS} as a constructed `CSSStyleSheet` (one, shared by every instance)
 * where the browser has them: a page whose Content-Security-Policy has no `'unsafe-inline'` in
 * `style-src` refuses a `<style>` element or a `style` attribute, not an adopted sheet. Elsewhere
 * it returns a `<style>` element to append (which such a policy blocks), else null.
 */
let sheet: CSSStyleSheet | undefined;
export function adoptStyles(root: ShadowRoot): HTMLStyleElement | null {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
    if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return null;
  }
  const style = document.createElement('style');
  style.textContent = CSS;
  return style;
}
