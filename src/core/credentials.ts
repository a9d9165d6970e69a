/**
 * Reading the bearer credential of a request (RFC 6750 §2, SPEC §8 "400 invalid_request").
 *
 * The outcome is one of four kinds, which the pipeline maps onto the contract:
 * `none` and `other-scheme` → 401 `missing_token`, `malformed` → 400 `invalid_request`,
 * `bearer` → go on and parse the token. Nothing here throws on request data, allocates more
 * than the result (and a six-letter scheme's lower-case copy), or uses a regular expression that
 * could backtrack: every check is one left-to-right pass over the field value with a lookup table.
 */
import { freeze, isArray } from './builtins.ts';

/**
 * Request headers as keycard accepts them: a Web `Headers`, or a plain object whose values may
 * be arrays (Node's `rawHeaders` give every field line separately; `IncomingMessage.headers`
 * silently keeps only the first `Authorization`, so Node adapters build this from `rawHeaders`).
 */
export type HeaderInput = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * What a request presented. `credential` of a `bearer` result is secret: never log it.
 *
 * - `none`: no `Authorization` field and no query token → 401 `missing_token`.
 * - `other-scheme`: one well-formed field with a scheme other than Bearer → 401 `missing_token`
 *   (or handed on, with `onForeignToken: 'next'`).
 * - `malformed`: → 400 `invalid_request`.
 * - `bearer`: exactly one RFC 6750 b64token; `fromQuery` when it came from `access_token`
 *   (the response then adds `Cache-Control: private`).
 */
export type CredentialResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'other-scheme' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'bearer'; readonly credential: string; readonly fromQuery: boolean };

/** Limits applied while reading a credential. */
export interface CredentialOptions {
  /**
   * Longest accepted bearer credential, in bytes (a b64token is ASCII, so characters). Counts
   * the credential only, not the scheme or the spaces before it, so `Bearer ` plus exactly this
   * many characters passes and one more is 400. Another scheme's credentials are never
   * measured: they are not keycard's (Negotiate tickets run to kilobytes), and the server's own
   * header limit bounds them (Node answers 431, outside the contract).
   * @default 1024 ({@link DEFAULT_MAX_CREDENTIAL_BYTES}, applied by the caller)
   */
  readonly maxCredentialBytes: number;
}

/** The default of {@link CredentialOptions.maxCredentialBytes} (SPEC §8). */
export const DEFAULT_MAX_CREDENTIAL_BYTES = 1024;

const NONE: CredentialResult = freeze({ kind: 'none' });
const OTHER_SCHEME: CredentialResult = freeze({ kind: 'other-scheme' });
const MALFORMED: CredentialResult = freeze({ kind: 'malformed' });
const NO_VALUES: readonly string[] = freeze([]);

// Character classes for code units below 128; everything above is in neither.
// TCHAR: RFC 9110 §5.6.2 `tchar` (the auth-scheme is a `token`).
// B64: RFC 6750 §2.1 `b64token` body `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`
// (the trailing `*"="` is handled separately).
const TCHAR = 1;
const B64 = 2;
const CLASS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") CLASS[c.charCodeAt(0)]! |= TCHAR;
for (const c of '-._~+/') CLASS[c.charCodeAt(0)]! |= B64;
for (let c = 0x30; c <= 0x39; c++) CLASS[c]! |= TCHAR | B64;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c]! |= TCHAR | B64;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c]! |= TCHAR | B64;

const SP = 0x20;
const HTAB = 0x09;
const EQUALS = 0x3d;
const COMMA = 0x2c;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether the code unit belongs to the class. Code units ≥ 128 (and NaN, past a value's end) never
 * do: a typed array read out of range is `undefined`, which `&` makes 0.
 */
function is(cls: number, c: number): boolean {
  return (CLASS[c]! & cls) > 0;
}

/**
 * Whether `value[start, end)` is one b64token (`1*b64char *"="`, RFC 6750 §2.1). One pass, no
 * backtracking: the alphabet run, then the padding run, then nothing.
 */
export function isB64Token(value: string, start = 0, end = value.length): boolean {
  let i = start;
  while (i < end && is(B64, value.charCodeAt(i))) i++;
  if (i === start) return false;
  while (i < end && value.charCodeAt(i) === EQUALS) i++;
  return i === end;
}

/**
 * All field lines of `Authorization`, found case-insensitively. With a Web `Headers`, repeated
 * fields arrive combined with ", " (Fetch "get"); that comma then reads as a credential list
 * (after Bearer) or a second `scheme credentials` (after another scheme), which is 400 just like
 * two separate lines, so both inputs give the same answer whenever each line carries
 * credentials; an empty or bare-scheme second line leaves an element that is no auth-param, which
 * is 400 too (see {@link readCredential}).
 *
 * Values that are neither strings nor arrays of strings (only possible from untyped callers)
 * are skipped.
 *
 * @example Node rawHeaders and a Web Request
 * ```ts
 * authorizationValues({ authorization: ['Bearer a', 'Bearer b'] }) // ['Bearer a', 'Bearer b']
 * authorizationValues(new Headers({ Authorization: 'Bearer a' }))  // ['Bearer a']
 * authorizationValues({ host: 'example.com' })                       // []
 * ```
 */
export function authorizationValues(headers: HeaderInput): readonly string[] {
  if (isWebHeaders(headers)) {
    const value = headers.get('authorization');
    return value === null ? NO_VALUES : [value];
  }
  let found: string[] | undefined;
  for (const key in headers) {
    // 13 = 'authorization'.length; the length test spares a lowercase copy of every other name.
    if (key.length !== 13 || !Object.hasOwn(headers, key)) continue;
    if (key !== 'authorization' && key.toLowerCase() !== 'authorization') continue;
    const value: unknown = headers[key];
    if (typeof value === 'string') (found ??= []).push(value);
    else if (isArray(value)) {
      for (const item of value as readonly unknown[]) if (typeof item === 'string') (found ??= []).push(item);
    }
  }
  return found ?? NO_VALUES;
}

/**
 * The value of the only `Authorization` field line, or `undefined` when there is none, more than
 * one, or one that is not a string: {@link authorizationValues} with no array to allocate, for
 * the pipeline's one-pass read of its own tokens (anything else goes to {@link readCredential}).
 */
export function soleAuthorization(headers: HeaderInput): string | undefined {
  if (isWebHeaders(headers)) return headers.get('authorization') ?? undefined;
  let found: string | undefined;
  let count = 0;
  for (const key in headers) {
    if (key.length !== 13 || !Object.hasOwn(headers, key)) continue;
    if (key !== 'authorization' && key.toLowerCase() !== 'authorization') continue;
    const value: unknown = headers[key];
    if (typeof value === 'string') {
      found = value;
      count++;
    } else if (isArray(value)) {
      for (const item of value as readonly unknown[]) {
        count++;
        if (typeof item === 'string') found = item;
        else return undefined;
      }
    } else if (value !== undefined) return undefined;
  }
  return count === 1 ? found : undefined;
}

function isWebHeaders(headers: HeaderInput): headers is Headers {
  // Duck-typed rather than `instanceof`, so a Headers of another realm or polyfill also works;
  // a plain record whose `get` field is a function is not something a framework produces.
  return (
    typeof (headers as { get?: unknown }).get === 'function' && typeof (headers as { has?: unknown }).has === 'function'
  );
}

/**
 * Decides what credential a request carries, from its `Authorization` field lines and, when the
 * integrator opted in, its `access_token` query values (`null` = query tokens not accepted).
 *
 * `malformed` (400) iff:
 * - a field value, once its leading and trailing OWS is dropped (RFC 9110 §5.5: OWS is not part
 *   of a field value), is not `auth-scheme [ 1*SP credentials ]` — empty, no token before the
 *   first space, or a scheme followed by anything but SP (`Basic,x`, `Bearer\tx`);
 * - it is Bearer without credentials;
 * - the credentials are not one b64token (`[A-Za-z0-9._~+/-]+=*`, RFC 6750 §2.1): so a comma
 *   list, a tab, a quote, a space inside or a non-ASCII character is malformed;
 * - more than one credential is present: two field lines (even identical, even of other
 *   schemes), a field plus a query token (RFC 6750 §2: clients MUST NOT use more than one
 *   method), or two `access_token` parameters;
 * - the bearer credential is longer than `maxCredentialBytes`.
 *
 * Scheme choice: the scheme is compared case-insensitively (RFC 9110 §11.1). For another scheme
 * only the scheme token and the SP after it are checked; what follows is that scheme's business,
 * so `Basic ###` is `other-scheme` (401), not 400. The full token68 / auth-param grammar is not
 * enforced because real schemes break it (AWS SigV4 sends `Credential=AKIA…/us-east-1/…`, and
 * `/` is no tchar), and `onForeignToken: 'next'` must hand such fields on untouched. One
 * exception keeps adapters consistent: after a comma outside quoted-strings, anything but an
 * auth-param name followed by `=` is a second credential (that is what a Web `Headers` makes of
 * two field lines: `Basic x, Bearer y`, `Basic x, ` for an empty second line, `Basic x, Bearer`
 * for a bare scheme), so it is 400 exactly as the same two lines from Node's `rawHeaders` are.
 *
 * @example Reading a request
 * ```ts
 * const max = { maxCredentialBytes: 1024 };
 * readCredential(['Bearer abc.def'], null, max)      // { kind: 'bearer', credential: 'abc.def', fromQuery: false }
 * readCredential(['Basic dXNlcjpwYXNz'], null, max)  // { kind: 'other-scheme' }
 * readCredential(['Bearer a, b'], null, max)         // { kind: 'malformed' }
 * readCredential([], ['abc'], max)                   // { kind: 'bearer', credential: 'abc', fromQuery: true }
 * readCredential(['Bearer abc'], ['abc'], max)       // { kind: 'malformed' }
 * ```
 */
export function readCredential(
  authorization: readonly string[],
  queryTokens: readonly string[] | null,
  options: CredentialOptions,
): CredentialResult {
  const fields = authorization.length;
  const queries = queryTokens === null ? 0 : queryTokens.length;
  if (fields + queries === 0) return NONE;
  if (fields + queries > 1) return MALFORMED;
  const max = options.maxCredentialBytes;
  if (fields === 1) return readField(authorization[0], max);
  const token: unknown = queryTokens![0];
  if (typeof token !== 'string' || token.length > max || !isB64Token(token, 0, token.length)) return MALFORMED;
  return { kind: 'bearer', credential: token, fromQuery: true };
}

function readField(value: unknown, max: number): CredentialResult {
  if (typeof value !== 'string') return MALFORMED;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  // auth-scheme = token = 1*tchar
  let i = start;
  while (i < end && is(TCHAR, value.charCodeAt(i))) i++;
  if (i === start) return MALFORMED; // empty value, or it starts with a non-tchar
  const bearer = isBearer(value, start, i);
  if (i === end) return bearer ? MALFORMED : OTHER_SCHEME; // a scheme alone
  if (value.charCodeAt(i) !== SP) return MALFORMED; // `1*SP` is the only separator
  if (!bearer) return hasSecondCredential(value, i, end) ? MALFORMED : OTHER_SCHEME;
  while (value.charCodeAt(i) === SP) i++; // stops before `end`: value[end - 1] is not OWS
  if (end - i > max || !isB64Token(value, i, end)) return MALFORMED;
  return { kind: 'bearer', credential: value.slice(i, end), fromQuery: false };
}

/**
 * Whether a foreign field's credentials hold, after a comma outside any quoted-string, anything
 * but an auth-param (`name BWS "="`): another `auth-scheme 1*SP credentials`, a bare scheme, a
 * token68 or nothing at all. That is what a Web `Headers` makes of two field lines (`Basic x,
 * Bearer y`, `Basic x, ` for an empty second line, `Basic x, Bearer` for a bare one), and the
 * same lines from Node's `rawHeaders` are a 400, so this is one too (SPEC §8: more than one
 * `Authorization` field). An auth-param (`, realm="x"`, `, SignedHeaders=a;b`, also with BWS:
 * `, a = 1`) has `=` and a value (a token or quoted-string) after its name, so it never matches;
 * `, Bearer=` and `, Bearer==` (a second line's malformed credential) do, and so does a
 * quoted-string left open, whose comma is a second line's (`Basic x="y` then `Bearer z`). A
 * quoted-string opens only after an auth-param's `=`, one with a name before it: elsewhere a
 * quote is a character, so `Basic "a` then `b"` (joined `Basic "a, b"`) and `Basic ="` then `"`
 * (joined `Basic =", "`) are two lines, as on Node. One
 * pass: each comma's look-ahead stops at the value's first character, before the next comma.
 */
function hasSecondCredential(value: string, start: number, end: number): boolean {
  let quoted = false;
  let prev = 0; // the last character outside quoted-strings that is not OWS
  for (let j = start; j < end; j++) {
    const c = value.charCodeAt(j);
    if (quoted) {
      if (c === BACKSLASH)
        j++; // quoted-pair (RFC 9110 §5.6.4)
      else if (c === DQUOTE) quoted = false;
      continue;
    }
    // A quoted-string is only ever an auth-param's value: a quote anywhere else is a character,
    // so a quote that two joined lines close around their comma hides nothing. An `=` with no
    // name before it (`Basic ="`, `x=="`) is no auth-param's: `prev` forgets it.
    if (c === DQUOTE && prev === EQUALS) quoted = true;
    if (!isOws(c)) prev = c === EQUALS && !is(TCHAR, prev) ? 0 : c;
    if (c !== COMMA) continue;
    let k = j + 1;
    while (k < end && isOws(value.charCodeAt(k))) k++;
    const name = k;
    while (k < end && is(TCHAR, value.charCodeAt(k))) k++;
    if (k === name) return true; // an empty element, or one that starts with no name
    while (k < end && isOws(value.charCodeAt(k))) k++;
    // A bare name, or `scheme credentials` (past `end` is OWS or nothing: no `=`).
    if (value.charCodeAt(k) !== EQUALS) return true;
    do k++;
    while (isOws(value.charCodeAt(k)));
    // An auth-param has a value, a token or a quoted-string; `Bearer=` or `Bearer==` (a second
    // line's malformed credential) has none, nor has a name at the end.
    const v = value.charCodeAt(k);
    if (v !== DQUOTE && !is(TCHAR, v)) return true;
  }
  return quoted; // a quoted-string left open holds the comma of a second line (`Basic x="y`, then ``)
}

function isOws(c: number): boolean {
  return c === SP || c === HTAB;
}

/** Case-insensitive `bearer` over tchar input (ASCII: `toLowerCase` folds only letters). */
function isBearer(value: string, start: number, end: number): boolean {
  return end - start === 6 && value.slice(start, end).toLowerCase() === 'bearer';
}

/**
 * The `access_token` values of a URL's query (RFC 6750 §2.3), decoded as
 * `application/x-www-form-urlencoded` (WHATWG URLSearchParams): `%2B` is `+`, a raw `+` is a
 * space (and then no b64token, so 400). Accepts an absolute URL or an origin-relative target
 * (`/path?x=1`, as Node's `req.url` gives it); the fragment is ignored. Only call it when the
 * integrator opted in: a query token ends up in access logs and browser history.
 *
 * @example Opted-in query tokens
 * ```ts
 * queryTokens('/tickets?access_token=abc%2Bdef') // ['abc+def']
 * queryTokens('https://api.example.com/tickets') // []
 * ```
 */
export function queryTokens(url: string): readonly string[] {
  const q = url.indexOf('?');
  if (q === -1) return NO_VALUES;
  let hash = url.indexOf('#');
  if (hash !== -1 && hash < q) return NO_VALUES; // that `?` is inside the fragment
  if (hash === -1) hash = url.length;
  const query = url.slice(q + 1, hash);
  // The parameter name may itself be percent-encoded (`access%5Ftoken`), so only a query with
  // neither the plain name nor any `%` can be skipped without parsing.
  if (!query.includes('access_token') && !query.includes('%')) return NO_VALUES;
  const values = new URLSearchParams(query).getAll('access_token');
  return values.length === 0 ? NO_VALUES : values;
}
