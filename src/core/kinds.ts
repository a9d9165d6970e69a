/**
 * zod's number, string, boolean, enum, nullable, array and union types, and its refinements, as
 * plain functions ("kinds") that push the issues zod's own types push: the same codes, bounds,
 * origins, paths and order, and the same checks still run after a failure. `english`
 * (src/core/config.ts) or a custom error words them as before. {@link schema} makes a kind a zod
 * schema: zod's `unknown` type with one check, inside zod's objects and optionals (all three run
 * by src/core/shape.ts, which zod's own containers also hold).
 *
 * Why: each of zod's types weighs 0.1 to 0.9 KB gzip in every edge bundle that builds one, and
 * createKeycard's options, its calls' arguments and the stores' options built nine of them: 2.5 KB
 * gzip of a Worker that only verifies tokens (test/bundle-size.test.ts). `kinds.test.ts` holds each
 * kind to the zod schema it stands for, over random values.
 */
import * as z from './shape.ts';
import { isArray } from './builtins.ts';

/** An issue as zod raises it, before its message; `continue: true` lets unguarded checks after it run. */
export interface Issue {
  code: string;
  path?: PropertyKey[];
  message?: string | undefined;
  continue?: boolean;
  [field: string]: unknown;
}

/** Pushes onto `out` the issues zod's type raises for `value` (none: it passes). */
export type Kind = (value: unknown, out: Issue[]) => void;

/** The zod schema of `kind`, typed as its output `T`: zod's `unknown` with one check; it outputs the value. */
export const schema = <T = unknown>(kind: Kind): z.ZodMiniType<T, T> =>
  z.unknown().check(z.check((payload) => kind(payload.value, payload.issues as Issue[]))) as never;

/** {@link schema}, its output what `output` makes of a valid value (`copy`: a fresh array, as zod's array type's). */
export const schemaOf = <T = unknown>(kind: Kind, output: (value: never) => unknown): z.ZodMiniType<T, T> =>
  z.unknown().check(
    z.check((payload) => {
      kind(payload.value, payload.issues as Issue[]);
      if (payload.issues.length === 0) payload.value = output(payload.value as never);
    }),
  ) as never;

/** A fresh copy of an array, as zod's array type outputs. */
export const copy = (value: readonly unknown[]): unknown[] => [...value];

/** zod's `aborted`: an issue without `continue: true` (since `from`) skips every unguarded check after it. */
const stops = (issues: Issue[], from: number) => issues.slice(from).some((issue) => issue.continue !== true);

const type = (expected: string, input: unknown, message?: string): Issue => ({
  code: 'invalid_type',
  expected,
  input,
  message,
});

/**
 * zod's `.check(z.refine(test, { error: message, path }))` after `kind`: skipped once an issue
 * stops the checks.
 */
export const refine =
  <T>(kind: Kind, test: (value: T) => boolean, message: string, path: readonly PropertyKey[] = []): Kind =>
  (v, out) => {
    const from = out.length;
    kind(v, out);
    if (!stops(out, from) && !test(v as T)) out.push({ code: 'custom', message, path: [...path], continue: true });
  };

/** zod's `z.custom(test, { error: message })`, whose issue stops the checks after it. */
export const is =
  (test: (value: unknown) => boolean, message?: string): Kind =>
  (v, out) => {
    if (!test(v)) out.push({ code: 'custom', message, continue: false });
  };

/** zod's `z.boolean()`. */
export const boolean: Kind = (v, out) => {
  if (typeof v !== 'boolean') out.push(type('boolean', v));
};

/** zod's `z.enum(values, { error })`. */
export const oneOf =
  (values: readonly string[], error?: string): Kind =>
  (v, out) => {
    if (!values.includes(v as string)) out.push({ code: 'invalid_value', values, message: error });
  };

/** zod's `z.nullable(kind)`. */
export const nullable =
  (kind: Kind): Kind =>
  (v, out) => {
    if (v !== null) kind(v, out);
  };

const SAFE = Number.MAX_SAFE_INTEGER;

/** Messages of {@link integer}'s bounds, and an exclusive minimum. */
export interface IntegerRules {
  readonly minError?: string;
  readonly maxError?: string;
  /** zod's `z.gt(min)` (`z.positive()` for 0) in place of `z.minimum(min)`. */
  readonly above?: boolean;
}

/**
 * zod's `z.number({ error }).check(z.int(), z.minimum(min, { error: minError }), z.maximum(max,
 * { error: maxError }))`: a finite number, an integer, then the safe range (`int`) and the bounds,
 * each check that fails one issue; `error` words every issue without a message of its own.
 */
export const integer =
  (min: number, max = Infinity, error?: string, rules: IntegerRules = {}): Kind =>
  (v, out) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return void out.push(type('number', v, error));
    if (!Number.isInteger(v)) return void out.push({ ...type('int', v, error), continue: false });
    const { above } = rules;
    const bound = (code: string, origin: string, limit: number, message = error, inclusive = true) =>
      out.push({
        code,
        origin,
        [code === 'too_big' ? 'maximum' : 'minimum']: limit,
        inclusive,
        message,
        continue: true,
      });
    if (v > SAFE) bound('too_big', 'int', SAFE);
    if (v < -SAFE) bound('too_small', 'int', -SAFE);
    if (above ? v <= min : v < min) bound('too_small', 'number', min, rules.minError, !above);
    if (v > max) bound('too_big', 'number', max, rules.maxError);
  };

/** zod's `z.minLength(min, { error: minError })` and `z.maxLength(max, { error: maxError })`. */
export interface LengthRules {
  readonly min?: number;
  readonly max?: number;
  readonly minError?: string;
  readonly maxError?: string;
}

/**
 * A `length` as zod's `length >= min` compares it: a number as it is, anything else as JavaScript
 * turns it into one; one it cannot turn (an object without `valueOf`, a symbol) is NaN, where
 * zod's own check throws a TypeError: it fails both bounds instead.
 */
const counted = (length: unknown): number => {
  if (typeof length === 'number') return length;
  try {
    return Number(length);
  } catch {
    return Number.NaN;
  }
};

/**
 * zod's length checks: they run on anything with a `length`, even after a type issue (not after
 * one that says `continue: false`), and count a string's code points; `error` words an issue
 * whose check has no message of its own.
 */
function length(v: unknown, out: Issue[], from: number, rules: LengthRules, error?: string): void {
  if (v == null || (v as { length?: unknown }).length === undefined) return;
  if (out.slice(from).some((issue) => issue.continue === false)) return;
  const { min, max } = rules;
  const units = counted((v as { length: unknown }).length);
  const n = (over: boolean) => (typeof v === 'string' && over ? [...v].length : units);
  const origin = isArray(v) ? 'array' : typeof v === 'string' ? 'string' : 'unknown';
  const issue = (code: string, bound: string, limit: number, message?: string) =>
    out.push({ code, origin, [bound]: limit, inclusive: true, message: message ?? error, continue: true });
  if (min !== undefined && !(n(units < min * 2) >= min)) issue('too_small', 'minimum', min, rules.minError);
  if (max !== undefined && !(n(units > max) <= max)) issue('too_big', 'maximum', max, rules.maxError);
}

/** What {@link text} checks, in zod's order: the lengths, then the pattern. */
export interface TextRules extends LengthRules {
  readonly pattern?: RegExp;
  /** The pattern's format: `regex` (`z.regex`), or a string format's (`datetime`). @default 'regex' */
  readonly format?: string;
  /** The message of every issue without one of its own (zod's `z.string({ error })`). */
  readonly error?: string;
  /** The pattern's own message (`z.regex(pattern, message)`). */
  readonly patternError?: string;
}

/** zod's `z.string({ error }).check(z.minLength(min), z.maxLength(max), z.regex(pattern))`. */
export const text =
  (rules: TextRules = {}): Kind =>
  (v, out) => {
    const { pattern, error } = rules;
    const from = out.length;
    if (typeof v !== 'string') out.push(type('string', v, error));
    length(v, out, from, rules, error);
    if (pattern === undefined || stops(out, from)) return;
    pattern.lastIndex = 0;
    if (!pattern.test(v as string))
      out.push({
        code: 'invalid_format',
        origin: 'string',
        format: rules.format ?? 'regex',
        pattern: String(pattern),
        message: rules.patternError ?? error,
        continue: true,
      });
  };

/** The issues `kind` raises for `value`. */
const issuesOf = (kind: Kind, value: unknown): Issue[] => {
  const issues: Issue[] = [];
  kind(value, issues);
  return issues;
};

/** `issues` under `key`, as zod's containers report their members'. */
const under = (key: PropertyKey, issues: Issue[], out: Issue[]) => {
  for (const issue of issues) out.push({ ...issue, path: [key, ...(issue.path ?? [])] });
};

/** What {@link list} checks besides its elements. */
export interface ListRules extends LengthRules {
  /** The message of the array's own issues (`z.array(element, { error })`), never its elements'. */
  readonly error?: string;
}

/**
 * zod's `z.array(element, { error }).check(z.minLength(min), z.maxLength(max))`: each element's
 * issues under its index; an array longer than `max` gets that issue alone, its elements unread.
 */
export const list =
  (element: Kind, rules: ListRules = {}): Kind =>
  (v, out) => {
    const { max, error } = rules;
    const from = out.length;
    if (!isArray(v)) out.push(type('array', v, error));
    else if (max !== undefined && v.length > max) {
      const message = rules.maxError ?? error;
      return void out.push({
        code: 'too_big',
        origin: 'array',
        maximum: max,
        inclusive: true,
        message,
        continue: false,
      });
    } else for (let i = 0; i < v.length; i++) under(i, issuesOf(element, v[i]), out);
    length(v, out, from, rules, error);
  };

/** zod's `util.isPlainObject` (its namespace import would keep all of zod's utilities). */
function isPlainObject(o: unknown): o is object {
  if (typeof o !== 'object' || o === null || isArray(o)) return false;
  const ctor = (o as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const prototype = (ctor as { prototype?: unknown }).prototype;
  if (typeof prototype !== 'object' || prototype === null || isArray(prototype)) return false;
  return Object.prototype.hasOwnProperty.call(prototype, 'isPrototypeOf');
}

/** The own enumerable keys zod's records read (`__proto__` never). */
const keysOf = (v: object) =>
  Reflect.ownKeys(v).filter((k) => k !== '__proto__' && Object.prototype.propertyIsEnumerable.call(v, k));

/**
 * zod's `z.record(key, value)` for a key schema that lists no values: a plain object, each own
 * enumerable key checked (`invalid_key` when it fails), each value's issues under its key.
 */
export const record =
  (key: Kind, value: Kind): Kind =>
  (v, out) => {
    if (!isPlainObject(v)) return void out.push(type('record', v));
    for (const k of keysOf(v)) {
      const issues = issuesOf(key, k);
      if (issues.length) out.push({ code: 'invalid_key', origin: 'record', issues, path: [k] });
      else under(k, issuesOf(value, (v as Record<PropertyKey, unknown>)[k]), out);
    }
  };

/**
 * zod's `z.json()`: a string, finite number, boolean, null, or an array or plain-object record of
 * those. A value that is none fails every option of zod's union, whatever lies deeper inside it:
 * one `invalid_union` here.
 */
export const json: Kind = (v, out) => {
  if (!isJson(v)) out.push({ code: 'invalid_union', errors: [] });
};

function isJson(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isJson(v[i])) return false;
    return true;
  }
  if (!isPlainObject(v)) return false;
  return keysOf(v).every((k) => typeof k === 'string' && isJson((v as Record<string, unknown>)[k]));
}

/**
 * zod's `z.strictObject(shape)` of kinds, those named in `optional` under `z.optional`: each
 * field's issues under its key (an optional one unread when undefined; a required one absent and
 * passing `nonoptional`), then the keys `for…in` finds outside the shape as one
 * `unrecognized_keys` issue, which lets the checks after it run.
 */
export const strict =
  (shape: Readonly<Record<string, Kind>>, optional: readonly string[] = []): Kind =>
  (v, out) => {
    if (typeof v !== 'object' || v === null || isArray(v)) return void out.push(type('object', v));
    const input = v as Record<string, unknown>;
    for (const [key, kind] of Object.entries(shape)) {
      if (optional.includes(key) && input[key] === undefined) continue;
      const issues = issuesOf(kind, input[key]);
      if (issues.length) under(key, issues, out);
      else if (!(key in input))
        out.push({ code: 'invalid_type', expected: 'nonoptional', input: undefined, path: [key] });
    }
    const keys: string[] = [];
    for (const key in input) if (!Object.hasOwn(shape, key)) keys.push(key);
    if (keys.length) out.push({ code: 'unrecognized_keys', keys, continue: true });
  };

/**
 * zod's `z.union(options, { error })`: the value passes when one option takes it; when exactly
 * one option failed only on checks that let the others run, its issues are the union's;
 * otherwise one `invalid_union` issue.
 */
export const anyOf =
  (options: readonly Kind[], error?: string): Kind =>
  (v, out) => {
    const results = options.map((option) => issuesOf(option, v));
    if (results.some((issues) => issues.length === 0)) return;
    const open = results.filter((issues) => !stops(issues, 0));
    if (open.length === 1) out.push(...open[0]!);
    else out.push({ code: 'invalid_union', errors: results, message: error });
  };
