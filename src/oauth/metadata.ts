/**
 * RFC 9728 protected resource metadata: the document an MCP client reads after a 401 to find
 * which authorization server issues tokens for this resource (MCP authorization, 2025-06-18).
 */
import * as z from 'zod/mini';
import { configError, english, secureUrl, secureUrlText, urlText } from '../core/config.ts';
import { list, schema as kind, text } from '../core/kinds.ts';
import { ManagementProblem, problemResponse } from '../manage/problem.ts';
import { freeze, stringify } from '../core/builtins.ts';

/** Options of `protectedResource`. */
export interface ProtectedResourceOptions {
  /** This resource's identifier (RFC 8707), e.g. `https://api.example.com/mcp`: https, or http on loopback. */
  readonly resource: string;
  /** Issuer identifiers of the authorization servers whose tokens this resource accepts (at least one): https, or http on loopback. */
  readonly authorizationServers: readonly string[];
  /** Scopes to advertise; pass the catalogue's names (`scopes.names`). */
  readonly scopesSupported: readonly string[];
  /** A human-readable name for consent screens. */
  readonly resourceName?: string;
  /** Where people read how to use this resource, e.g. the page that creates tokens. */
  readonly resourceDocumentation?: string;
  /**
   * Pass what you pass to `createKeycard`: with `true`, `bearer_methods_supported` lists `query`
   * after `header` (RFC 9728 §2: the methods the resource supports), as the keycard then also
   * reads the `access_token` query parameter. keycard never reads a token from a form body, so
   * `body` is never listed.
   * @default false
   */
  readonly allowQueryToken?: boolean;
}

/** The metadata document, its URLs and a Web handler that serves it. */
export interface ProtectedResource {
  /** The RFC 9728 document. */
  readonly document: Readonly<Record<string, unknown>>;
  /**
   * The metadata URL of RFC 9728 §3.1, which goes into `resource_metadata=` of 401s: the
   * well-known path inserted between the host and the resource's path and query, a path's
   * terminating slash kept (`https://api.example.com/mcp/` →
   * `https://api.example.com/.well-known/oauth-protected-resource/mcp/`).
   */
  readonly metadataUrl: string;
  /**
   * Answers `GET`/`HEAD` of `/.well-known/oauth-protected-resource` and of its path-suffixed form
   * with the document (CORS-readable: browser-based clients fetch it), also at the suffix without
   * the resource path's terminating slash (where the MCP SDK looks); `OPTIONS` with 204, any other
   * method with a 405 problem; null for any other path, and for a query other than the resource's
   * (RFC 9728 §3: the query is part of the metadata URL, so another query is another resource's).
   */
  handle(request: Request): Response | null;
}

const httpUrl = urlText(true);
const schema = z.strictObject({
  resource: secureUrlText().check(z.refine((u) => !u.includes('#'), 'must not have a fragment (RFC 8707 §2)')),
  // Kinds, not zod's length checks: those throw a TypeError on a `length` they cannot compare.
  authorizationServers: kind<string[]>(list(secureUrl(), { min: 1 })),
  scopesSupported: kind<string[]>(list(text({ min: 1 }))),
  resourceName: z.optional(kind<string>(text({ min: 1, max: 200 }))),
  resourceDocumentation: z.optional(httpUrl),
  allowQueryToken: z.optional(z.boolean()),
});

const WELL_KNOWN = '/.well-known/oauth-protected-resource';
const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' } as const;

/**
 * Builds the protected resource metadata for dual mode (SPEC §16).
 *
 * @example Serving it beside an MCP endpoint
 * ```ts
 * const pr = protectedResource({
 *   resource: 'https://api.example.com/mcp',
 *   authorizationServers: ['https://auth.example.com'],
 *   scopesSupported: scopes.names,
 * });
 * app.use('/.well-known/oauth-protected-resource', expressHandler(async (request) => pr.handle(request) ?? new Response(null, { status: 404 })));
 * ```
 */
export function protectedResource(options: ProtectedResourceOptions): ProtectedResource {
  const parsed = schema.safeParse(options, english);
  if (!parsed.success) throw configError('protectedResource', parsed.error);
  const url = new URL(options.resource);
  // RFC 9728 §3.1: only a slash right after the host goes; a path's own terminating slash stays.
  const suffix = url.pathname === '/' ? '' : url.pathname;
  const metadataUrl = `${url.origin}${WELL_KNOWN}${suffix}${url.search}`;
  const document = freeze({
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    scopes_supported: [...options.scopesSupported],
    // RFC 9728 §2 / RFC 6750 §2: how keycard reads a token (SPEC §8); never a form body.
    bearer_methods_supported: options.allowQueryToken === true ? ['header', 'query'] : ['header'],
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
    ...(options.resourceDocumentation ? { resource_documentation: options.resourceDocumentation } : {}),
  });
  const body = stringify(document);
  const paths = new Set([WELL_KNOWN, `${WELL_KNOWN}${suffix}`, `${WELL_KNOWN}${suffix.replace(/\/$/, '')}`]);
  return {
    document,
    metadataUrl,
    handle(request: Request): Response | null {
      const { pathname, search } = new URL(request.url);
      // RFC 9728 §3/§3.3: the URL holds the resource's query too, so another query is another resource's.
      if (!paths.has(pathname) || search !== url.search) return null;
      const headers = { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'max-age=3600' };
      if (request.method === 'OPTIONS')
        return new Response(null, {
          status: 204,
          // RFC 9110 §9.3.7: a successful OPTIONS SHOULD name what the resource supports (Allow).
          headers: { ...headers, Allow: 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Methods': 'GET, HEAD' },
        });
      if (request.method !== 'GET' && request.method !== 'HEAD')
        // The management handler's 405, byte for byte (problem+json, code, no-store).
        return problemResponse(
          new ManagementProblem('method_not_allowed', 'Use GET, HEAD, OPTIONS', {
            headers: { Allow: 'GET, HEAD, OPTIONS' }, // nosniff: problemResponse's own
          }),
        );
      return new Response(request.method === 'HEAD' ? null : body, {
        status: 200,
        headers: { ...headers, 'Content-Type': 'application/json', ...NOSNIFF },
      });
    },
  };
}
