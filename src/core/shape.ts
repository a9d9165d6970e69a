/**
 * zod's `strictObject`, `optional`, `unknown` and `check`, and a schema's `.check()` and
 * `.safeParse()`, as zod/mini 4 runs them, without zod: the only zod types keycard's runtime
 * schemas still built (src/core/kinds.ts writes the others as checks), and 13 KB minified of zod's
 * core in every edge bundle that builds one (test/bundle-size.test.ts).
 *
 * The same issues as zod's: the same paths, codes, order and messages (an object's `error` words
 * its own issues, `english` the rest), the same output (a fresh object of the shape's keys, an
 * optional key absent when it was absent), the same checks skipped after an issue that stops them.
 * Each node carries the `_zod` internals zod's containers read (`traits`, `run`, `optin`,
 * `optout`, `def.error`), so zod's own objects hold these and these hold zod's.
 * `src/core/shape.test.ts` holds each to zod's, over random values.
 */
import type * as zm from 'zod/mini';
import { isArray } from './builtins.ts';

export type { ZodMiniType, input, output } from 'zod/mini';
export type * as core from 'zod/v4/core';

/** An issue as a schema raises it, before its message (zod's raw issue). */
interface Raw {
  [field: string]: unknown;
  code: string;
  path?: PropertyKey[];
  message?: string;
  continue?: boolean;
  inst?: Node;
  schema?: Node;
}
interface Payload {
  value: unknown;
  issues: Raw[];
}
interface Ctx {
  readonly error?: (issue: never) => unknown;
}
type Run = (payload: Payload, ctx: Ctx) => Payload;
type Check = (payload: Payload) => void;
interface Internals {
  traits: Set<string>;
  def: { error?: (issue: Raw) => unknown };
  run: Run;
  optin?: string;
  optout?: string;
}
interface Node {
  _zod: Internals;
}

const TRAITS = new Set(['$ZodType']);

/** zod's `aborted`: an issue since `from` that does not say `continue: true`. */
const aborted = (issues: Raw[], from: number) => issues.slice(from).some((issue) => issue.continue !== true);

const text = (m: unknown) => (typeof m === 'string' ? m : (m as { message?: string } | undefined)?.message);

/** zod's `finalizeIssue`: the issue's message, else its schema's `error`, else `ctx.error`'s words. */
function finalize(issue: Raw, ctx: Ctx) {
  const traits = issue.inst?._zod.traits;
  if (traits?.has('$ZodType')) {
    if (traits.has('$ZodCheck')) issue.schema ??= issue.inst;
    else issue.schema = issue.inst;
  }
  const schemaError = issue.schema !== issue.inst ? issue.schema?._zod.def.error : undefined;
  const message =
    issue.message ||
    (text(issue.inst?._zod.def.error?.(issue)) ??
      text(schemaError?.(issue)) ??
      text(ctx.error?.(issue as never)) ??
      'Invalid input');
  const full: Record<string, unknown> = {};
  for (const k of Object.keys(issue))
    if (!['inst', 'schema', 'continue', 'input', '__proto__'].includes(k)) full[k] = issue[k];
  full['path'] ??= [];
  full['message'] = message;
  return full;
}

/**
 * A schema: `parse` runs the type, then its checks (zod's `runChecks`): each skipped once an
 * issue stops them, the issues a check raises stamped with the schema.
 */
function node(parse: (self: Node) => Run, error?: string, optin?: string, checks: Check[] = []): never {
  const self = {
    _zod: {
      traits: TRAITS,
      def: { error: error === undefined ? undefined : () => error },
      optin,
      optout: optin,
      run: (payload: Payload, ctx: Ctx) => {
        const { issues } = parse(self)(payload, ctx);
        let stop = aborted(issues, 0);
        for (const check of checks) {
          if (stop) continue;
          const from = issues.length;
          check(payload);
          for (let i = from; i < issues.length; i++) issues[i]!.schema ??= self;
          if (issues.length > from) stop = aborted(issues, from);
        }
        return payload;
      },
    } as Internals,
    check: (...more: { _zod: { check: Check } }[]) =>
      node(parse, error, optin, [...checks, ...more.map((c) => c._zod.check)]),
    safeParse: (value: unknown, ctx: Ctx = {}) => {
      const { issues, value: data } = self._zod.run({ value, issues: [] }, ctx);
      return issues.length
        ? { success: false, error: { issues: issues.map((issue) => finalize(issue, ctx)) } }
        : { success: true, data };
    },
  };
  return self as never;
}

/** zod's `z.check(fn)`: a check for `.check()`. */
export const check = ((fn: Check) => ({ _zod: { check: fn, def: {} } })) as unknown as typeof zm.check;

/** zod's `z.unknown()`: any value, as it is. */
export const unknown = (() => node(() => (payload) => payload)) as typeof zm.unknown;

/** zod's `z.optional(inner)`: `undefined` passes untouched, anything else is `inner`'s. */
export const optional = ((inner: Node) =>
  node(
    () => (payload, ctx) => (payload.value === undefined ? payload : inner._zod.run(payload, ctx)),
    undefined,
    'optional',
  )) as unknown as typeof zm.optional;

/** One field's result on the object's (zod's `handlePropertyResult`). */
function property(result: Payload, into: Payload, key: string, input: object, optin?: string, optout?: string) {
  const present = key in input;
  const optionalOut = optout === 'optional';
  if (!present && optionalOut && optin === 'optional') return;
  if (result.issues.length) {
    if (optin !== undefined && optionalOut && !present) return;
    for (const issue of result.issues) into.issues.push({ ...issue, path: [key, ...(issue.path ?? [])] });
  }
  if (!present && optin === undefined) {
    if (!result.issues.length)
      into.issues.push({ code: 'invalid_type', expected: 'nonoptional', input: undefined, path: [key] });
    return;
  }
  const out = into.value as Record<string, unknown>;
  if (result.value !== undefined) out[key] = result.value;
  else if (present || (optin === 'defaulted' && !optionalOut)) out[key] = undefined;
}

/**
 * zod's `z.strictObject(shape, { error })`: an object (not an array), each field of `shape` read
 * once and run, then the keys `for…in` finds outside it as one `unrecognized_keys` issue, which
 * lets the object's checks run.
 */
export const strictObject = ((shape: Record<string, Node>, params?: { error?: string }) =>
  node(
    (self) => (payload, ctx) => {
      const input = payload.value;
      if (typeof input !== 'object' || input === null || isArray(input)) {
        payload.issues.push({ expected: 'object', code: 'invalid_type', input, inst: self });
        return payload;
      }
      payload.value = {};
      const keys = Object.keys(shape);
      for (const key of keys) {
        const field = shape[key]!._zod;
        const result = field.run({ value: (input as Record<string, unknown>)[key], issues: [] }, ctx);
        property(result, payload, key, input, field.optin, field.optout);
      }
      const unknownKeys: string[] = [];
      for (const key in input) if (!keys.includes(key)) unknownKeys.push(key);
      if (unknownKeys.length)
        payload.issues.push({ code: 'unrecognized_keys', keys: unknownKeys, input, inst: self, continue: true });
      return payload;
    },
    params?.error,
  )) as unknown as typeof zm.strictObject;
