/**
 * The credentials file's text (SPEC §13): the dotenv lines `writeCredentials` writes, and their
 * reading back. A value is unquoted and drawn from a safe set, so a shell can `source` the file
 * and no line can smuggle in another. What we read back must be what we could have written:
 * anything else is a clear error naming the file and the variable, never quoting a value (a
 * value may be the token).
 */
import { KeycardError } from '../core/errors.ts';

/** The characters a value may hold, unquoted. */
export const DOTENV_VALUE = /^[A-Za-z0-9._~+/:=@%-]*$/;

/**
 * What a token must look like to be sent: one RFC 6750 §2.1 b64token (a keycard token is one, and
 * so is a JWT), at most 1,024 characters (the server's own bound). Anything else would make
 * `fetch` throw a TypeError (a CR, LF, NUL or a character past Latin-1 in a header) or send a
 * header the server refuses, far from the cause.
 */
export const isBearerToken = (value: string): boolean => value.length <= 1024 && /^[A-Za-z0-9._~+/-]+=*$/.test(value);

const FIX = 'log in again to rewrite it';

/**
 * The values of `<prefix>_<name>` variables in `bytes`, by name. Comments, blank lines and other
 * variables are skipped; `export`, surrounding quotes and CRLF endings are accepted, as people
 * write them by hand.
 *
 * @throws KeycardError `invalid_config` when the bytes are not UTF-8 text, or one of our variables
 *   holds a value `writeCredentials` could not have written.
 */
export function parseCredentialsText(bytes: Uint8Array, prefix: string, file: string): Map<string, string> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new KeycardError('invalid_config', `'${file}' is not a UTF-8 text file; ${FIX}`);
  }
  if (text.includes('\u0000')) throw new KeycardError('invalid_config', `'${file}' holds NUL bytes; ${FIX}`);
  const values = new Map<string, string>();
  const lineOf = new Map<string, number>();
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const m = /^\s*(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m || !m[1]!.startsWith(`${prefix}_`)) continue;
    const raw = m[2]!.trim();
    const value = /^(['"])(.*)\1$/.exec(raw)?.[2] ?? raw;
    if (!DOTENV_VALUE.test(value))
      throw new KeycardError(
        'invalid_config',
        `${m[1]} on line ${index + 1} of '${file}' is malformed (a space, a stray quote or a comment after the value?); ${FIX}`,
      );
    const first = lineOf.get(m[1]!);
    if (first !== undefined)
      throw new KeycardError(
        'invalid_config',
        `${m[1]} is set twice, on lines ${first} and ${index + 1} of '${file}' (tools disagree on which one counts); keep one line, or ${FIX}`,
      );
    lineOf.set(m[1]!, index + 1);
    values.set(m[1]!, value);
  }
  return values;
}
