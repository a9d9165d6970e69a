/**
 * The arguments of keycard/testing's exports, checked at the call: a conformance suite given no
 * test API (`tokenStoreConformance('mine', store)`) failed with a TypeError from inside it, and a
 * fixture or model helper given the wrong kind of value did too, or answered nonsense
 * (`randomHex('8')` was ""). Each names every wrong argument in a KeycardError (`invalid_argument`).
 */
import { checkArguments, hasMethod } from '../core/arguments-check.ts';

/**
 * A conformance suite's arguments: its name, the test API (vitest's `{ describe, it, expect }`)
 * and the function making what it tests.
 */
export function checkSuite(suite: string, name: unknown, t: unknown, factory: unknown): void {
  const api = hasMethod(t, 'describe') && hasMethod(t, 'it') && hasMethod(t, 'expect');
  checkArguments(
    suite,
    ['name', typeof name === 'string', 'a string naming what is tested', name],
    ['t', api, "the test API { describe, it, expect } (import * as t from 'vitest')", t],
    ['factory', typeof factory === 'function', 'a function making what the suite tests', factory],
  );
}
