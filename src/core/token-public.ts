/**
 * The token functions as `keycard` and `keycard/store-kit` export them: the arguments checked,
 * every wrong one named in a KeycardError (`invalid_argument`), where a format left out or given
 * as its prefix alone was a TypeError from inside them, and `scannerPattern()` made a pattern for
 * the prefix "undefined". keycard's own calls, whose formats createKeycard checked, go to
 * src/core/token.ts directly: the request path pays nothing for these checks.
 */
import { checkArguments, type ArgumentCheck } from './arguments-check.ts';
import * as token from './token.ts';
import type { ParsedToken, TokenFormat } from './token.ts';

const PREFIX = 'a string matching [a-z][a-z0-9]{1,15}';
const TYPE = 'a string matching [a-z][a-z0-9]{0,7}';
const prefixOk = (p: unknown) => typeof p === 'string' && token.PREFIX_RE.test(p);
const typeOk = (t: unknown) => typeof t === 'string' && token.TYPE_RE.test(t);
const base62 = (text: unknown, length: number) =>
  typeof text === 'string' && /^[0-9A-Za-z]*$/.test(text) && text.length === length;

const FORMAT = 'a token format such as { prefix: "acme" }';

/**
 * The request-shaped functions' check of a format: a string prefix and type, the rest of the
 * format they judge as they judge the token (a prefix no token can have matches none).
 */
const formatCheck = (format: unknown): ArgumentCheck => {
  const f = format as Partial<TokenFormat> | null | undefined;
  return ['tokenFormat', typeof f?.prefix === 'string' && typeof (f.type ?? '') === 'string', FORMAT, format];
};

/** A token format's checks for the functions that make tokens: the format, then its prefix and type when it is an object. */
function formatChecks(format: unknown): ArgumentCheck[] {
  const f = format as { prefix?: unknown; type?: unknown } | null;
  const o = typeof f === 'object' && f !== null;
  const type = f?.type ?? 'sk';
  return [
    ['tokenFormat', o, FORMAT, format],
    ['tokenFormat.prefix', !o || prefixOk(f.prefix), PREFIX, f?.prefix],
    ['tokenFormat.type', !o || typeOk(type), TYPE, type],
  ];
}

/**
 * {@link token.parseToken}: `undefined` for anything that is not a token of `tokenFormat`.
 *
 * @throws KeycardError `invalid_argument` when `tokenFormat` is not a token format (`fields` names
 *   `tokenFormat`, `tokenFormat.prefix` or `tokenFormat.type`); never for `input`
 * @example Refusing a typo without a lookup
 * ```ts
 * parseToken(header.slice(7), { prefix: 'acme' }) ?? deny('invalid_token');
 * ```
 */
export function parseToken(input: string, tokenFormat: TokenFormat): ParsedToken | undefined {
  checkArguments('parseToken', formatCheck(tokenFormat));
  return token.parseToken(input, tokenFormat);
}

/**
 * {@link token.validateToken}: false for anything that is not a token of `tokenFormat`.
 *
 * @throws KeycardError `invalid_argument` when `tokenFormat` is not a token format; never for `candidate`
 * @example Confirming a scanner hit
 * ```ts
 * for (const m of text.matchAll(new RegExp(scannerPattern('acme'), 'g'))) if (validateToken(m[0], { prefix: 'acme' })) report(m.index);
 * ```
 */
export function validateToken(candidate: string, tokenFormat: TokenFormat): boolean {
  checkArguments('validateToken', formatCheck(tokenFormat));
  return token.validateToken(candidate, tokenFormat);
}

/**
 * {@link token.scannerPattern}.
 *
 * @throws KeycardError `invalid_argument` naming `prefix` or `type` when it is not a string of its pattern
 * @example A gitleaks rule
 * ```ts
 * scannerPattern('acme') // '\\bacme_sk_[0-9A-Za-z]{39}\\b'
 * ```
 */
export function scannerPattern(prefix: string, type = 'sk'): string {
  checkArguments('scannerPattern', ['prefix', prefixOk(prefix), PREFIX, prefix], ['type', typeOk(type), TYPE, type]);
  return token.scannerPattern(prefix, type);
}

/**
 * {@link token.generateToken}, for keycard/store-kit.
 *
 * @throws KeycardError `invalid_argument` when `tokenFormat` is not a token format
 */
export function generateToken(tokenFormat: TokenFormat): string {
  checkArguments('generateToken', ...formatChecks(tokenFormat));
  return token.generateToken(tokenFormat);
}

/**
 * {@link token.formatToken}, for keycard/store-kit.
 *
 * @throws KeycardError `invalid_argument` naming every wrong argument: the format, `body` (32
 *   base62 characters), `version` (one)
 */
export function formatToken(tokenFormat: TokenFormat, body: string, version: string = token.FORMAT_VERSION): string {
  checkArguments(
    'formatToken',
    ...formatChecks(tokenFormat),
    ['body', base62(body, token.BODY_LENGTH), `${token.BODY_LENGTH} base62 characters`, body],
    ['version', base62(version, 1), 'one base62 character', version],
  );
  return token.formatToken(tokenFormat, body, version);
}
