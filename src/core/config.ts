/**
 * The one formatter from a zod failure to `KeycardError('invalid_config')`: every bad field is
 * named, in one message style (`where: field: problem; field: problem`), so a misspelled
 * security option is as loud as a missing one.
 */
import type * as z from 'zod';
import { KeycardError } from './errors.ts';

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
