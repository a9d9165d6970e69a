/**
 * The one request pipeline (SPEC §5, §8): extract → parse → lookup → validity (401) → limit (429)
 * → scope (403) → resource (403), answering with the bytes of the contract table. Adapters call
 * it once per check and only translate its answer.
 *
 * The first check of a request verifies and charges; later checks on the same request object
 * (a router-level and a route-level guard) reuse that result and only test their own
 * requirement, so a request is looked up once and charged once.
 */
import type { AuditTrail, Surface } from './audit.ts';
import { requestIdFrom } from './audit.ts';
import { bounded } from './bounded.ts';
import type { Clock } from './clock.ts';
import { authorizationValues, queryTokens, readCredential, type HeaderInput } from './credentials.ts';
import { KeycardError, isKeycardError, type RequestErrorCode } from './errors.ts';
import { redact } from './redact.ts';
import { PREFLIGHT_ANSWER, problem, validateRealm, validateTypeBase, type Problem, type ProblemDetail, type ProblemOptions } from './http.ts';
import type { Identity } from './identity.ts';
import { chargeFor, classOf, parseRateLimit, rateLimitHeaders, type LimitClass, type LimitDecision, type LimiterStore, type RateLimitConfig } from './limiter.ts';
import type { KeycardOptions } from './options.ts';
import type { Access, ResourcePath } from './restrictions.ts';
import type { Requirement, ScopeCatalogue } from './scopes.ts';
import type { CacheEntry } from './cache.ts';
import type { TokenFormat } from './token.ts';

/** What one check needs. Everything is optional: an empty requirement only authenticates. */
export interface AuthRequirement {
  /** Scopes the route needs: a name, `allOf(...)`, `anyOf(...)`. */
  readonly scope?: Requirement;
  /** The budget to charge. @default by method: GET, HEAD, OPTIONS ⇒ read, else write */
  readonly class?: LimitClass;
  /** A resource the route touches, checked against the token's restrictions. */
  readonly resource?: { readonly path: ResourcePath; readonly access?: Access };
  /** The workspace the request names: bounds personal tokens by the owner there; workspace tokens must match it. */
  readonly workspaceId?: string | null;
  /**
   * A last, caller-specific refusal (e.g. an MCP session bound to another token): return the
   * resource the identity may not touch, and the request is answered 403 `forbidden_resource`
   * and audited as denied. Runs after the scope and resource checks.
   */
  readonly forbid?: (identity: Identity) => { readonly type: string; readonly id: string } | null;
  /** Audit surface. @default 'http' */
  readonly surface?: Surface;
  /** MCP JSON-RPC method and tool, for audit. */
  readonly rpcMethod?: string;
  readonly tool?: string;
}

/** The request as keycard reads it: a Web `Request`, or its three parts. */
export type AuthRequest = Request | { readonly method: string; readonly url: string; readonly headers: HeaderInput };

/** The answer of `authenticate`. */
export type AuthResult<S extends string = string> =
  | { readonly ok: true; readonly identity: Identity<S>; readonly headers: Readonly<Record<string, string>> }
  | {
      readonly ok: false;
      readonly skip?: undefined;
      readonly status: number;
      readonly code: RequestErrorCode;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
    }
  /**
   * A CORS preflight: answer it with these bytes (`204`, no body) and do not run the handler. It
   * is not a denial (nothing is verified or audited), but it is sent like one, so the usual
   * `r.skip ? next() : send(r)` answers it too.
   */
  | {
      readonly ok: false;
      readonly skip?: undefined;
      readonly status: 204;
      readonly code: 'preflight';
      readonly headers: Readonly<Record<string, string>>;
      readonly body: null;
    }
  /** Not for keycard (with `onForeignToken: 'next'`): another issuer's bearer token, for the next authenticator. */
  | { readonly ok: false; readonly skip: 'foreign_token' };

/**
 * Authenticates one request against a requirement.
 *
 * @example Guarding a handler with the Fetch API
 * ```ts
 * const r = await keycard.authenticate(request, { scope: 'tickets:write' });
 * if (!r.ok) return r.skip ? next() : new Response(r.body, { status: r.status, headers: r.headers }); // a preflight: 204, no body
 * ```
 */
export type Authenticate<S extends string = string> = ((request: AuthRequest, requirement?: AuthRequirement) => Promise<AuthResult<S>>) & {
  /**
   * The problem response for a `KeycardError` thrown in a handler (e.g. `identity.assert`), or
   * null for other errors. Given the request it was thrown for, the denial is also audited
   * (`request.denied`), so a restriction enforced inside a handler shows up like a declared one.
   */
  problemFor(error: unknown, request?: AuthRequest): Problem | null;
};

/** What the pipeline needs from the instance. */
export interface AuthenticatorDeps<S extends string> {
  readonly options: KeycardOptions<S>;
  readonly clock: Clock;
  readonly limiter: LimiterStore;
  readonly defaultRateLimit: RateLimitConfig;
  readonly catalogue: ScopeCatalogue<S>;
  readonly format: TokenFormat;
  readonly audit: AuditTrail;
  readonly onError: (error: unknown) => void;
  readonly timeoutMs: number;
  readonly verify: (
    secret: string,
    workspaceId: string | null | undefined,
  ) => VerifyOutcome<S> | Promise<VerifyOutcome<S>>;
  /** Dual mode: verification of bearer tokens without keycard's prefix (`options.oauth`). */
  readonly verifyForeign?: (secret: string, workspaceId: string | null | undefined) => Promise<VerifyOutcome<S>>;
}

/** What the instance's verification answers the pipeline. */
export type VerifyOutcome<S extends string> =
  | { ok: true; identity: Identity<S>; entry?: CacheEntry }
  | { ok: false; code: 'invalid_token' | 'token_expired' | 'token_revoked' | 'unavailable'; known?: KnownToken };

/** What audit may say of a token that was found but refused (revoked, expired, owner gone). */
export interface KnownToken {
  readonly tokenId: string;
  readonly label: string;
  readonly ownerId: string;
  readonly workspaceId: string | null;
}

/** Largest foreign credential passed on with `onForeignToken: 'next'` (bigger is still a 400). */
const FOREIGN_MAX_BYTES = 16_384;

const PREFLIGHT = Object.freeze({ ok: false, code: 'preflight', ...PREFLIGHT_ANSWER } as const);

const CONSTANT_CODES = new Set<string>(['missing_token', 'invalid_request', 'invalid_token', 'token_expired', 'token_revoked', 'unavailable']);

/** The part of a request's answer that stacked checks share. */
type FirstPass<S extends string> =
  | { readonly ok: true; readonly identity: Identity<S>; readonly headers: Record<string, string> }
  | { readonly ok: false; readonly result: AuthResult<S> };

function headerOf(headers: HeaderInput, name: string): string | null {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const v = (headers as Record<string, string | readonly string[] | undefined>)[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return (v as readonly string[])[0] ?? null;
  return null;
}

/** The path of a request URL (absolute or origin-form) without query or fragment: audit never sees the query. */
export function pathOf(url: string): string {
  let start = 0;
  const scheme = url.indexOf('://');
  if (scheme !== -1 && scheme < url.search(/[/?#]/)) start = url.indexOf('/', scheme + 3);
  if (start === -1) return '/';
  let end = url.length;
  const q = url.indexOf('?', start);
  if (q !== -1) end = q;
  const h = url.indexOf('#', start);
  if (h !== -1 && h < end) end = h;
  return url.slice(start, end) || '/';
}

export function createAuthenticator<S extends string>(deps: AuthenticatorDeps<S>): Authenticate<S> {
  const { options, limiter, catalogue, audit, onError, timeoutMs } = deps;
  const dress: ProblemOptions = {
    realm: validateRealm(options.realm ?? 'api'),
    ...(options.problemTypeBase !== undefined ? { typeBase: validateTypeBase(options.problemTypeBase) } : {}),
    ...(options.resourceMetadataUrl !== undefined ? { resourceMetadata: options.resourceMetadataUrl } : {}),
    ...(options.settingsUrl !== undefined ? { settingsUrl: options.settingsUrl } : {}),
  };
  const maxCredentialBytes = options.maxCredentialBytes ?? 1024;
  const ours = `${deps.format.prefix}_`;
  /**
   * What a request's first check learned, for the later checks of the same request object: the
   * verification (shared, so it is looked up and charged once), its audit description (for
   * denials raised later in handlers), its credential and the workspace it named (a later check
   * naming another one re-derives the owner bound from the caches, without a charge). Kept on the
   * request under a symbol of this instance — a WeakMap lookup per check cost ~15 % of the
   * pipeline in bench/ — and in a WeakMap only for objects that cannot take a property.
   */
  interface RequestState {
    pass: Promise<FirstPass<S>>;
    base?: AuditBase;
    secret?: string;
    workspace: string | null | undefined;
  }
  const STATE = Symbol('keycard.request');
  const frozen = new WeakMap<object, RequestState>();
  const stateOf = (request: object): RequestState | undefined =>
    (request as { [STATE]?: RequestState })[STATE] ?? (Object.isExtensible(request) ? undefined : frozen.get(request));
  const keep = (request: object, state: RequestState) => {
    if (Object.isExtensible(request)) Object.defineProperty(request, STATE, { value: state, enumerable: false });
    else frozen.set(request, state);
  };
  const limitConfigs = new WeakMap<object, RateLimitConfig>();
  const workspaceLimits = new Map<string, { config: RateLimitConfig | null; at: number }>();

  const deny = (detail: ProblemDetail, extra?: Record<string, string>): AuthResult<S> => {
    const p = problem(detail, dress);
    return { ok: false, status: p.status, code: p.code, headers: extra ? { ...p.headers, ...extra } : p.headers, body: p.body };
  };

  /** The limit to charge: synchronous unless a workspace resolver must be asked (no microtask on the hot path). */
  function limitConfigFor(identity: Identity<S>, entry: CacheEntry | undefined): RateLimitConfig | Promise<RateLimitConfig> {
    const own = entry?.token.rateLimit;
    if (own) {
      let c = limitConfigs.get(entry.token);
      if (!c) limitConfigs.set(entry.token, (c = parseRateLimit(own, 'token.rateLimit')));
      return c;
    }
    const resolver = options.workspaceRateLimit;
    if (resolver && identity.workspaceId !== null) {
      const ws = identity.workspaceId;
      const now = deps.clock.monotonic();
      const held = workspaceLimits.get(ws);
      if (held && now - held.at < (options.ownerCacheMs ?? 1000)) return held.config ?? deps.defaultRateLimit;
      return (async () => {
        const input = await bounded(() => resolver(ws), timeoutMs, 'Workspace rate-limit resolver');
        const config = input ? parseRateLimit(input, 'workspaceRateLimit()') : null;
        if (workspaceLimits.size >= 10_000) workspaceLimits.clear();
        workspaceLimits.set(ws, { config, at: now });
        return config ?? deps.defaultRateLimit;
      })();
    }
    return deps.defaultRateLimit;
  }

  async function firstPass(request: AuthRequest, requirement: AuthRequirement, audited: AuditBase): Promise<FirstPass<S>> {
    const headers = request.headers as HeaderInput;
    const query = options.allowQueryToken ? queryTokens(request.url) : null;
    // With onForeignToken 'next', other issuers' tokens (a 1.5 KB JWT) are not ours to size-limit.
    const verifyForeign = deps.verifyForeign;
    const passForeign = options.onForeignToken === 'next' && !verifyForeign;
    const credential = readCredential(authorizationValues(headers), query, { maxCredentialBytes: passForeign || verifyForeign ? FOREIGN_MAX_BYTES : maxCredentialBytes });
    const privateCache = credential.kind === 'bearer' && credential.fromQuery ? { 'Cache-Control': 'private' } : undefined;
    const fail = (code: RequestErrorCode, detail: ProblemDetail = { code } as ProblemDetail, tokenId: string | null = null, extra?: Record<string, string>): FirstPass<S> => {
      const result = deny(detail, privateCache ? { ...extra, 'Cache-Control': 'no-store, private' } : extra);
      record(audited, code, tokenId, null);
      return { ok: false, result };
    };
    if (credential.kind === 'none' || credential.kind === 'other-scheme') return fail('missing_token');
    if (credential.kind === 'malformed') return fail('invalid_request');
    const secret = credential.credential;
    const foreign = !secret.startsWith(ours);
    if (passForeign && foreign) return { ok: false, result: { ok: false, skip: 'foreign_token' } };
    // Dual mode: a token without our prefix goes to the OAuth verifier, never to the token store.
    if (!(foreign && verifyForeign) && secret.length > maxCredentialBytes) return fail('invalid_request');
    const v = foreign && verifyForeign ? verifyForeign(secret, requirement.workspaceId) : deps.verify(secret, requirement.workspaceId);
    const verified = v instanceof Promise ? await v : v;
    if (!verified.ok) {
      // "Who did this" has an answer even for a refused token: a revoked one is the leak case.
      if (verified.known) audited.known = verified.known;
      return fail(verified.code);
    }
    const st = stateOf(request);
    if (st) st.secret = secret;
    const identity = verified.identity;
    audited.identity = identity;

    let config: RateLimitConfig;
    try {
      const c = limitConfigFor(identity, verified.entry);
      config = c instanceof Promise ? await c : c;
    } catch (e) {
      onError(e);
      return fail('unavailable', { code: 'unavailable' }, identity.tokenId);
    }
    const cls = requirement.class ?? classOf(request.method);
    const { key, policy } = chargeFor(config, identity.familyId, cls);
    let decision: LimitDecision | null = null;
    try {
      const d = bounded(() => limiter.consume(key, policy.limit, policy.windowSeconds), timeoutMs, 'Rate limiter');
      decision = d instanceof Promise ? await d : d;
    } catch (e) {
      onError(e);
      const full = e instanceof KeycardError && e.code === 'unavailable' && /tracked/i.test(e.message);
      if (options.limiterFailure !== 'open' || full) return fail('unavailable', { code: 'unavailable' }, identity.tokenId);
      audited.degraded = true;
    }
    const rl = decision ? rateLimitHeaders(policy, decision) : {};
    if (decision && !decision.allowed) {
      return fail('rate_limited', { code: 'rate_limited', retryAfterSeconds: decision.retryAfterSeconds }, identity.tokenId, rl);
    }
    return { ok: true, identity, headers: privateCache ? { ...rl, ...privateCache } : rl };
  }

  interface AuditBase {
    surface: Surface;
    method: string;
    path: string;
    requestId: string;
    rpcMethod?: string | undefined;
    tool?: string | undefined;
    identity?: Identity<S>;
    known?: KnownToken;
    degraded?: boolean;
  }

  function record(base: AuditBase, reason: RequestErrorCode | null, tokenId: string | null, missing: readonly string[] | null) {
    const id = base.identity;
    audit.request({
      type: reason ? 'request.denied' : 'request.allowed',
      surface: base.surface,
      method: base.method,
      path: base.path,
      requestId: base.requestId,
      tokenId: id?.tokenId ?? base.known?.tokenId ?? tokenId,
      label: id?.label ?? base.known?.label ?? null,
      ownerId: id?.ownerId ?? base.known?.ownerId ?? null,
      workspaceId: id?.workspaceId ?? base.known?.workspaceId ?? null,
      ...(reason ? { reason } : {}),
      ...(missing ? { missing } : {}),
      ...(base.degraded ? { degraded: true } : {}),
      ...(base.rpcMethod ? { rpcMethod: base.rpcMethod } : {}),
      ...(base.tool ? { tool: base.tool } : {}),
      ...(id?.kind === 'oauth' ? { tokenKind: 'oauth' as const } : {}),
    });
    if (reason && options.onAuthFailure) {
      try {
        options.onAuthFailure({ code: reason, method: base.method, path: redact(base.path), tokenId: id?.tokenId ?? base.known?.tokenId ?? tokenId });
      } catch (e) {
        onError(e);
      }
    }
  }

  /** Scope, workspace and resource checks of one requirement against a verified identity. */
  function authorize(identity: Identity<S>, requirement: AuthRequirement): { detail: ProblemDetail; missing?: readonly string[] } | null {
    if (requirement.scope !== undefined) {
      const missing = catalogue.missing(requirement.scope, identity.scopes);
      if (missing.length) return { detail: { code: 'insufficient_scope', missing }, missing };
    }
    const ws = requirement.workspaceId;
    if (ws != null && identity.kind === 'workspace' && identity.workspaceId !== ws) {
      return { detail: { code: 'forbidden_resource', type: 'workspace', id: ws } };
    }
    if (requirement.resource) {
      const { path, access = 'read' } = requirement.resource;
      try {
        identity.assert(path, access);
      } catch (e) {
        const r = (e as { resource?: { type: string; id: string } }).resource;
        if (r) return { detail: { code: 'forbidden_resource', type: r.type, id: r.id } };
        // A path the hierarchy cannot read (an empty id from the URL, a skipped level) is the
        // integrator's bug: report it, and fail closed with a 403 rather than a misleading 503.
        onError(e);
        const last = Object.entries(path ?? {}).at(-1);
        return { detail: { code: 'forbidden_resource', type: last?.[0] ?? 'resource', id: String(last?.[1] ?? '') } };
      }
    }
    const forbidden = requirement.forbid?.(identity as Identity);
    if (forbidden) return { detail: { code: 'forbidden_resource', type: forbidden.type, id: forbidden.id } };
    return null;
  }

  const authenticate = (async (request: AuthRequest, requirement: AuthRequirement = {}): Promise<AuthResult<S>> => {
    try {
      const method = request.method;
      const headers = request.headers as HeaderInput;
      // Before anything reads the credential: a preflight never verifies a token (no oracle).
      if (options.passPreflight !== false && method === 'OPTIONS' && headerOf(headers, 'access-control-request-method') !== null) {
        return PREFLIGHT;
      }
      const audited: AuditBase = {
        surface: requirement.surface ?? 'http',
        method,
        path: pathOf(request.url),
        requestId: requestIdFrom(headerOf(headers, 'x-request-id')),
        rpcMethod: requirement.rpcMethod,
        tool: requirement.tool,
      };
      let state = stateOf(request);
      const first = state === undefined;
      if (!state) {
        state = { pass: undefined as unknown as Promise<FirstPass<S>>, workspace: requirement.workspaceId };
        keep(request, state);
        state.pass = firstPass(request, requirement, audited);
      }
      const r = await state.pass;
      if (!r.ok) return r.result;
      let identity = r.identity;
      const ws = requirement.workspaceId;
      if (!first && ws !== undefined && ws !== state.workspace && identity.kind === 'personal' && state.secret !== undefined) {
        // The owner bound depends on the workspace a check names: derive it again (cached, not charged).
        const again = await deps.verify(state.secret, ws);
        audited.identity = identity;
        if (!again.ok) {
          record(audited, again.code, identity.tokenId, null);
          return deny({ code: again.code } as ProblemDetail, r.headers);
        }
        identity = again.identity;
      }
      const denied = authorize(identity, requirement);
      if (denied) {
        audited.identity = identity;
        record(audited, denied.detail.code, identity.tokenId, denied.missing ?? null);
        return deny(denied.detail, r.headers);
      }
      if (first) {
        audited.identity = identity;
        state.base = audited;
        record(audited, null, identity.tokenId, null);
      }
      return { ok: true, identity, headers: r.headers };
    } catch (e) {
      // Hostile input gets a 4xx and a broken dependency a 503 — never a 500 or a stack trace.
      onError(e);
      try {
        audit.request({ type: 'request.denied', surface: requirement.surface ?? 'http', method: String(request.method), path: '/', requestId: requestIdFrom(null), tokenId: null, label: null, ownerId: null, workspaceId: null, reason: 'unavailable' });
      } catch {
        // auditing must not turn an answer into a throw
      }
      return deny({ code: 'unavailable' });
    }
  }) as Authenticate<S>;

  authenticate.problemFor = (error: unknown, request?: AuthRequest): Problem | null => {
    // A brand check, not instanceof: bundlers (Next's Turbopack) may load two copies of the core.
    if (!isKeycardError(error)) return null;
    let p: Problem | null = null;
    if (error.code === 'forbidden_resource') {
      const r = (error as { resource?: { type: string; id: string } }).resource;
      if (r) p = problem({ code: 'forbidden_resource', type: r.type, id: r.id }, dress);
    } else if (CONSTANT_CODES.has(error.code)) {
      p = problem({ code: error.code } as ProblemDetail, dress);
    }
    const base = request && stateOf(request)?.base;
    if (p && base) record(base, p.code, base.identity?.tokenId ?? null, null);
    return p;
  };
  return authenticate;
}
