/**
 * The one request pipeline (SPEC §5, §8): extract → parse → lookup → validity (401) → limit (429)
 * → scope (403) → resource (403), answering with the bytes of the contract table. Adapters call
 * it once per check and only translate its answer.
 *
 * The first check of a request verifies and charges; later checks on the same request object
 * (a router-level and a route-level guard) reuse that result and only test their own
 * requirement, so a request is looked up once and charged once per class: a later check that
 * declares a class the first did not charge charges that budget too (`chargeLater`).
 *
 * Synchronous wherever its ports are: a cached token under an in-memory limiter is answered
 * without a promise (`authenticate.direct`, which the adapters call); each stage returns a value,
 * or a promise only when a store, resolver or shared limiter answered with one (bench/: the
 * promise and async frames of an awaited pipeline were ~2 KB and ~1 µs a request).
 */
import { requestIdFrom } from './audit.ts';
import type {
  AuthRequest,
  AuthRequirement,
  AuthResult,
  Authenticate,
  AuthenticatorDeps,
  VerifyOutcome,
} from './auth-types.ts';
import { authorize } from './authorize.ts';
import { limitConfigResolver } from './charge.ts';
import type { HeaderInput } from './credentials.ts';
import { invalidConfig, isKeycardError } from './errors.ts';
import { FOREIGN_MAX_BYTES } from './foreign.ts';
import { chargeLater, deny, firstPass, type Pipeline } from './first-pass.ts';
import { CONSTANT_CODES, PREFLIGHT_ANSWER, problem, type Problem, type ProblemDetail } from './http.ts';
import type { Identity } from './identity.ts';
import { recordRequest } from './request-audit.ts';
import { requirementError } from './requirement-check.ts';
import { headerOf, newRequestState, requestStates, type FirstPass, type RequestState } from './request-state.ts';
import { freeze } from './builtins.ts';

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

const PREFLIGHT = freeze({ ok: false, code: 'preflight', ...PREFLIGHT_ANSWER } as const);
const NO_REQUIREMENT: AuthRequirement = freeze({});

// The codes `problemFor` answers with their shared problem (src/core/http.ts).
const CONSTANT_PROBLEM_CODES = new Set<string>(CONSTANT_CODES);

type Answer<S extends string> = AuthResult<S> | Promise<AuthResult<S>>;

export function createAuthenticator<S extends string>(deps: AuthenticatorDeps<S>): Authenticate<S> {
  const { options, onError } = deps;
  const passForeign = options.onForeignToken === 'next' && !deps.verifyForeign;
  const maxCredentialBytes = options.maxCredentialBytes ?? 1024;
  const p: Pipeline<S> = {
    deps,
    audit: { audit: deps.audit, options, onError },
    dress: {
      // Checked with every option (core/options.ts: validateRealm, validateTypeBase).
      realm: options.realm ?? 'api',
      // An unset one is undefined here, which src/core/http.ts's tableFor reads as absent.
      typeBase: options.problemTypeBase,
      resourceMetadata: options.resourceMetadataUrl,
      settingsUrl: options.settingsUrl,
    },
    maxCredentialBytes,
    // With onForeignToken 'next', other issuers' tokens (a 1.5 KB JWT) are not ours to size-limit.
    readMax: passForeign || deps.verifyForeign ? FOREIGN_MAX_BYTES : maxCredentialBytes,
    passForeign,
    ours: `${deps.format.prefix}_`,
    ...requestStates<S>(),
    limitConfigFor: limitConfigResolver(deps),
  };

  const direct = (request: AuthRequest, requirement: AuthRequirement = NO_REQUIREMENT): Answer<S> => {
    try {
      const r = check(p, request, requirement);
      return r instanceof Promise ? r.catch((e: unknown) => crash(p, request, requirement, e)) : r;
    } catch (e) {
      return crash(p, request, requirement, e);
    }
  };
  const authenticate = ((request: AuthRequest, requirement?: AuthRequirement): Promise<AuthResult<S>> => {
    const r = direct(request, requirement);
    return r instanceof Promise ? r : Promise.resolve(r);
  }) as Authenticate<S>;
  authenticate.direct = direct;

  authenticate.problemFor = (error: unknown, request?: AuthRequest): Problem | null => {
    // A brand check, not instanceof: bundlers (Next's Turbopack) may load two copies of the core.
    if (!isKeycardError(error)) return null;
    let pr: Problem | null = null;
    if (error.code === 'forbidden_resource' || error.code === 'invalid_argument') {
      // An invalid_argument with a resource: a path identity.assert could not read (core/identity.ts),
      // the integrator's bug, refused as the guard refuses it (core/authorize.ts): 403, reported.
      const r = error.resource;
      if (r) pr = problem({ code: 'forbidden_resource', type: r.type, id: r.id }, p.dress);
      if (r && error.code === 'invalid_argument') p.deps.onError(error);
    } else if (CONSTANT_PROBLEM_CODES.has(error.code)) {
      pr = problem({ code: error.code } as ProblemDetail, p.dress);
    }
    const st = request && p.stateOf(request);
    // A request handed on as another issuer's token has no token here: its refusal is audited
    // with none (and coalesced, as it was never charged: docs/audit.md#coalescing).
    if (pr && st && (st.allowed || handedOn(st)))
      recordRequest(p.audit, st, pr.code, st.identity?.tokenId ?? null, null);
    return pr;
  };
  return authenticate;
}

/** The first check handed the request on: another issuer's token, with `onForeignToken: 'next'`. */
const handedOn = (st: RequestState<string>): boolean => {
  const r = st.pass?.ok === false ? st.pass.result : null;
  return r !== null && !r.ok && r.skip === 'foreign_token';
};

/** One check: a preflight, the first check of a request, or a later one on the same request object. */
function check<S extends string>(p: Pipeline<S>, request: AuthRequest, requirement: AuthRequirement): Answer<S> {
  // Before anything reads the credential: a preflight never verifies a token (no oracle).
  if (
    request.method === 'OPTIONS' &&
    p.deps.options.passPreflight !== false &&
    headerOf(request.headers as HeaderInput, 'access-control-request-method') !== null
  ) {
    return PREFLIGHT;
  }
  // A requirement from untyped code (a promise, a string, a misspelled key) would ask for nothing.
  if (requirement !== NO_REQUIREMENT) {
    const bad = requirementError(requirement);
    if (bad !== null) throw invalidConfig(bad);
  }
  const held = p.stateOf(request);
  if (held !== undefined) return later(p, held, requirement);
  const st = newRequestState<S>(request, requirement);
  p.keep(request, st);
  const pass = firstPass(p, st, requirement);
  if (pass instanceof Promise) {
    st.pending = pass;
    return pass.then((r) => ((st.pass = r), finish(p, st, r, requirement, true)));
  }
  st.pass = pass;
  return finish(p, st, pass, requirement, true);
}

/** The requirement of a check against what the first pass found; the first check also records the admission. */
function finish<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  pass: FirstPass<S>,
  requirement: AuthRequirement,
  first: boolean,
): AuthResult<S> {
  if (!pass.ok) return pass.result;
  const identity = pass.identity;
  const denied = authorize(p.deps.catalogue, p.deps.onError, identity, requirement, st.method);
  if (denied) {
    const at = first ? st : laterView(st, requirement, identity);
    recordRequest(p.audit, at, denied.detail.code, identity.tokenId, denied.missing ?? null);
    return deny(p, denied.detail, pass.headers);
  }
  if (first) {
    st.allowed = true;
    recordRequest(p.audit, st, null, identity.tokenId, null);
  }
  // The first pass's answer is the answer: `{ ok, identity, headers }`, shared by stacked checks.
  return pass;
}

/** A later check on a request whose first check ran (or is running): no second lookup, no second charge of a class. */
function later<S extends string>(p: Pipeline<S>, st: RequestState<S>, requirement: AuthRequirement): Answer<S> {
  const pass = st.pass;
  if (pass === null) return st.pending!.then((r) => laterWith(p, st, r, requirement));
  return laterWith(p, st, pass, requirement);
}

function laterWith<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  pass: FirstPass<S>,
  requirement: AuthRequirement,
): Answer<S> {
  if (!pass.ok) return pass.result;
  // A class the route declares and the first check did not charge is charged now (first-pass.ts).
  // A refusal stays the answer of every later check of the request.
  const c = chargeLater(p, st, pass, requirement);
  const go = (x: FirstPass<S>) => laterWith(p, st, (st.pass = x), requirement);
  if (c) return c instanceof Promise ? c.then(go) : go(c);
  const ws = requirement.workspaceId;
  const kind = pass.identity.kind;
  if (ws !== undefined && ws !== st.workspace && kind !== 'workspace' && st.secret !== null) {
    // The owner bound of a personal token, and of an OAuth token's subject, depends on the
    // workspace a check names: derive it again (not charged). An OAuth token goes back to the
    // OAuth verifier: keycard's own would call it unknown.
    const again =
      kind === 'oauth' && p.deps.verifyForeign ? p.deps.verifyForeign(st.secret, ws) : p.deps.verify(st.secret, ws);
    if (again instanceof Promise) return again.then((a) => rederived(p, st, pass, requirement, a));
    return rederived(p, st, pass, requirement, again);
  }
  return finish(p, st, pass, requirement, false);
}

function rederived<S extends string>(
  p: Pipeline<S>,
  st: RequestState<S>,
  pass: FirstPass<S> & { ok: true },
  requirement: AuthRequirement,
  again: VerifyOutcome<S>,
): AuthResult<S> {
  if (!again.ok) {
    recordRequest(p.audit, laterView(st, requirement, pass.identity), again.code, pass.identity.tokenId, null);
    return deny(p, { code: again.code } as ProblemDetail, pass.headers);
  }
  return finish(p, st, { ok: true, identity: again.identity, headers: pass.headers }, requirement, false);
}

/** The audit description of a later check: its own surface, MCP method and tool, the first pass's identity. */
function laterView<S extends string>(
  st: RequestState<S>,
  requirement: AuthRequirement,
  identity: Identity<S>,
): RequestState<S> {
  return newRequestState<S>(st.request, requirement, st, identity);
}

/** Hostile input gets a 4xx and a broken dependency a 503 — never a 500 or a stack trace. */
function crash<S extends string>(
  p: Pipeline<S>,
  request: AuthRequest,
  requirement: AuthRequirement,
  e: unknown,
): AuthResult<S> {
  p.deps.onError(e);
  try {
    p.deps.audit.request({
      type: 'request.denied',
      surface: (requirement as AuthRequirement | null)?.surface ?? 'http', // null from untyped code
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
  return deny(p, { code: 'unavailable' });
}
