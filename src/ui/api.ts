/**
 * The calls `<keycard-tokens>` makes, as one small interface over the management API (SPEC §11).
 * The element depends on this interface only, so tests and integrators may pass their own
 * (`element.api = …`), and the default is built on `keycard/client`.
 */

/** A token as the management API shows it (SPEC §11 `TokenView`; the fields the UI reads). */
export interface TokenView {
  readonly id: string;
  readonly label: string;
  readonly ownerId: string;
  readonly kind: 'personal' | 'workspace';
  readonly workspaceId: string | null;
  readonly scopes: readonly string[];
  readonly effectiveScopes: readonly string[];
  readonly restrictions: Readonly<Record<string, readonly string[]>> | null;
  readonly status: 'active' | 'expiring' | 'expired' | 'revoked';
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
  readonly lastUsedSurface: 'http' | 'mcp' | null;
  readonly start: string;
}

/** `GET /scopes`. */
export interface CatalogueView {
  readonly scopes: readonly { readonly name: string; readonly description: string | null; readonly implies: readonly string[]; readonly closure: readonly string[] }[];
  readonly defaults: readonly string[];
  readonly presets: readonly { readonly name: string; readonly scopes: readonly string[] }[];
  readonly resourceTypes: readonly string[];
}

export type ListStatus = 'active' | 'expiring' | 'revoked' | 'expired' | 'all';

export interface CreateInput {
  readonly label: string;
  readonly scopes: readonly string[];
  readonly kind: 'personal' | 'workspace';
  readonly workspaceId?: string;
  readonly restrictions?: Record<string, string[]>;
  readonly expiresIn?: 'never' | '30d' | '90d' | '365d';
  readonly expiresAt?: string;
}

/** What the element needs from the server. */
export interface TokensApi {
  list(q: { kind: 'personal' | 'workspace'; workspaceId?: string; status: ListStatus; cursor?: string }): Promise<{ data: readonly TokenView[]; nextCursor: string | null }>;
  scopes(): Promise<CatalogueView>;
  create(input: CreateInput): Promise<{ token: string; record: TokenView }>;
  revoke(id: string): Promise<TokenView>;
  rotate(id: string, graceMs: number): Promise<{ token: string; record: TokenView; previous: { id: string; expiresAt: string | null } }>;
  revokeAll(body: { target: { ownerId: string } | { workspaceId: string }; reason: string; expectCount: number }): Promise<{ count: number }>;
  activity(id: string): Promise<{ data: readonly Record<string, unknown>[]; nextCursor: string | null }>;
}

/** An error answer: `code` from the problem body, `status`, and the field errors of a 400. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly errors: readonly { field: string; message: string }[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The default {@link TokensApi}: same-origin `fetch` under `basePath`, the session cookie riding along. */
export function fetchApi(basePath: string): TokensApi {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(basePath + path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new ApiError(String(data.detail ?? data.title ?? res.statusText), String(data.code ?? 'http_error'), res.status, (data.errors as never) ?? [], data);
    return data as T;
  };
  const enc = encodeURIComponent;
  return {
    list: (q) => call('GET', `/tokens?${new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined) as [string, string][])}`),
    scopes: () => call('GET', '/scopes'),
    create: (input) => call('POST', '/tokens', input),
    revoke: (id) => call('POST', `/tokens/${enc(id)}/revoke`, {}),
    rotate: (id, graceMs) => call('POST', `/tokens/${enc(id)}/rotate`, { graceMs }),
    revokeAll: (body) => call('POST', '/tokens/revoke-all', body),
    activity: (id) => call('GET', `/tokens/${enc(id)}/activity`),
  };
}
