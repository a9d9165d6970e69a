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
