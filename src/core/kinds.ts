/**
 * zod's number, string, boolean, enum, nullable, array and union types, and its refinements, as
 * plain functions ("kinds") that push the issues zod's own types push: the same codes, bounds,
 * origins, paths and order, and the same checks still run after a failure. `english`
 * (src/core/config.ts) or a custom error words them as before. {@link schema} makes a kind a zod
 * schema: zod's `unknown` type with one check, inside zod's objects and optionals.
 *
 * Why: each of zod's types weighs 0.1 to 0.9 KB gzip in every edge bundle that builds one, and
 * createKeycard's options, its calls' arguments and the stores' options built nine of them: 2.5 KB
 * gzip of a Worker that only verifies tokens (test/bundle-size.test.ts). `kinds.test.ts` holds each
 * kind to the zod schema it stands for, over random values.
 */
import * as z from 'zod/mini';

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

/** The zod schema of `kind`, typed as its output `T`: zod's `unknown` with one check. */
export const schema = <T = unknown>(kind: Kind): z.ZodMiniType<T, T> =>
  z.unknown().check(z.check((payload) => kind(payload.value, payload.issues as Issue[]))) as never;

/** zod's `aborted`: an issue without `continue: true` (since `from`) skips every unguarded check after it. */
const stops = (issues: Issue[], from: number) => issues.slice(from).some((issue) => issue.continue !== true);

const type = (expected: string, input: unknown, message?: string): Issue => ({
  code: 'invalid_type',
  expected,
  input,
  message,
});

/** zod's `.check(z.refine(test, message))` after `kind`: skipped once an issue stops the checks. */
export const refine =
  <T>(kind: Kind, test: (value: T) => boolean, message: string): Kind =>
  (v, out) => {
    const from = out.length;
    kind(v, out);
    if (!stops(out, from) && !test(v as T)) out.push({ code: 'custom', message, continue: true });
  };

/** zod's `z.custom(test, { error: message })`, whose issue stops the checks after it. */
export const is =
  (test: (value: unknown) => boolean, message: string): Kind =>
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

/**
 * zod's `z.number({ error }).check(z.int(), z.minimum(min), z.maximum(max, { error: maxError }))`:
 * a finite number, an integer, then the safe range (`int`) and the bounds, each check that fails
 * one issue; `error` words them all, `maxError` the maximum's.
 */
export const integer =
  (min: number, max = Infinity, error?: string, maxError = error): Kind =>
  (v, out) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return void out.push(type('number', v, error));
    if (!Number.isInteger(v)) return void out.push({ ...type('int', v, error), continue: false });
    const bound = (code: string, origin: string, limit: number, message?: string) =>
      out.push({
        code,
        origin,
        [code === 'too_big' ? 'maximum' : 'minimum']: limit,
        inclusive: true,
        message,
        continue: true,
      });
    if (v > Number.MAX_SAFE_INTEGER) bound('too_big', 'int', Number.MAX_SAFE_INTEGER, error);
    if (v < Number.MIN_SAFE_INTEGER) bound('too_small', 'int', Number.MIN_SAFE_INTEGER, error);
    if (v < min) bound('too_small', 'number', min, error);
    if (v > max) bound('too_big', 'number', max, maxError);
  };

/**
 * zod's length checks (`z.minLength`, `z.maxLength`): they run on anything with a `length`, even
 * after a type issue, and count a string's code points.
 */
function length(v: unknown, out: Issue[], from: number, min?: number, max?: number, message?: string): void {
  if (v == null || (v as { length?: unknown }).length === undefined) return;
  const units = (v as { length: number }).length;
  const n = (over: boolean) => (typeof v === 'string' && over ? [...v].length : units);
  const origin = Array.isArray(v) ? 'array' : typeof v === 'string' ? 'string' : 'unknown';
  // zod's `when` skips a length check only after an issue that says `continue: false`.
  if (out.slice(from).some((issue) => issue.continue === false)) return;
  if (min !== undefined && !(n(units < min * 2) >= min))
    out.push({ code: 'too_small', origin, minimum: min, inclusive: true, message, continue: true });
  if (max !== undefined && !(n(units > max) <= max))
    out.push({ code: 'too_big', origin, maximum: max, inclusive: true, message, continue: true });
}

/** What {@link text} checks, in zod's order: the lengths, then the pattern. */
export interface TextRules {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  /** The message of every issue (zod's `z.string({ error })`). */
  readonly error?: string;
  /** The pattern's own message (`z.regex(pattern, message)`). */
  readonly patternError?: string;
}

/** zod's `z.string({ error }).check(z.minLength(min), z.maxLength(max), z.regex(pattern))`. */
export const text =
  (rules: TextRules = {}): Kind =>
  (v, out) => {
    const { min, max, pattern, error } = rules;
    const from = out.length;
    if (typeof v !== 'string') out.push(type('string', v, error));
    length(v, out, from, min, max, error);
    if (pattern === undefined || stops(out, from)) return;
    pattern.lastIndex = 0;
    if (!pattern.test(v as string))
      out.push({
        code: 'invalid_format',
        origin: 'string',
        format: 'regex',
        pattern: String(pattern),
        message: rules.patternError ?? error,
        continue: true,
      });
  };

/**
 * zod's `z.array(element, { error }).check(z.minLength(min, minError))`: each element's issues
 * under its index (the array's `error` never words them).
 */
export const list =
  (element: Kind, error?: string, min?: number, minError = error): Kind =>
  (v, out) => {
    const from = out.length;
    if (!Array.isArray(v)) out.push(type('array', v, error));
    else
      for (let i = 0; i < v.length; i++) {
        const issues: Issue[] = [];
        element(v[i], issues);
        for (const issue of issues) out.push({ ...issue, path: [i, ...(issue.path ?? [])] });
      }
    length(v, out, from, min, undefined, minError);
  };

/**
 * zod's `z.union(options, { error })`: the value passes when one option takes it; when exactly
 * one option failed only on checks that let the others run, its issues are the union's;
 * otherwise one `invalid_union` issue.
 */
export const anyOf =
  (options: readonly Kind[], error?: string): Kind =>
  (v, out) => {
    const results = options.map((option) => {
      const issues: Issue[] = [];
      option(v, issues);
      return issues;
    });
    if (results.some((issues) => issues.length === 0)) return;
    const open = results.filter((issues) => !stops(issues, 0));
    if (open.length === 1) out.push(...open[0]!);
    else out.push({ code: 'invalid_union', errors: results, message: error });
  };
