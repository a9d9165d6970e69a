/**
 * The one formatter from a zod failure to `KeycardError('invalid_config')`: every bad field is
 * named, in one message style (`where: field: problem; field: problem`), so a misspelled
 * security option is as loud as a missing one.
 */
import type * as z from 'zod/mini';
import type { KeycardError } from './errors.ts';
import { invalidConfig } from './errors.ts';
import { isSecureUrl, isUrl } from './url.ts';
import { excerpt } from './redact.ts';
import { integer, refine, schema, text, type Kind } from './kinds.ts';
import { freeze, isArray } from './builtins.ts';

/** An integer from `min` to `max`, one message for every way to miss it ("must be an integer from 1 to 500"). */
export function intFrom(min: number, max: number) {
  return schema<number>(integer(min, max, `must be an integer from ${min} to ${max}`));
}

/**
 * A URL option (`z.url()`'s message, "Invalid URL"), with `http` an absolute `http:`/`https:` one.
 * Unlike `z.url()` it does not trim or strip: a URL that reaches a header or a redirect as
 * configured must hold no whitespace or control character at all.
 */
export function urlText(http = false) {
  return schema<string>(url(http));
}

/** {@link urlText}'s kind. */
export const url = (http = false): Kind => refine(text(), (s: string) => isUrl(s, http), 'Invalid URL');

/** A URL option that must be https, or http on loopback (`isSecureUrl`). */
export function secureUrlText() {
  return schema<string>(secureUrl());
}

/** {@link secureUrlText}'s kind. */
export const secureUrl = (): Kind => refine(text(), isSecureUrl, 'must be an https URL (http only on loopback)');

type Issue = z.core.$ZodRawIssue & Record<string, unknown>;

/** `typeof`, with zod's refinements (`nan`, `null`, `array`, a class name); as zod's locale says it. */
function typeName(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : Number.isFinite(value) ? 'number' : String(value);
  if (typeof value !== 'object') return typeof value;
  if (value === null) return 'null';
  if (isArray(value)) return 'array';
  const ctor = 'constructor' in value ? (value as { constructor?: { name?: unknown } }).constructor : undefined;
  return Object.getPrototypeOf(value) !== Object.prototype && ctor ? String(ctor.name) : 'object';
}

const quoted = (v: unknown) => (typeof v === 'string' ? `"${v}"` : typeof v === 'bigint' ? `${v}n` : `${String(v)}`);
const UNITS: Record<string, string> = { string: 'characters', array: 'items' };
const FORMATS: Record<string, string> = { url: 'URL', datetime: 'ISO datetime' };

/**
 * zod's English message for an issue keycard's schemas can raise, word for word as zod's `en`
 * locale gives it (`Too big: expected number to be <=60000`): the locale itself weighs 2.7 KB
 * minified in every edge bundle, for the twenty languages' worth of cases keycard never hits.
 * `test/config.test.ts` holds the two to the same text.
 */
export function issueMessage(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'nan' ? 'NaN' : String(issue.expected);
      return `Invalid input: expected ${expected}, received ${typeName(issue.input)}`;
    }
    case 'invalid_value': {
      const values = issue.values as unknown[];
      return values.length === 1
        ? `Invalid input: expected ${quoted(values[0])}`
        : `Invalid option: expected one of ${values.map(quoted).join('|')}`;
    }
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const sign = issue.exact ? 'exactly ' : issue.inclusive ? (big ? '<=' : '>=') : big ? '<' : '>';
      const origin = (issue.origin as string | undefined) ?? (big ? 'value' : undefined);
      const bound = String(big ? issue.maximum : issue.minimum);
      const unit = UNITS[String(issue.origin)];
      const how = unit ? `to have ${sign}${bound} ${unit}` : `to be ${sign}${bound}`;
      return `Too ${big ? 'big' : 'small'}: expected ${origin} ${how}`;
    }
    case 'invalid_format':
      return issue.format === 'regex'
        ? `Invalid string: must match pattern ${String(issue.pattern)}`
        : `Invalid ${FORMATS[String(issue.format)] ?? String(issue.format)}`;
    case 'unrecognized_keys': {
      const keys = issue.keys as string[];
      return `Unrecognized key${keys.length > 1 ? 's' : ''}: ${keys.map(quoted).join(', ')}`;
    }
    case 'invalid_key':
      return `Invalid key in ${String(issue.origin)}`;
    case 'invalid_element':
      return `Invalid value in ${String(issue.origin)}`;
    case 'invalid_union':
      return issue.inclusive === false ? 'Invalid input: more than one option matched' : 'Invalid input';
    default:
      return 'Invalid input';
  }
}

/**
 * Parse parameters for every keycard schema: zod's English messages, whatever locale or
 * `customError` the application sets with `z.config()` (`zod/mini` loads no locale of its own).
 */
export const english: z.core.ParseContext<z.core.$ZodIssue> = freeze({
  error: (issue: z.core.$ZodRawIssue) => issueMessage(issue as Issue),
});

/**
 * An unknown key as the caller spelled it, masked, then cut at 64 characters: the key is theirs,
 * the message is ours (cut first, a pasted token would lose only its checksum and stay readable).
 */
const keyText = (key: string) => excerpt(key, 64);

/**
 * Formats every issue of a failed options parse; `where` names the function that was called.
 * The message quotes no value, only field names and the schema's own wording.
 *
 * @example
 * ```ts
 * const parsed = schema.safeParse(options, english);
 * if (!parsed.success) throw configError('redisLimiter', parsed.error);
 * // redisLimiter: timeoutMs: must be an integer from 1 to 60000; clock: unknown option
 * ```
 */
export function configError(where: string, error: z.core.$ZodError): KeycardError {
  const parts = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const keys =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => (path ? `${path}.${keyText(k)}` : keyText(k))) : null;
    if (keys) return `${keys.join(', ')}: unknown option${keys.length > 1 ? 's' : ''}`;
    return `${path || '(options)'}: ${issue.message}`;
  });
  return invalidConfig(`${where}: ${parts.join('; ')}`);
}
