import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { repeatedNames } from './json-keys.ts';

describe('repeatedNames', () => {
  test('finds nothing in any JSON that JSON.stringify writes, compact or indented', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t', ' \r\n'), (v, space) => {
        expect(repeatedNames(JSON.stringify(v, null, space as never))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  test('names each repeat once at its dotted path, names compared decoded', () => {
    const text = '{"a":[1,{"x":"}\\"","x":2}],"\\u0061":0,"a":{"b":[[],[{"c":1,"c":2,"c":3}]]}}';
    expect(repeatedNames(text)).toEqual(['a.1.x', 'a', 'a.b.1.0.c']);
  });
});
