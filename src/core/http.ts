/**
 * The single table of the HTTP contract (SPEC §8): request error code → status,
 * `WWW-Authenticate` challenge, headers and RFC 9457 problem body. Adapters never pick a status
 * or write a body themselves; they copy what {@link problem} returns, byte for byte.
 *
 * Everything here is pure and synchronous. The problems that do not depend on the request
 * (`missing_token`, `invalid_request`, `invalid_token`, `token_expired`, `token_revoked`,
 * `unavailable`) are built once per realm/type base and shared, because a flood of forged tokens
 * hits exactly those.
 */
import { invalidConfig, KeycardError, type RequestErrorCode } from './errors.ts';
import { detailText, retrySeconds } from './http-sanitize.ts';
import { isScopeToken } from './scope-token.ts';
import { parseUrl } from './url.ts';
import { REQUEST_PHRASES } from './status-phrases.ts';
import { freeze, isArray, stringify } from './builtins.ts';

/** How the problems of one deployment are dressed. Validated once, at construction. */
export interface ProblemOptions {
  /**
   * The `realm` of the Bearer challenge (RFC 6750 §3). It is written inside a quoted-string, so
   * it must be printable ASCII without `"` or `\` (see {@link validateRealm}).
   * @default 'api'
   */
  readonly realm?: string;
  /**
   * When set, `type` becomes `${typeBase}${code}` for every denial, so a client can follow the
   * link to the integrator's own documentation, and `title` becomes the status phrase (keycard
   * does not know the titles of the integrator's types). Must be an absolute URI (see
   * {@link validateTypeBase}), e.g. `https://docs.example.com/errors#`.
   * @default undefined — `about:blank`, and for 429 the IANA `quota-exceeded` type
   */
  readonly typeBase?: string;
  /**
   * RFC 9728 §5.1: the protected resource metadata URL, added as `resource_metadata="…"` to the
   * challenge of 401s that carried no credentials (`missing_token`), so an OAuth client (an MCP
   * client) can find the authorization server. Set it only when you serve that document.
   */
  readonly resourceMetadata?: string;
  /**
   * Where a person creates a token (the settings page). Added to `missing_token` answers as the
   * challenge's `error_description` and to the problem `detail`, for clients configured with a
   * static key, which would otherwise look for OAuth discovery and stop.
   */
  readonly settingsUrl?: string;
}

/**
 * What the pipeline knows about a denial. Only three codes carry data; the rest are constant.
 *
 * - `insufficient_scope`: the scopes that are missing (for `anyOf`, the cheapest alternative).
 *   Detail `Token missing scope: a, b`; challenge `scope="a b"`.
 * - `forbidden_resource`: the resource type and id that the token may not touch.
 *   Detail `Token not allowed for project p9`.
 * - `rate_limited`: whole seconds until admission (SPEC §5: rounded up, never 0).
 *   Detail `Rate limit exceeded; retry after 17 seconds`; header `Retry-After: 17`.
 */
export type ProblemDetail =
  | { readonly code: 'insufficient_scope'; readonly missing: readonly string[] }
  | { readonly code: 'forbidden_resource'; readonly type: string; readonly id: string }
  | { readonly code: 'rate_limited'; readonly retryAfterSeconds: number }
  | { readonly code: Exclude<RequestErrorCode, 'insufficient_scope' | 'forbidden_resource' | 'rate_limited'> };

/**
 * A denial, ready to send: status, headers and the exact body bytes (as a string; UTF-8 on the
 * wire). Every `Problem` is frozen, and the constant ones are shared between calls: to add a
 * header (`Cache-Control: private`, the `RateLimit` fields), copy first — `{ ...p.headers, … }`.
 */
export interface Problem {
  readonly status: number;
  readonly code: RequestErrorCode;
  /**
   * Canonically cased field names: `Content-Type`, `Cache-Control`, where due `WWW-Authenticate`
   * and `Retry-After`, then `X-Content-Type-Options: nosniff`.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** RFC 9457 JSON with members in the order `type`, `title`, `status`, `detail`, `code`. */
  readonly body: string;
}

/** The IANA-registered problem type for an exceeded quota (HTTP Problem Types registry). */
export const QUOTA_EXCEEDED_TYPE = 'https://iana.org/assignments/http-problem-types#quota-exceeded';
/** The registered title of {@link QUOTA_EXCEEDED_TYPE}; RFC 9457 §3.1.3: a non-blank type's title describes the type. */
export const QUOTA_EXCEEDED_TITLE = 'Request cannot be satisfied as assigned quota has been exceeded';
/** The media type of every denial body (RFC 9457 §3). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`) that reaches a
 * guard: `204 No Content` with no body and no header (SPEC §8). A preflight carries no
 * credentials, so it is never verified and never reaches the guarded handler; and it grants
 * nothing: without the `Access-Control-Allow-*` fields that only the app's own CORS layer adds
 * (mounted before the guard, it answers first), the browser refuses the cross-origin request.
 * Every adapter sends this same object, so they all answer a preflight alike.
 */
export const PREFLIGHT_ANSWER: {
  readonly status: 204;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: null;
} = freeze({
  status: 204,
  headers: freeze({}),
  body: null,
});

const DEFAULT_REALM = 'api';

type ConstantCode = Exclude<RequestErrorCode, 'insufficient_scope' | 'forbidden_resource' | 'rate_limited'>;

interface Row {
  readonly status: number;
  /** The `error` attribute of the challenge (RFC 6750 §3.1); `undefined` = no challenge at all. */
  readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  /** The `error_description` attribute, when the contract shows one. */
  readonly description?: string;
  /** Set when the response carries no Bearer challenge (SPEC §8: only 401/400 and the 403 for scope do). */
  readonly plain?: true;
}

// SPEC §8, in table order. A challenge without `error` is the bare `Bearer realm="api"` that
// RFC 6750 §3.1 prescribes when the request had no authentication information at all.
const ROWS: Readonly<Record<RequestErrorCode, Row>> = {
  missing_token: { status: 401 },
  invalid_request: { status: 400, error: 'invalid_request' },
  invalid_token: { status: 401, error: 'invalid_token' },
  token_expired: { status: 401, error: 'invalid_token', description: 'Token expired' },
  token_revoked: { status: 401, error: 'invalid_token', description: 'Token revoked' },
  insufficient_scope: { status: 403, error: 'insufficient_scope' },
  forbidden_resource: { status: 403, plain: true },
  rate_limited: { status: 429, plain: true },
  unavailable: { status: 503, plain: true },
};

const CONSTANT_DETAILS: Readonly<Record<ConstantCode, string>> = {
  missing_token: 'Missing bearer token',
  invalid_request: 'Malformed Authorization header',
  invalid_token: 'Invalid token',
  token_expired: 'Token expired',
  token_revoked: 'Token revoked',
  unavailable: 'Token service unavailable',
};

export const CONSTANT_CODES = Object.keys(CONSTANT_DETAILS) as ConstantCode[];

/**
 * The HTTP status of a request error code (SPEC §8). The only place a status is chosen.
 *
 * @example Mapping a code
 * ```ts
 * statusOf('insufficient_scope') // 403
 * statusOf('invalid_request')    // 400
 * ```
 */
export function statusOf(code: RequestErrorCode): number {
  const row = Object.hasOwn(ROWS, code) ? ROWS[code] : undefined;
  if (row === undefined) throw new KeycardError('invalid_argument', `Unknown request error code: ${String(code)}`);
  return row.status;
}

/**
 * Checks a realm for the Bearer challenge and returns it. The realm is written raw inside a
 * quoted-string, so it is restricted to printable ASCII (%x20–7E) without `"` and `\`: that
 * needs no escaping (RFC 9110 §5.6.4) and can never end the string or the header line early.
 * `createKeycard`'s options check calls it (core/options.ts), so a bad realm fails at start-up,
 * named with the other bad options, and not per request.
 *
 * @throws KeycardError `invalid_config` saying what is wrong (the caller names the field).
 * @example Validating configuration
 * ```ts
 * validateRealm('tickets-api') // 'tickets-api'
 * validateRealm('a"b')         // throws KeycardError('invalid_config')
 * ```
 */
export function validateRealm(realm: string): string {
  if (typeof realm !== 'string' || realm.length === 0 || realm.length > 256) {
    throw invalidConfig('must be a non-empty string of at most 256 characters');
  }
  for (let i = 0; i < realm.length; i++) {
    const c = realm.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
      throw invalidConfig('only printable ASCII without `"` or `\\` is allowed');
    }
  }
  return realm;
}

/**
 * Checks a problem type base URI and returns it. It must be an absolute URI (RFC 9457 §3.1.1:
 * relative types are resolved against the document, which confuses clients) without spaces or
 * control characters; `code` is appended as is, so end it with `/` or `#`.
 *
 * @throws KeycardError `invalid_config` saying what is wrong (the caller names the field).
 * @example Linking denials to your documentation
 * ```ts
 * validateTypeBase('https://docs.example.com/errors#') // ok
 * validateTypeBase('/errors/')                         // throws: not absolute
 * ```
 */
export function validateTypeBase(typeBase: string): string {
  if (typeof typeBase !== 'string' || !/^[\x21-\x7e]{1,2048}$/.test(typeBase)) {
    throw invalidConfig('must be an absolute URI of printable ASCII without spaces');
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(typeBase) || parseUrl(typeBase) === null) {
    throw invalidConfig('must be an absolute URI, e.g. https://docs.example.com/errors#');
  }
  return typeBase;
}

/** The problems of one realm/type base: the constant ones prebuilt, plus what the dynamic ones need. */
interface Table {
  readonly realmParam: string;
  readonly typeBase: string | undefined;
  readonly constant: Readonly<Record<ConstantCode, Problem>>;
}

function buildTable(
  realm: string,
  typeBase: string | undefined,
  resourceMetadata?: string,
  settingsUrl?: string,
): Table {
  const realmParam = `Bearer realm="${validateRealm(realm)}"`;
  if (typeBase !== undefined) validateTypeBase(typeBase);
  const constant = {} as Record<ConstantCode, Problem>;
  for (const code of CONSTANT_CODES) {
    constant[code] = build(
      code,
      CONSTANT_DETAILS[code],
      challengeOf(realmParam, ROWS[code], undefined),
      typeBase,
      undefined,
    );
  }
  if (resourceMetadata !== undefined || settingsUrl !== undefined) {
    let challenge = realmParam;
    let detail = CONSTANT_DETAILS.missing_token;
    if (settingsUrl !== undefined) {
      const url = validateHintUrl(settingsUrl, 'settingsUrl');
      challenge += `, error_description="Create a token at ${url}"`;
      detail += `; create one at ${url}`;
    }
    if (resourceMetadata !== undefined)
      challenge += `, resource_metadata="${validateHintUrl(resourceMetadata, 'resourceMetadata')}"`;
    constant.missing_token = build('missing_token', detail, challenge, typeBase, undefined);
  }
  return { realmParam, typeBase, constant };
}

/** An absolute http(s) URL that can sit inside a quoted-string of the challenge unescaped. */
function validateHintUrl(url: string, field: string): string {
  if (
    typeof url !== 'string' ||
    url.length > 2048 ||
    !/^https?:\/\/[\x21\x23-\x5b\x5d-\x7e]+$/.test(url) ||
    parseUrl(url) === null
  ) {
    throw invalidConfig(
      `${field}: must be an absolute http(s) URL of printable ASCII without spaces, quotes or backslashes`,
    );
  }
  return url;
}

function challengeOf(realmParam: string, row: Row, scope: string | undefined): string | undefined {
  if (row.plain) return undefined;
  let value = realmParam;
  if (row.error !== undefined) value += `, error="${row.error}"`;
  if (row.description !== undefined) value += `, error_description="${row.description}"`;
  if (scope !== undefined && scope.length > 0) value += `, scope="${scope}"`;
  return value;
}

function build(
  code: RequestErrorCode,
  detail: string,
  challenge: string | undefined,
  typeBase: string | undefined,
  retryAfter: string | undefined,
): Problem {
  const status = ROWS[code].status;
  let type = 'about:blank';
  let title = REQUEST_PHRASES[status] ?? 'Error';
  if (typeBase !== undefined) type = typeBase + code;
  else if (code === 'rate_limited') {
    type = QUOTA_EXCEEDED_TYPE;
    title = QUOTA_EXCEEDED_TITLE;
  }
  const headers: Record<string, string> = { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store' };
  if (challenge !== undefined) headers['WWW-Authenticate'] = challenge;
  if (retryAfter !== undefined) headers['Retry-After'] = retryAfter;
  // No browser may sniff the JSON into a script or a page (as src/core/answer.ts); refusals only.
  headers['X-Content-Type-Options'] = 'nosniff';
  // Insertion order is JSON order (ECMA-262 OrdinaryOwnPropertyKeys for string keys), and
  // JSON.stringify escapes every quote, backslash and control character of `detail`.
  const body = stringify({ type, title, status, detail, code });
  return freeze({ status, code, headers: freeze(headers), body });
}

const DEFAULT_TABLE = buildTable(DEFAULT_REALM, undefined);

// Realms and type bases come from configuration, so a handful of tables at most; the cap only
// stops a caller that builds options from request data from growing the map without bound.
const MAX_TABLES = 32;
const tables = new Map<string, Map<string | undefined, Table>>();
let tableCount = 0;

function tableFor(options: ProblemOptions | undefined): Table {
  if (options === undefined) return DEFAULT_TABLE;
  const realm = options.realm ?? DEFAULT_REALM;
  const { resourceMetadata, settingsUrl } = options;
  const typeBase = options.typeBase;
  const hints = resourceMetadata !== undefined || settingsUrl !== undefined;
  if (realm === DEFAULT_REALM && typeBase === undefined && !hints) return DEFAULT_TABLE;
  const key = hints ? `${realm}\u0000${resourceMetadata ?? ''}\u0000${settingsUrl ?? ''}` : realm;
  const byBase = tables.get(key);
  const hit = byBase?.get(typeBase);
  if (hit !== undefined) return hit;
  const table = buildTable(realm, typeBase, resourceMetadata, settingsUrl);
  if (tableCount < MAX_TABLES) {
    if (byBase === undefined) tables.set(key, new Map([[typeBase, table]]));
    else byBase.set(typeBase, table);
    tableCount++;
  }
  return table;
}

/**
 * Builds the denial for a request error: status, headers (`Content-Type: application/problem+json`,
 * `Cache-Control: no-store`, the Bearer challenge where SPEC §8 has one, `Retry-After` on 429,
 * `X-Content-Type-Options: nosniff`) and the RFC 9457 body with members in the order `type`,
 * `title`, `status`, `detail`, `code`.
 *
 * The six constant problems are prebuilt per realm/type base and returned as the same frozen
 * object every time (no allocation on the forged-token path); the three with data are built per
 * call and frozen too. Copy `headers` before adding to them.
 *
 * Values echoed from the request or the integrator are neutralised: `scope="…"` lists only the
 * missing names that are RFC 6749 scope-tokens of ≤ 128 characters, any other is left out, never
 * escaped or altered (RFC 6750 §3); in `detail`, control, line separator and bidi characters are
 * dropped and each value is cut at 128 characters.
 *
 * The `rate_limited` detail always says "seconds", also for 1: the text is a stable contract
 * that logs and tests match on, and `Retry-After` is the machine-readable value.
 *
 * The realm and type base are validated when first used ({@link validateRealm},
 * {@link validateTypeBase}); validate them at construction so that never happens per request.
 *
 * @throws KeycardError `invalid_config` for a bad realm or type base, `invalid_argument` for an
 * unknown code.
 * @example Answering a missing scope
 * ```ts
 * const p = problem({ code: 'insufficient_scope', missing: ['tickets:write'] });
 * p.status                       // 403
 * p.headers['WWW-Authenticate']  // 'Bearer realm="api", error="insufficient_scope", scope="tickets:write"'
 * p.body // '{"type":"about:blank","title":"Forbidden","status":403,"detail":"Token missing scope: tickets:write","code":"insufficient_scope"}'
 * return new Response(p.body, { status: p.status, headers: p.headers });
 * ```
 */
export function problem(detail: ProblemDetail, options?: ProblemOptions): Problem {
  const table = tableFor(options);
  switch (detail.code) {
    case 'insufficient_scope': {
      const missing = isArray(detail.missing) ? detail.missing : [];
      const names: string[] = [];
      const params: string[] = [];
      for (const name of missing) {
        const shown = detailText(name);
        if (shown.length > 0) names.push(shown);
        if (typeof name === 'string' && isScopeToken(name)) params.push(name); // RFC 6750 §3: else left out
      }
      const text = names.length > 0 ? `Token missing scope: ${names.join(', ')}` : 'Token missing scope';
      const challenge = challengeOf(table.realmParam, ROWS.insufficient_scope, params.join(' '));
      return build('insufficient_scope', text, challenge, table.typeBase, undefined);
    }
    case 'forbidden_resource': {
      const text = `Token not allowed for ${detailText(detail.type)} ${detailText(detail.id)}`;
      return build('forbidden_resource', text, undefined, table.typeBase, undefined);
    }
    case 'rate_limited': {
      const seconds = retrySeconds(detail.retryAfterSeconds);
      const text = `Rate limit exceeded; retry after ${seconds} seconds`;
      return build('rate_limited', text, undefined, table.typeBase, String(seconds));
    }
    default: {
      const code: unknown = detail.code;
      if (typeof code === 'string' && Object.hasOwn(table.constant, code)) return table.constant[code as ConstantCode];
      throw new KeycardError('invalid_argument', `Unknown request error code: ${String(code)}`);
    }
  }
}
