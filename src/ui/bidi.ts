/**
 * Bidi isolation for values placed in sentences (labels, scope names, ids, who created a token,
 * audit paths): a value starting with U+202E RIGHT-TO-LEFT OVERRIDE, or opening an isolate it never
 * closes, must not reorder the words after it, so "Revoke {label}?" cannot show another sentence.
 */
import { h } from './dom.ts';

/**
 * A sentence as nodes: `{name}` placeholders filled as `fill()` does, each value in a `<bdi>`
 * (no role, so accessible names read the same). Unknown names stay as written.
 */
export function sentence(text: string, values: Record<string, string | number>): (string | Node)[] {
  return text
    .split(/\{(\w+)\}/)
    .map((part, i) =>
      i % 2 === 0 ? part : Object.hasOwn(values, part) ? h('bdi', {}, String(values[part])) : `{${part}}`,
    );
}

/**
 * A value for an attribute (aria-label): between U+2068 FIRST STRONG ISOLATE and U+2069 POP
 * DIRECTIONAL ISOLATE. Isolates the value opens are closed before it ends and a stray U+2069
 * (which would close ours early) is dropped, as a `<bdi>` would; nothing visible changes.
 */
export function isolate(value: string): string {
  let open = 0;
  let out = '';
  for (const ch of value) {
    if (ch >= '\u2066' && ch <= '\u2068') open++;
    else if (ch === '\u2069') {
      if (!open) continue;
      open--;
    }
    out += ch;
  }
  return `\u2068${out}${'\u2069'.repeat(open + 1)}`;
}
