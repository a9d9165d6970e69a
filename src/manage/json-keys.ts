/**
 * Members named twice in one JSON object. `JSON.parse` keeps the last and drops the others
 * silently, so `{"scopes":["read"],"scopes":["admin"]}` is served as one request and read as
 * another by anything that keeps the first (a proxy, a WAF, a log, a person). RFC 8259 §4 says
 * names SHOULD be unique and RFC 7493 §2.3 (I-JSON) that they MUST be; the management API
 * refuses a repeat as it refuses a query parameter given twice, naming it.
 */

interface Frame {
  /** The object or array this one is a member of; its `at` names this one while it is open. */
  readonly parent: Frame | null;
  /** An object's names so far; null for an array. */
  readonly names: Set<string> | null;
  /** The name of the member being read (object), or the index of the element (array). */
  at: string;
  /** An object expects a name next (after `{` or `,`). */
  wantName: boolean;
}

const WHITE = new Set([' ', '\t', '\n', '\r']);

/** The end (exclusive) of the JSON string starting at `start` (its opening quote). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1; // bounded: never loops past the end
  return i + 1;
}

/** The path of the member `name` of `frame`, built only for a repeat (no copying per container). */
function pathOf(frame: Frame, name: string): string {
  const parts = [name];
  for (let f = frame.parent; f !== null; f = f.parent) parts.unshift(f.at);
  return parts.join('.');
}

/**
 * The dotted paths (`metadata.a.0.x`) of the members named twice, each once, in document order
 * (the first always, the others while their lengths add up to no more than the text's: a long
 * name above many repeats would otherwise be copied into each, 15 KB in, 3.5 MB out), or null
 * when the text nests deeper than `maxDepth`. `text` must be JSON that `JSON.parse` accepted;
 * names are compared decoded (`"\u0061"` is `a`). One pass, no recursion. The depth is bounded
 * here, on the text: a member `JSON.parse` dropped is not in the parsed value, so a depth check
 * of that value never sees it (each repeat inside it was named at a path as long as its nesting).
 */
export function repeatedNames(text: string, maxDepth: number): string[] | null {
  const stack: Frame[] = [];
  const out = new Set<string>();
  let budget = text.length;
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    const top = stack.at(-1);
    if (c === '"') {
      const end = stringEnd(text, i);
      if (top?.names && top.wantName) {
        const raw = text.slice(i + 1, end - 1);
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
        if (top.names.has(name)) {
          const path = pathOf(top, name);
          // The paths named stop once they would outgrow the text (a long name above many repeats).
          if (out.size > 0 && (budget -= path.length) < 0) break;
          out.add(path);
        }
        top.names.add(name);
        top.at = name;
        top.wantName = false;
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      if (stack.length >= maxDepth) return null;
      stack.push({ parent: top ?? null, names: c === '{' ? new Set() : null, at: '0', wantName: c === '{' });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',' && top) {
      if (top.names) top.wantName = true;
      else top.at = String(Number(top.at) + 1);
    } else if (!WHITE.has(c) && c !== ':') {
      // A number or a literal: skip to the next delimiter.
      while (i + 1 < text.length && !/[\s,\]}]/.test(text[i + 1]!)) i++;
    }
    i++;
  }
  return [...out];
}
