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
} from '../manage/schemas.ts';
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

/** An error answer of the management API, as a typed error: match on `code`, read `errors` for field errors. */
export class ManagementError extends Error {
  override name = 'ManagementError';
  /** The problem's `code`, e.g. `invalid_request`, `not_found`, `scope_escalation`, `count_changed`. */
  readonly code: string;
  readonly status: number;
  /** Every bad field of a 400, at once. */
  readonly errors: readonly { readonly field: string; readonly message: string }[];
  /** The whole problem body (extra members such as `expected` and `actual` of `count_changed`). */
  readonly problem: ProblemBody & Record<string, unknown>;

  constructor(problem: ProblemBody & Record<string, unknown>) {
    super(problem.detail);
    this.code = problem.code;
    this.status = problem.status;
    this.errors = problem.errors ?? [];
    this.problem = problem;
  }
}

const CLIENT_KEYS = ['baseUrl', 'fetch', 'headers', 'credentials'];

/** Refuses unknown options and a missing `baseUrl` (a ManagementError `invalid_config`, status 0: nothing was sent). */
function checkClientOptions(options: ManagementClientOptions): void {
  const o = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
  const bad = Object.keys(o)
    .filter((k) => !CLIENT_KEYS.includes(k))
    .map((k) => `${k}: unknown option`);
  if (typeof o.baseUrl !== 'string' || o.baseUrl === '') bad.unshift('baseUrl: must be a URL or a path');
  if (bad.length === 0) return;
  const detail = `createManagementClient: ${bad.join('; ')}`;
  throw new ManagementError({
    type: 'about:blank',
    title: 'Invalid configuration',
    status: 0,
    detail,
    code: 'invalid_config',
  });
}

/** Options of `createManagementClient`. */
export interface ManagementClientOptions {
  /** Where the handler is mounted, its `basePath` included: `https://app.example.com/api/tokens` or `/api/tokens`. */
  readonly baseUrl: string;
  /** @default globalThis.fetch — pass one that adds a bearer token, or an app's `request` in tests */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Sent with every request, e.g. `{ Authorization: 'Bearer …' }`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default 'same-origin' (the session cookie goes along) */
  readonly credentials?: RequestCredentials;
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

const queryString = (query: Readonly<Record<string, unknown>> | undefined): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
};

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
function problemOf(res: Response, parsed: unknown): ProblemBody & Record<string, unknown> {
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
  const doFetch = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await doFetch(`${base}${path}`, {
      method,
      headers,
      credentials: options.credentials ?? 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const parsed = parseJson(await res.text());
    if (res.ok && typeof parsed === 'object' && parsed !== null) return parsed as T;
    throw new ManagementError(problemOf(res, parsed));
  }

  const seg = (id: string) => encodeURIComponent(id);
  return {
    list: (query) => call('GET', `/tokens${queryString(query)}`),
    create: (body) => call('POST', '/tokens', body),
    get: (id) => call('GET', `/tokens/${seg(id)}`),
    update: (id, patch) => call('PATCH', `/tokens/${seg(id)}`, patch),
    revoke: (id, body = {}) => call('POST', `/tokens/${seg(id)}/revoke`, body),
    rotate: (id, body = {}) => call('POST', `/tokens/${seg(id)}/rotate`, body),
    revokeAll: (body) => call('POST', '/tokens/revoke-all', body),
    scopes: () => call('GET', '/scopes'),
    activity: (id, query) => call('GET', `/tokens/${seg(id)}/activity${queryString(query)}`),
  };
}
