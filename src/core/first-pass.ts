/**
 * The first pass of a request (SPEC §5, §8): credential → verify → limit config → charge, each
 * stage answering a value, or a promise only when a port answered with one, so a cached token
 * under the in-memory limiter goes through without a promise. Its denials are answered and
 * audited here; `authenticate.ts` orchestrates and applies each check's requirement.
 */
import type { AuthRequirement, AuthResult, AuthenticatorDeps, VerifyOutcome } from './auth-types.ts';
import type { CacheEntry } from './cache.ts';
import type { limitConfigResolver } from './charge.ts';
import { admittedHeaders, consume, keyFor, policyFor } from './charge.ts';
import {
  authorizationValues,
  queryTokens,
  readCredential,
  soleAuthorization,
  type HeaderInput,
} from './credentials.ts';
import { isKeycardError, type RequestErrorCode } from './errors.ts';
import { problem, type ProblemDetail, type ProblemOptions } from './http.ts';
import type { Identity } from './identity.ts';
import { classOf, rateLimitHeaders, type LimitDecision, type LimitPolicy, type RateLimitConfig } from './limiter.ts';
import { recordRequest, type RequestAuditContext } from './request-audit.ts';
import { newRequestState, type FirstPass, type RequestState } from './request-state.ts';
import { validateToken } from './token.ts';
import type { HotFields } from './verify.ts';
import { freeze } from './builtins.ts';

const SKIP_FOREIGN = freeze({ ok: false, result: freeze({ ok: false, skip: 'foreign_token' }) } as const);
const NO_HEADERS: Readonly<Record<string, string>> = freeze({});

export type Pass<S extends string> = FirstPass<S> | Promise<FirstPass<S>>;

/** What the stages of one instance share: its dependencies and what was derived from its options once. */
export interface Pipeline<S extends string> {
  readonly deps: AuthenticatorDeps<S>;
  readonly audit: RequestAuditContext<S>;
  readonly dress: ProblemOptions;
  readonly maxCredentialBytes: number;
  /** The size limit of the full credential reader (foreign tokens may be bigger than ours). */
  readonly readMax: number;
  /** `onForeignToken: 'next'` without a foreign verifier: other issuers' tokens are handed on. */
  readonly passForeign: boolean;
  /** `${prefix}_`: what every one of our tokens starts with. */
  readonly ours: string;
  readonly stateOf: (request: object) => RequestState<S> | undefined;
  readonly keep: (request: object, state: RequestState<S>) => void;
  readonly limitConfigFor: ReturnType<typeof limitConfigResolver<S>>;
}

/**
 * The credential: one pass for the common case — a single `Authorization: Bearer <ours>_…` that
 * is a well-formed token of ours (prefix, length, base62, CRC-32) — and the full RFC 6750 reader
 * (`credentials.ts`) for everything else, which also gives every refusal its exact code.
 */
export function firstPass<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  requirement: AuthRequirement,
): Pass<S> {
  const { deps } = p;
  const headers = st.request.headers as HeaderInput;
  if (!deps.options.allowQueryToken) {
    const field = soleAuthorization(headers);
    if (
      field !== undefined &&
      field.length <= 7 + p.maxCredentialBytes &&
      field.startsWith('Bearer ') &&
      field.startsWith(p.ours, 7)
    ) {
      const secret = field.slice(7);
      if (validateToken(secret, deps.format)) return verified(p, st, requirement, secret, false, true);
    }
  }
  const query = deps.options.allowQueryToken ? queryTokens(st.request.url) : null;
  const credential = readCredential(authorizationValues(headers), query, { maxCredentialBytes: p.readMax });
  const fromQuery = credential.kind === 'bearer' && credential.fromQuery;
  if (credential.kind === 'none' || credential.kind === 'other-scheme') return fail(p, st, 'missing_token', fromQuery);
  if (credential.kind === 'malformed') return fail(p, st, 'invalid_request', fromQuery);
  const secret = credential.credential;
  const foreign = !secret.startsWith(p.ours);
  if (p.passForeign && foreign) return SKIP_FOREIGN;
  // Dual mode: a token without our prefix goes to the OAuth verifier, never to the token store.
  if (foreign && deps.verifyForeign) {
    const v = deps.verifyForeign(secret, requirement.workspaceId);
    return v.then((x) => afterVerify(p, st, requirement, x, secret, fromQuery));
  }
  if (secret.length > p.maxCredentialBytes) return fail(p, st, 'invalid_request', fromQuery);
  return verified(p, st, requirement, secret, fromQuery, false);
}

/** Verification through the caches (synchronous on a hit), then the charge. */
function verified<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  requirement: AuthRequirement,
  secret: string,
  fromQuery: boolean,
  checked: boolean,
): Pass<S> {
  const v = p.deps.verify(secret, requirement.workspaceId, checked);
  if (v instanceof Promise) return v.then((x) => afterVerify(p, st, requirement, x, secret, fromQuery));
  return afterVerify(p, st, requirement, v, secret, fromQuery);
}

function afterVerify<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  requirement: AuthRequirement,
  verified: VerifyOutcome<S>,
  secret: string,
  fromQuery: boolean,
): Pass<S> {
  if (!verified.ok) {
    // "Who did this" has an answer even for a refused token: a revoked one is the leak case.
    if (verified.known) st.known = verified.known;
    return fail(p, st, verified.code, fromQuery);
  }
  const identity = verified.identity;
  const entry = verified.entry;
  st.secret = secret;
  st.identity = identity;
  st.who = (entry?.hot as HotFields<S> | undefined)?.who ?? null;
  let config: RateLimitConfig | Promise<RateLimitConfig>;
  try {
    config = p.limitConfigFor(identity, entry);
  } catch (e) {
    return configFailed(p, st, e, fromQuery);
  }
  if (config instanceof Promise) {
    return config.then(
      (c) => charge(p, st, requirement, identity, entry, c, fromQuery),
      (e: unknown) => configFailed(p, st, e, fromQuery),
    );
  }
  return charge(p, st, requirement, identity, entry, config, fromQuery);
}

function configFailed<S extends string>(p: Pipeline<S>, st: RequestState<S>, e: unknown, fromQuery: boolean) {
  p.deps.onError(e);
  return fail(p, st, 'unavailable', fromQuery, st.identity!.tokenId);
}

/** One charge of the limiter port (synchronous for the memory limiter), then the answer's headers. */
function charge<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  requirement: AuthRequirement,
  identity: Identity<S>,
  entry: CacheEntry | undefined,
  config: RateLimitConfig,
  fromQuery: boolean,
): Pass<S> {
  const cls = requirement.class ?? classOf(st.method);
  st.config = config;
  st.charged = cls;
  const policy = policyFor(config, cls);
  let d: LimitDecision | Promise<LimitDecision>;
  try {
    d = consume(p.deps.limiter, keyFor(config, identity, entry, cls), policy, p.deps.timeoutMs);
  } catch (e) {
    return limiterFailed(p, st, e, fromQuery);
  }
  if (d instanceof Promise) {
    return d.then(
      (x) => admit(p, st, policy, x, fromQuery),
      (e: unknown) => limiterFailed(p, st, e, fromQuery),
    );
  }
  return admit(p, st, policy, d, fromQuery);
}

function limiterFailed<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  e: unknown,
  fromQuery: boolean,
): FirstPass<S> {
  p.deps.onError(e);
  const full = isKeycardError(e) && e.reason === 'limiter_full';
  if (p.deps.options.limiterFailure !== 'open' || full) {
    return fail(p, st, 'unavailable', fromQuery, st.identity!.tokenId);
  }
  st.degraded = true;
  // A later check's charge (chargeLater): the first check's `request.allowed` is written already,
  // so this admission leaves its own, `degraded: true`, as a first charge's fail-open does.
  if (st.allowed) recordRequest(p.audit, st, null, null, null);
  return admit(p, st, null, null, fromQuery);
}

function admit<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  policy: LimitPolicy | null,
  d: LimitDecision | null,
  fromQuery: boolean,
): FirstPass<S> {
  if (d !== null && !d.allowed) {
    const detail: ProblemDetail = { code: 'rate_limited', retryAfterSeconds: d.retryAfterSeconds };
    return fail(p, st, 'rate_limited', fromQuery, st.identity!.tokenId, detail, rateLimitHeaders(policy!, d));
  }
  const rl = d !== null ? admittedHeaders(policy!, d) : NO_HEADERS;
  return { ok: true, identity: st.identity!, headers: fromQuery ? { ...rl, 'Cache-Control': 'private' } : rl };
}

/**
 * A later check on a request (a route guard after a router guard) that declares a class the first
 * check did not charge: a GET the router guard charged as a read, on a route declared a write. That
 * budget is charged too, once a request, and its headers answer; without it the route's declared
 * class went uncharged, a write budget of 60 a minute passed at the read budget's 600 (SPEC §5).
 * Null when there is nothing more to charge (a shared policy is one budget).
 */
export function chargeLater<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  pass: FirstPass<S> & { ok: true },
  requirement: AuthRequirement,
): Pass<S> | null {
  const config = st.config;
  if (!requirement.class || !config || config.shared || st.charged === requirement.class) return null;
  st.config = null; // both budgets charged: no third charge
  // Audited as the later check (its surface, MCP method and tool), as its other denials are.
  const view = newRequestState(st.request, requirement, st, pass.identity);
  // `allowed` on this view means "not the first charge: finish() records no allowed event for this
  // check". Its one reader is limiterFailed's fail-open branch, which then writes this admission's
  // own `degraded` event. A refusal (rate limited, failing closed, limiter full) goes through fail(),
  // which records a denial and reads no `allowed`; the view is never kept (nor is it `st`), so
  // nothing after this call sees it (test/later-charge-refused.test.ts).
  view.allowed = true;
  return charge(p, view, requirement, pass.identity, undefined, config, 'Cache-Control' in pass.headers);
}

/** A denial of the first pass: the problem answer, and its audit event. */
function fail<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  code: RequestErrorCode,
  fromQuery: boolean,
  tokenId: string | null = null,
  detail: ProblemDetail = { code } as ProblemDetail,
  extra?: Record<string, string>,
): FirstPass<S> {
  const result = deny(p, detail, fromQuery ? { ...extra, 'Cache-Control': 'no-store, private' } : extra);
  recordRequest(p.audit, st, code, tokenId, null);
  return { ok: false, result };
}

export function deny<S extends string>(
  p: Pipeline<S>,
  detail: ProblemDetail,
  extra?: Record<string, string>,
): AuthResult<S> {
  const pr = problem(detail, p.dress);
  return {
    ok: false,
    status: pr.status,
    code: pr.code,
    headers: extra ? { ...pr.headers, ...extra } : pr.headers,
    body: pr.body,
  };
}
