/**
 * @module keycard/client
 * `keycard/client`: a typed fetch client of the management API (SPEC §11) for settings pages,
 * integrators' own front ends and tests. No runtime dependency: its types come from the server's
 * zod schemas through `import type`, so nothing of zod or keycard's core ships to the browser.
 */
import type {
  ActivityQueryInput,
  CreateBody,
  ListQueryInput,
  RevokeAllBody,
  RotateBody,
  UpdateBody,
} from '../manage/request-schemas.ts';
import type {
  ActivityPage,
  CreatedToken,
  ProblemBody,
  RevokeAllResult,
  RotatedToken,
  ScopeCatalogueView,
  TokenPage,
  TokenView,
} from '../manage/answer-schemas.ts';
import { localProblem, ManagementError } from './error.ts';
import { DEFAULT_TIMEOUT_MS, exchange, originOf, type Answer, type Fetch } from './transport.ts';

export type {
  ActivityPage,
  ActivityQueryInput,
  CreateBody,
  CreatedToken,
  ListQueryInput,
  ProblemBody,
  RevokeAllBody,
  RevokeAllResult,
  RotateBody,
  RotatedToken,
  ScopeCatalogueView,
  TokenPage,
  TokenView,
  UpdateBody,
};

export { ManagementError };

const CLIENT_KEYS = ['baseUrl', 'fetch', 'headers', 'credentials', 'timeoutMs'];

/** A value fetch sends as it is: no CR, LF or NUL, nothing past Latin-1 (else fetch throws, quoting it). */
const HEADER_VALUE = /^[^\r\n\0\u0100-\uffff]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Why `baseUrl` is unusable, or null: not text, not a URL, or carrying a user name or password. */
function badBaseUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return 'baseUrl: must be a URL or a path';
  let url: URL;
  try {
    url = new URL(value, 'http://base.invalid');
  } catch {
    return 'baseUrl: must be a URL or a path';
  }
  return url.username || url.password
    ? 'baseUrl: must not carry a user name or password (send credentials in headers)'
    : null;
}

/** Header names and values fetch would refuse with a TypeError quoting the value (a token), named, never quoted. */
function badHeaders(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null) return ['headers: must be a record of strings'];
  return Object.entries(value as Record<string, unknown>)
    .filter(([k, v]) => !HEADER_NAME.test(k) || typeof v !== 'string' || !HEADER_VALUE.test(v))
    .map(([k]) =>
      HEADER_NAME.test(k)
        ? `headers.${k}: must be text a header can carry (no line break, NUL or character past Latin-1)`
        : 'headers: a name is not a header name',
    );
}

/**
 * Refuses unknown options, a missing or unusable `baseUrl`, headers fetch cannot send, a bad
 * `timeoutMs`, a `fetch` that is no function and a `credentials` fetch does not know (a
 * ManagementError `invalid_config`, status 0: nothing was sent).
 */
function checkClientOptions(options: ManagementClientOptions): void {
  const o = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
  const bad = Object.keys(o)
    .filter((k) => !CLIENT_KEYS.includes(k))
    .map((k) => `${k}: unknown option`);
  const base = badBaseUrl(o.baseUrl);
  if (base) bad.unshift(base);
  bad.push(...badHeaders(o.headers));
  const t = o.timeoutMs;
  if (t !== undefined && !(typeof t === 'number' && Number.isInteger(t) && t >= 1 && t <= 2 ** 31 - 1))
    bad.push('timeoutMs: must be a whole number of milliseconds from 1 to 2147483647');
  if (o.fetch !== undefined && typeof o.fetch !== 'function') bad.push('fetch: must be a function');
  if (o.credentials !== undefined && !['omit', 'same-origin', 'include'].includes(o.credentials as string))
    bad.push("credentials: must be 'omit', 'same-origin' or 'include'");
  if (bad.length === 0) return;
  const detail = `createManagementClient: ${bad.join('; ')}`;
  throw new ManagementError(localProblem('invalid_config', detail, 0, 'Invalid configuration'));
}

/** Options of `createManagementClient`. */
export interface ManagementClientOptions {
  /** Where the handler is mounted, its `basePath` included: `https://app.example.com/api/tokens` or `/api/tokens`. */
  readonly baseUrl: string;
  /**
   * @default globalThis.fetch — pass one that adds a bearer token, or an app's `request` in tests.
   * Its `init` holds `redirect: 'manual'` and the deadline's `signal`: pass both on.
   */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /**
   * Sent with every request, e.g. `{ Authorization: 'Bearer …' }`; read at each call, and checked
   * then too (a value fetch cannot send is `invalid_config`, never quoted).
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default 'same-origin' (the session cookie goes along) */
  readonly credentials?: RequestCredentials;
  /**
   * The deadline of each call, request and answer together, in ms: past it the call rejects with
   * `unavailable`. @default 30000
   */
  readonly timeoutMs?: number;
}

/** The typed calls, one per route. */
export interface ManagementClient {
  list(query?: ListQueryInput): Promise<TokenPage>;
  create(body: CreateBody): Promise<CreatedToken>;
  get(id: string): Promise<TokenView>;
  update(id: string, patch: UpdateBody): Promise<TokenView>;
  revoke(id: string, body?: RevokeBody): Promise<TokenView>;
  rotate(id: string, body?: RotateBody): Promise<RotatedToken>;
  revokeAll(body: RevokeAllBody): Promise<RevokeAllResult>;
  scopes(): Promise<ScopeCatalogueView>;
  activity(id: string, query?: ActivityQueryInput): Promise<ActivityPage>;
}

type RevokeBody = { readonly reason?: string };

/** A call refused before anything is sent (status 0), naming every bad field. */
const refused = (fields: readonly string[], what: string): ManagementError =>
  new ManagementError(localProblem('invalid_request', `${fields.join(', ')}: ${what}`));

/**
 * The query string of `query`, refusing (naming them) the values that are no text, finite number
 * or boolean — `String(value)` threw a TypeError on a symbol or an object without `toString`, and
 * sent `[object Object]` for others — and a query that is no object (a string sent one parameter
 * per character: a minute for 1 MB). Undefined and null values are left out.
 */
const queryString = (query: unknown): string => {
  if (query == null) return '';
  if (typeof query != 'object' || Array.isArray(query)) throw refused(['query'], 'must be an object');
  const entries = Object.entries(query).filter(([, v]) => v != null);
  const bad = entries.filter(([, v]) => !(typeof v == 'string' || typeof v == 'boolean' || Number.isFinite(v)));
  if (bad.length > 0)
    throw refused(
      bad.map(([k]) => k as string),
      'must be text, a number or a boolean',
    );
  const s = new URLSearchParams(entries as string[][]).toString();
  return s ? `?${s}` : '';
};

/**
 * The JSON text of a body, refusing (naming each top-level field at fault) what `JSON.stringify`
 * throws a TypeError on: a BigInt, a cycle.
 */
function jsonOf(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch {
    const bad = Object.keys(body as object).filter((k) => {
      try {
        JSON.stringify((body as Record<string, unknown>)[k]);
      } catch {
        return true;
      }
      return false;
    });
    throw refused(bad.length > 0 ? bad : ['body'], 'must be JSON (no BigInt, no cycle)');
  }
}

/** The JSON of a body, or undefined when it is none. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The problem to throw for an answer that is not a usable result: the server's own problem when it
 * sent one (its `detail` and field `errors` only if they are text), else one made from the status.
 * A 2xx that is not a JSON object is another server's page (a login page, a proxy's): `invalid_response`.
 */
function problemOf(res: Answer, parsed: unknown): ProblemBody & Record<string, unknown> {
  const p = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (!res.ok && typeof p.code === 'string') {
    const fieldErrors = (Array.isArray(p.errors) ? (p.errors as unknown[]) : []).filter(
      (e): e is { field: string; message: string } =>
        typeof (e as { field?: unknown } | null)?.field === 'string' &&
        typeof (e as { message?: unknown } | null)?.message === 'string',
    );
    return {
      ...p,
      status: typeof p.status === 'number' ? p.status : res.status,
      detail: typeof p.detail === 'string' ? p.detail : `HTTP ${res.status}`,
      code: p.code,
      ...(p.errors === undefined ? {} : { errors: fieldErrors }),
    } as ProblemBody & Record<string, unknown>;
  }
  return {
    type: 'about:blank',
    title: res.ok ? 'Invalid response' : res.statusText,
    status: res.status,
    detail: res.ok ? `HTTP ${res.status} without a JSON answer` : `HTTP ${res.status}`,
    code: res.ok ? 'invalid_response' : res.status === 404 ? 'not_found' : 'http_error',
  };
}

/**
 * Creates a client of a management API mounted at `baseUrl`. Every method resolves with the
 * parsed answer or rejects with a {@link ManagementError}.
 *
 * @example A settings page
 * ```ts
 * const api = createManagementClient({ baseUrl: '/api/tokens' });
 * const { token, record } = await api.create({ label: 'CI', scopes: ['read'], expiresIn: '90d' });
 * try { await api.revokeAll({ target: { ownerId: me }, reason: 'leak', expectCount: 3 }); }
 * catch (e) { if (e instanceof ManagementError && e.code === 'count_changed') reconfirm(); }
 * ```
 */
export function createManagementClient(options: ManagementClientOptions): ManagementClient {
  checkClientOptions(options);
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  const origin = originOf(base);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  /** `path === null`: a refused id (see {@link at}), rejected before anything is sent. */
  async function call<T>(method: string, path: string | null, body?: unknown): Promise<T> {
    if (path === null) throw new ManagementError(localProblem('invalid_request', 'id: must be a token id'));
    // Checked again per call: `headers` is read at each one, and a value changed since creation
    // that fetch cannot send would make its TypeError, quoting the value (a token), the cause.
    const badNow = badHeaders(options.headers);
    if (badNow.length > 0)
      throw new ManagementError(localProblem('invalid_config', badNow.join('; '), 0, 'Invalid configuration'));
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const init: RequestInit = {
      method,
      headers,
      credentials: options.credentials ?? 'same-origin',
      ...(body !== undefined ? { body: jsonOf(body) } : {}),
    };
    const res = await exchange(doFetch, `${base}${path}`, init, timeoutMs, origin);
    const parsed = parseJson(res.text);
    if (res.ok && typeof parsed === 'object' && parsed !== null) return parsed as T;
    throw new ManagementError(problemOf(res, parsed));
  }

  /**
   * The path of one token, or null for an id that is not one: empty, `.` or `..` would be a dot
   * segment that URL resolution removes, so `revoke('..')` would POST to `${baseUrl}/revoke`;
   * one with a lone surrogate cannot be put in a URL at all.
   */
  const at = (id: string, rest = ''): string | null => {
    if (typeof id !== 'string' || id === '' || id === '.' || id === '..') return null;
    try {
      return `/tokens/${encodeURIComponent(id)}${rest}`;
    } catch {
      return null; // a lone surrogate: encodeURIComponent throws a URIError
    }
  };
  return {
    list: async (query) => call('GET', `/tokens${queryString(query)}`),
    create: (body) => call('POST', '/tokens', body),
    get: (id) => call('GET', at(id)),
    update: (id, patch) => call('PATCH', at(id), patch),
    revoke: (id, body = {}) => call('POST', at(id, '/revoke'), body),
    rotate: (id, body = {}) => call('POST', at(id, '/rotate'), body),
    revokeAll: (body) => call('POST', '/tokens/revoke-all', body),
    scopes: () => call('GET', '/scopes'),
    activity: async (id, query) => call('GET', at(id, `/activity${queryString(query)}`)),
  };
}
