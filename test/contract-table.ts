/**
 * The HTTP contract of SPEC §8 as data: one row per denial, with the exact golden bytes.
 *
 * Written out by hand on purpose — not computed with `problem()` or `JSON.stringify` — so that a
 * change to `src/core/http.ts` that alters a status, a challenge, a member order or a detail
 * fails every suite that compares against this table. Every adapter test sends real requests
 * through its framework and checks the answer with {@link expectProblem}.
 *
 * Rows use the default realm `api`, no type base, and the SPEC's examples: scope
 * `tickets:write`, project `p9`, a retry after 17 seconds.
 */
import type { ExpectStatic } from 'vitest';
import type { RequestErrorCode } from '../src/core/errors.ts';

/** One row of the SPEC §8 table. */
export interface ContractRow {
  /** The case, in the words of SPEC §8. */
  readonly name: string;
  readonly code: RequestErrorCode;
  readonly status: number;
  /** The exact `WWW-Authenticate` value, or `null` when the response must not carry one. */
  readonly wwwAuthenticate: string | null;
  /** The exact `detail` member. */
  readonly detail: string;
  /** The exact body bytes. */
  readonly body: string;
  /**
   * Further headers the denial itself carries, with exact values (names lowercase). The
   * `RateLimit` / `RateLimit-Policy` fields of a 429 depend on the policy charged and are
   * checked by the rate-limit suites, not here.
   */
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

/** The SPEC §8 table in its order (the order of `REQUEST_ERROR_CODES`). */
export const CONTRACT_ROWS: readonly ContractRow[] = [
  {
    name: 'no Authorization, or another scheme',
    code: 'missing_token',
    status: 401,
    wwwAuthenticate: 'Bearer realm="api"',
    detail: 'Missing bearer token',
    body: '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Missing bearer token","code":"missing_token"}',
  },
  {
    name: 'unusable credentials',
    code: 'invalid_request',
    status: 400,
    wwwAuthenticate: 'Bearer realm="api", error="invalid_request"',
    detail: 'Malformed Authorization header',
    body: '{"type":"about:blank","title":"Bad Request","status":400,"detail":"Malformed Authorization header","code":"invalid_request"}',
  },
  {
    name: 'b64token that is not a valid, known token',
    code: 'invalid_token',
    status: 401,
    wwwAuthenticate: 'Bearer realm="api", error="invalid_token"',
    detail: 'Invalid token',
    body: '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Invalid token","code":"invalid_token"}',
  },
  {
    name: 'expired',
    code: 'token_expired',
    status: 401,
    wwwAuthenticate: 'Bearer realm="api", error="invalid_token", error_description="Token expired"',
    detail: 'Token expired',
    body: '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Token expired","code":"token_expired"}',
  },
  {
    name: 'revoked, or owner gone/disabled',
    code: 'token_revoked',
    status: 401,
    wwwAuthenticate: 'Bearer realm="api", error="invalid_token", error_description="Token revoked"',
    detail: 'Token revoked',
    body: '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Token revoked","code":"token_revoked"}',
  },
  {
    name: 'missing scope',
    code: 'insufficient_scope',
    status: 403,
    wwwAuthenticate: 'Bearer realm="api", error="insufficient_scope", scope="tickets:write"',
    detail: 'Token missing scope: tickets:write',
    body: '{"type":"about:blank","title":"Forbidden","status":403,"detail":"Token missing scope: tickets:write","code":"insufficient_scope"}',
  },
  {
    name: 'resource outside restriction',
    code: 'forbidden_resource',
    status: 403,
    wwwAuthenticate: null,
    detail: 'Token not allowed for project p9',
    body: '{"type":"about:blank","title":"Forbidden","status":403,"detail":"Token not allowed for project p9","code":"forbidden_resource"}',
  },
  {
    name: 'rate limited',
    code: 'rate_limited',
    status: 429,
    wwwAuthenticate: null,
    detail: 'Rate limit exceeded; retry after 17 seconds',
    body: '{"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","title":"Request cannot be satisfied as assigned quota has been exceeded","status":429,"detail":"Rate limit exceeded; retry after 17 seconds","code":"rate_limited"}',
    extraHeaders: { 'retry-after': '17' },
  },
  {
    name: 'store or resolver unreachable / timed out',
    code: 'unavailable',
    status: 503,
    wwwAuthenticate: null,
    detail: 'Token service unavailable',
    body: '{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"Token service unavailable","code":"unavailable"}',
  },
];

/** The row of a code; throws on a code the table does not hold. */
export function contractRow(code: RequestErrorCode): ContractRow {
  const row = CONTRACT_ROWS.find((r) => r.code === code);
  if (row === undefined) throw new Error(`no contract row for ${code}`);
  return row;
}

/** A response as a test sees it: headers either a Web `Headers` or a plain record of any case. */
export interface ActualResponse {
  readonly status: number;
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | number | undefined>>;
  readonly body: string;
}

/** Variations of the contract that the row alone cannot know. */
export interface ExpectProblemOptions {
  /**
   * The token came from the `access_token` query (SPEC §8): `Cache-Control` must then hold
   * exactly the directives `no-store` and `private`, in any order.
   * @default false
   */
  readonly fromQuery?: boolean;
}

/** Case-insensitive header lookup over either shape; several values are joined with ", " like Fetch. */
function header(headers: ActualResponse['headers'], name: string): string | null {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    return (headers as Headers).get(name);
  }
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (Array.isArray(value)) values.push(...value.map(String));
    else values.push(String(value));
  }
  return values.length === 0 ? null : values.join(', ');
}

/**
 * Asserts that a response is exactly the denial of `row`: status, `Content-Type:
 * application/problem+json` (no charset parameter: the contract is the same bytes everywhere),
 * `Cache-Control: no-store`, `X-Content-Type-Options: nosniff` (a browser never sniffs the body
 * into a script or a page), the `WWW-Authenticate` value or its absence, the row's extra
 * headers and the body bytes. Takes the runner's `expect`, so the table imports no runner.
 *
 * @example In an adapter suite
 * ```ts
 * const res = await app.request('/tickets', { headers: { Authorization: 'Bearer a, b' } });
 * expectProblem({ status: res.status, headers: res.headers, body: await res.text() }, contractRow('invalid_request'), expect);
 * ```
 */
export function expectProblem(
  actual: ActualResponse,
  row: ContractRow,
  expect: ExpectStatic,
  options: ExpectProblemOptions = {},
): void {
  const label = `${row.code} (${row.name})`;
  expect(actual.status, `${label}: status`).toBe(row.status);
  expect(header(actual.headers, 'content-type'), `${label}: Content-Type`).toBe('application/problem+json');
  const cacheControl = header(actual.headers, 'cache-control');
  if (options.fromQuery === true) {
    const directives = (cacheControl ?? '')
      .split(',')
      .map((d) => d.trim().toLowerCase())
      .sort();
    expect(directives, `${label}: Cache-Control`).toEqual(['no-store', 'private']);
  } else {
    expect(cacheControl, `${label}: Cache-Control`).toBe('no-store');
  }
  expect(header(actual.headers, 'x-content-type-options'), `${label}: X-Content-Type-Options`).toBe('nosniff');
  expect(header(actual.headers, 'www-authenticate'), `${label}: WWW-Authenticate`).toBe(row.wwwAuthenticate);
  for (const [name, value] of Object.entries(row.extraHeaders ?? {})) {
    expect(header(actual.headers, name), `${label}: ${name}`).toBe(value);
  }
  expect(actual.body, `${label}: body bytes`).toBe(row.body);
}
