/**
 * The one request pipeline (SPEC §5, §8): extract → parse → lookup → validity (401) → limit (429)
 * → scope (403) → resource (403), answering with the bytes of the contract table. Adapters call
 * it once per check and only translate its answer.
 *
 * The first check of a request verifies and charges; later checks on the same request object
 * (a router-level and a route-level guard) reuse that result and only test their own
 * requirement, so a request is looked up once and charged once.
 */
import { requestIdFrom } from './audit.ts';
import type { AuthRequest, AuthRequirement, AuthResult, Authenticate, AuthenticatorDeps } from './auth-types.ts';
import { authorize } from './authorize.ts';
import { bounded } from './bounded.ts';
import { limitConfigResolver } from './charge.ts';
import { authorizationValues, queryTokens, readCredential, type HeaderInput } from './credentials.ts';
import { KeycardError, isKeycardError, type RequestErrorCode } from './errors.ts';
import {
  PREFLIGHT_ANSWER,
  problem,
  validateRealm,
  validateTypeBase,
  type Problem,
  type ProblemDetail,
  type ProblemOptions,
} from './http.ts';
import { chargeFor, classOf, rateLimitHeaders, type LimitDecision, type RateLimitConfig } from './limiter.ts';
import { recordRequest, type AuditBase } from './request-audit.ts';
import { headerOf, pathOf, requestStates, type FirstPass } from './request-state.ts';

export type {
  AuthRequirement,
  AuthRequest,
  AuthResult,
  Authenticate,
  AuthenticatorDeps,
  VerifyOutcome,
  KnownToken,
} from './auth-types.ts';
export { pathOf } from './request-state.ts';

/** Largest foreign credential passed on with `onForeignToken: 'next'` (bigger is still a 400). */
const FOREIGN_MAX_BYTES = 16_384;

const PREFLIGHT = Object.freeze({ ok: false, code: 'preflight', ...PREFLIGHT_ANSWER } as const);

const CONSTANT_CODES = new Set<string>([
  'missing_token',
  'invalid_request',
  'invalid_token',
  'token_expired',
  'token_revoked',
  'unavailable',
]);

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
  const { stateOf, keep } = requestStates<S>();
  const ctxAudit = { audit, options, onError };
  const deny = (detail: ProblemDetail, extra?: Record<string, string>): AuthResult<S> => {
    const p = problem(detail, dress);
    return {
      ok: false,
      status: p.status,
      code: p.code,
      headers: extra ? { ...p.headers, ...extra } : p.headers,
      body: p.body,
    };
  };

  const limitConfigFor = limitConfigResolver(deps);

  async function firstPass(
    request: AuthRequest,
    requirement: AuthRequirement,
    audited: AuditBase<S>,
  ): Promise<FirstPass<S>> {
    const headers = request.headers as HeaderInput;
    const query = options.allowQueryToken ? queryTokens(request.url) : null;
    // With onForeignToken 'next', other issuers' tokens (a 1.5 KB JWT) are not ours to size-limit.
    const verifyForeign = deps.verifyForeign;
    const passForeign = options.onForeignToken === 'next' && !verifyForeign;
    const credential = readCredential(authorizationValues(headers), query, {
      maxCredentialBytes: passForeign || verifyForeign ? FOREIGN_MAX_BYTES : maxCredentialBytes,
    });
    const privateCache =
      credential.kind === 'bearer' && credential.fromQuery ? { 'Cache-Control': 'private' } : undefined;
    const fail = (
      code: RequestErrorCode,
      detail: ProblemDetail = { code } as ProblemDetail,
      tokenId: string | null = null,
      extra?: Record<string, string>,
    ): FirstPass<S> => {
      const result = deny(detail, privateCache ? { ...extra, 'Cache-Control': 'no-store, private' } : extra);
      recordRequest(ctxAudit, audited, code, tokenId, null);
      return { ok: false, result };
    };
    if (credential.kind === 'none' || credential.kind === 'other-scheme') return fail('missing_token');
    if (credential.kind === 'malformed') return fail('invalid_request');
    const secret = credential.credential;
    const foreign = !secret.startsWith(ours);
    if (passForeign && foreign) return { ok: false, result: { ok: false, skip: 'foreign_token' } };
    // Dual mode: a token without our prefix goes to the OAuth verifier, never to the token store.
    if (!(foreign && verifyForeign) && secret.length > maxCredentialBytes) return fail('invalid_request');
    const v =
      foreign && verifyForeign
        ? verifyForeign(secret, requirement.workspaceId)
        : deps.verify(secret, requirement.workspaceId);
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
      if (options.limiterFailure !== 'open' || full)
        return fail('unavailable', { code: 'unavailable' }, identity.tokenId);
      audited.degraded = true;
    }
    const rl = decision ? rateLimitHeaders(policy, decision) : {};
    if (decision && !decision.allowed) {
      return fail(
        'rate_limited',
        { code: 'rate_limited', retryAfterSeconds: decision.retryAfterSeconds },
        identity.tokenId,
        rl,
      );
    }
    return { ok: true, identity, headers: privateCache ? { ...rl, ...privateCache } : rl };
  }

  const authenticate = (async (request: AuthRequest, requirement: AuthRequirement = {}): Promise<AuthResult<S>> => {
    try {
      const method = request.method;
      const headers = request.headers as HeaderInput;
      // Before anything reads the credential: a preflight never verifies a token (no oracle).
      if (
        options.passPreflight !== false &&
        method === 'OPTIONS' &&
        headerOf(headers, 'access-control-request-method') !== null
      ) {
        return PREFLIGHT;
      }
      const audited: AuditBase<S> = {
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
      if (
        !first &&
        ws !== undefined &&
        ws !== state.workspace &&
        identity.kind === 'personal' &&
        state.secret !== undefined
      ) {
        // The owner bound depends on the workspace a check names: derive it again (cached, not charged).
        const again = await deps.verify(state.secret, ws);
        audited.identity = identity;
        if (!again.ok) {
          recordRequest(ctxAudit, audited, again.code, identity.tokenId, null);
          return deny({ code: again.code } as ProblemDetail, r.headers);
        }
        identity = again.identity;
      }
      const denied = authorize(catalogue, onError, identity, requirement);
      if (denied) {
        audited.identity = identity;
        recordRequest(ctxAudit, audited, denied.detail.code, identity.tokenId, denied.missing ?? null);
        return deny(denied.detail, r.headers);
      }
      if (first) {
        audited.identity = identity;
        state.base = audited;
        recordRequest(ctxAudit, audited, null, identity.tokenId, null);
      }
      return { ok: true, identity, headers: r.headers };
    } catch (e) {
      // Hostile input gets a 4xx and a broken dependency a 503 — never a 500 or a stack trace.
      onError(e);
      try {
        audit.request({
          type: 'request.denied',
          surface: requirement.surface ?? 'http',
          method: String(request.method),
          path: '/',
          requestId: requestIdFrom(null),
          tokenId: null,
          label: null,
          ownerId: null,
          workspaceId: null,
          reason: 'unavailable',
        });
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
    if (p && base) recordRequest(ctxAudit, base, p.code, base.identity?.tokenId ?? null, null);
    return p;
  };
  return authenticate;
}
