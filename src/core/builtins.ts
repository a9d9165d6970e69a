/**
 * Built-ins called all over the library, under one short local name each: a minifier cannot
 * shorten `Object.freeze` or `Array.isArray` at each call, but it shortens these (issue 13's edge
 * bundle, test/bundle-size.test.ts). The same functions, so the same behaviour.
 */
export const freeze: typeof Object.freeze = Object.freeze;
export const isArray: typeof Array.isArray = Array.isArray;
export const defineProperty: typeof Object.defineProperty = Object.defineProperty;
export const stringify: typeof JSON.stringify = JSON.stringify;
