/**
 * `fill`, exported by keycard/ui for integrators who build their own texts from `STRINGS`, given a
 * text that is not a string or values that are not an object: a `ManagementError`
 * (`invalid_argument`, the entry's own error, as keycard/client's; keycard/ui loads no core)
 * naming every wrong argument, never values, never a TypeError from inside it nor a wrong answer
 * (`fill('{n} left', 5)` returned the text unfilled, as if it held no placeholder).
 */
import { describe, expect, it } from 'vitest';
import { fill, ManagementError } from '../../src/ui/index.ts';

const any = fill as (...a: unknown[]) => string;

describe("keycard/ui's fill given wrong arguments", () => {
  it.each([
    ['()', [], 'fill: text must be a string'],
    ['(5)', [5], 'fill: text must be a string'],
    ["('{n} left', 5)", ['{n} left', 5], 'fill: values must be an object'],
    ["('{n} left', null)", ['{n} left', null], 'fill: values must be an object'],
    ['(null, null)', [null, null], 'fill: text must be a string; values must be an object'],
    [
      "({ text: 'secret-ish' }, 'x')",
      [{ text: 'secret-ish' }, 'x'],
      'fill: text must be a string; values must be an object',
    ],
  ])('fill%s names each wrong argument in a ManagementError', (_args, given, says) => {
    let error: unknown;
    try {
      any(...given);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManagementError);
    expect(error).toMatchObject({ code: 'invalid_argument', status: 0, message: says });
  });

  it('still fills what it is given right, and leaves unknown names as written', () => {
    expect(fill('{n} left of {m}', { n: 2 })).toBe('2 left of {m}');
    expect(fill('no placeholders')).toBe('no placeholders');
  });
});
