/**
 * The one formatter from a zod failure to `KeycardError('invalid_config')`: every bad field is
 * named, in one message style (`where: field: problem; field: problem`), so a misspelled
 * security option is as loud as a missing one.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { KeycardError } from './errors.ts';

/**
 * Parse parameters for every keycard schema: zod's English messages (`Too big: expected number
 * to be <=60000`). `zod/mini` loads no locale (classic `zod` loaded English on first use), and
 * passing it per parse keeps keycard's messages the same whatever locale the application sets.
 */
/** An integer from `min` to `max`, one message for every way to miss it ("must be an integer from 1 to 500"). */
export function intFrom(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).check(z.int({ error }), z.minimum(min, { error }), z.maximum(max, { error }));
}

export const english: z.core.ParseContext<z.core.$ZodIssue> = { error: en().localeError };

/** Formats every issue of a failed options parse; `where` names the function that was called. */
export function configError(where: string, error: z.core.$ZodError): KeycardError {
  const parts = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => (path ? `${path}.${k}` : k)) : null;
    if (keys) return `${keys.join(', ')}: unknown option${keys.length > 1 ? 's' : ''}`;
    return `${path || '(options)'}: ${issue.message}`;
  });
  return new KeycardError('invalid_config', `${where}: ${parts.join('; ')}`);
}
