import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { repeatedNames } from './json-keys.ts';

/** A JSON text written member by member (names may repeat), and the paths of its repeats, in order. */
type Node = { obj: [string, number, Node][] } | { arr: Node[] } | { lit: string };
const space = fc.constantFrom('', ' ', '\t', '\n', '\r', ' \r\n');
const lit = fc.oneof(
  fc.constantFrom('-1e+5', '0', '-0.5E-3', 'true', 'null', '"\\\\"', '"\\""', '"}],:{["', '"a\\\\\\"b"', '"\\u0022"'),
  fc.string().map((t) => JSON.stringify(t)),
);
const name = fc.oneof(
  fc.constantFrom('a', 'a.b', '"', '\\', '\\"', '', 'é', '😀', '\u2028'),
  fc.string({ maxLength: 3 }),
);
/** As JSON.stringify writes it, every UTF-16 unit as `\uXXXX`, or with `/` as `\/`. */
const encode = (n: string, how: number) =>
  how === 0
    ? JSON.stringify(n)
    : how === 1
      ? `"${[...Array(n.length).keys()].map((i) => `\\u${n.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`
      : JSON.stringify(n).replaceAll('/', '\\/');
const { node } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    lit.map((t) => ({ lit: t })),
    fc.array(fc.tuple(name, fc.nat(2), tie('node')), { maxLength: 5 }).map((obj) => ({ obj })),
    fc.array(tie('node'), { maxLength: 4 }).map((arr) => ({ arr })),
  ),
}));
function write(n: Node, path: string[], w: () => string, repeats: string[]): string {
  if ('lit' in n) return n.lit;
  if ('arr' in n)
    return `[${w()}${n.arr.map((c, i) => write(c, [...path, String(i)], w, repeats)).join(`${w()},${w()}`)}${w()}]`;
  const seen = new Set<string>();
  const members = n.obj.map(([k, how, c]) => {
    if (seen.has(k)) repeats.push([...path, k].join('.'));
    seen.add(k);
    return `${encode(k, how)}${w()}:${w()}${write(c, [...path, k], w, repeats)}`;
  });
  return `{${w()}${members.join(`${w()},${w()}`)}${w()}}`;
}

describe('repeatedNames', () => {
  test('ends on text that is not JSON (an unterminated string, a trailing backslash): no endless loop', () => {
    // Before the bound, '"abc' looped for ever. Only parsed JSON reaches it; here it answers or throws.
    for (const text of ['"abc', '{"a', '{"a\\', '{"a":1,"a', '["x\\"']) {
      try {
        expect(Array.isArray(repeatedNames(text, 64))).toBe(true);
      } catch (e) {
        expect(e, text).toBeInstanceOf(SyntaxError);
      }
    }
  });

  test('finds nothing in any JSON that JSON.stringify writes, compact or indented', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t', ' \r\n'), (v, space) => {
        expect(repeatedNames(JSON.stringify(v, null, space as never), Infinity)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  test('finds exactly the repeats of any JSON text: escapes, whitespace, nesting, numbers', () => {
    fc.assert(
      fc.property(node, fc.array(space, { minLength: 1, maxLength: 40 }), (n, spaces) => {
        let i = 0;
        const w = () => spaces[i++ % spaces.length]!;
        const repeats: string[] = [];
        const text = `${w()}${write(n, [], w, repeats)}${w()}`;
        JSON.parse(text);
        expect(repeatedNames(text, Infinity), text).toEqual([...new Set(repeats)]);
      }),
      { numRuns: 1000 },
    );
  });

  test('names each repeat once at its dotted path, names compared decoded', () => {
    const text = '{"a":[1,{"x":"}\\"","x":2}],"\\u0061":0,"a":{"b":[[],[{"c":1,"c":2,"c":3}]]}}';
    expect(repeatedNames(text, 64)).toEqual(['a.1.x', 'a', 'a.b.1.0.c']);
  });

  test('null when the text nests deeper than the bound, also inside a member JSON.parse dropped', () => {
    const nest = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(repeatedNames(nest(64), 64)).toEqual([]);
    expect(repeatedNames(nest(65), 64)).toBeNull();
    expect(repeatedNames(`{"a":${nest(64)},"a":0}`, 64)).toBeNull();
    expect(repeatedNames(`{"a":${nest(63)},"a":0}`, 64)).toEqual(['a']);
  });
});
