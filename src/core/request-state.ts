/**
 * Per-request state of the pipeline: one fixed-shape object per request holding what its first
 * check learned (for the later checks of the same request object) and its audit description,
 * and the small readers of a request's headers and path.
 */
import type { AuthRequest, AuthRequirement, AuthResult, KnownToken } from './auth-types.ts';
import type { Surface } from './audit.ts';
import type { HeaderInput } from './credentials.ts';
import type { Identity } from './identity.ts';
import type { LimitClass, RateLimitConfig } from './limiter.ts';
import { excerpt } from './redact.ts';
import type { AuditWho } from './verify.ts';
import { isArray } from './builtins.ts';

/** The part of a request's answer that stacked checks share; an allowed one is also the answer itself. */
export type FirstPass<S extends string> =
  | { readonly ok: true; readonly identity: Identity<S>; readonly headers: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly result: AuthResult<S> };

/**
 * What a request's first check learned, for the later checks of the same request object: the
 * verification and charge (so a request is looked up and charged once), its audit description
 * (for denials raised later in handlers), its credential and the workspace it named (a later
 * check naming another one re-derives the owner bound from the caches, without a charge).
 *
 * One object per request, every field set at creation (one hidden class: fields added later
 * split the shapes the pipeline sees). The audit fields that cost work (`path`, `requestId`) are
 * filled in only when an event or `onAuthFailure` needs them.
 */
export interface RequestState<S extends string> {
  readonly request: AuthRequest;
  /** The first check's answer, once known; `pending` while a store or limiter promise is out. */
  pass: FirstPass<S> | null;
  pending: Promise<FirstPass<S>> | null;
  secret: string | null;
  readonly workspace: string | null | undefined;
  readonly surface: Surface;
  readonly method: string;
  readonly rpcMethod: string | undefined;
  readonly tool: string | undefined;
  path: string | null;
  requestId: string | null;
  identity: Identity<S> | null;
  /** The redacted audit fields of the token (from its cache entry), null for an OAuth identity. */
  who: AuditWho | null;
  /** "Who did this" for a refused token (a revoked one is the leak case). */
  known: KnownToken | null;
  degraded: boolean;
  /** The first check allowed the request (and recorded it): a later denial in a handler is audited too. */
  allowed: boolean;
  /**
   * The limit config the first check charged under (null again once a later check declaring the
   * other class charged that one too: SPEC §5, a route may declare its class), and its class.
   */
  config: RateLimitConfig | null;
  charged: LimitClass | null;
}

/**
 * A fresh state for the first check of `request`; or, given the first check's state, the audit
 * view of a later check: its own surface, MCP method and tool, the first check's identity, token
 * fields and request id (one request, one id: its events must correlate).
 */
export function newRequestState<S extends string>(
  request: AuthRequest,
  requirement: AuthRequirement,
  first?: RequestState<S>,
  identity: Identity<S> | null = null,
): RequestState<S> {
  return {
    request,
    pass: null,
    pending: null,
    secret: null,
    workspace: requirement.workspaceId,
    surface: requirement.surface ?? 'http',
    method: request.method,
    rpcMethod: clientName(requirement.rpcMethod),
    tool: clientName(requirement.tool),
    path: null,
    requestId: first?.requestId ?? null,
    identity,
    who: first?.who ?? null,
    known: null,
    degraded: false,
    allowed: false,
    config: null,
    charged: null,
  };
}

/** Characters of a client-sent MCP method or tool name the audit keeps (the MCP spec's longest tool name). */
const MAX_NAME = 128;

/** Longest client-sent name that is masked and cut; a longer one is no MCP name and is recorded by its length. */
const MAX_SCANNED_NAME = 1024;

/**
 * A client-sent name as the audit keeps it: masked, then cut to {@link MAX_NAME} (`excerpt`). Cut
 * first, a token ending just past the cut would lose only its last checksum character and escape
 * the token pattern, leaving the whole secret body in the event; so adapters hand over the name
 * whole, and it is cut here. Past {@link MAX_SCANNED_NAME} characters it is `[name of N characters]`,
 * unscanned: masking 100 KB cost ~20 ms of CPU per request, before authentication.
 */
const clientName = (name: string | undefined): string | undefined => {
  if (name === undefined) return undefined;
  const text = String(name);
  return text.length > MAX_SCANNED_NAME ? `[name of ${text.length} characters]` : excerpt(text, MAX_NAME);
};

/**
 * Requests an adapter made from the request a guard checked (`expressHandler`'s Web `Request`
 * built from Node's request), to that checked object: one HTTP request, so the made one's checks
 * are later checks (one lookup, one charge, one request id). Module-private, filled only by
 * {@link linkRequest}; a copy of a made request (`new Request(r)`, `{ ...r }`) is not in it.
 */
const made = new WeakMap<object, object>();

/**
 * Links `request`, made by an adapter from `from` (the object its guard gave `authenticate`), so
 * keycard counts the two as one request: once, and only when both carry the same `Authorization`
 * (a request with another credential never shares an admission).
 */
export function linkRequest(request: Request, from: AuthRequest): void {
  const h = from.headers as HeaderInput;
  const auth =
    typeof (h as Headers).get === 'function'
      ? (h as Headers).get('authorization')
      : [(h as Record<string, string | readonly string[] | undefined>).authorization ?? []].flat().join(', ');
  // To the end of from's links, never to itself: a link to a request with none closes no loop (stateOf follows it).
  let root: object = from;
  for (let up; (up = made.get(root)) !== undefined;) root = up;
  if (root !== request && !made.has(request) && (request.headers.get('authorization') ?? '') === (auth ?? ''))
    made.set(request, root);
}

/**
 * The per-request memo of one instance: on the request under a symbol of this instance, by
 * plain assignment (`Object.defineProperty` cost ~0.25 µs a request in bench/, a WeakMap lookup
 * ~15 % of the pipeline), and in a WeakMap only for objects that cannot take a property; for a
 * request an adapter made from another ({@link linkRequest}), the memo of that other one.
 */
export function requestStates<S extends string>(): {
  stateOf(request: object): RequestState<S> | undefined;
  keep(request: object, state: RequestState<S>): void;
} {
  const STATE = Symbol('keycard.request');
  const frozen = new WeakMap<object, RequestState<S>>();
  // A plain property is copied by `{ ...request }`: the state counts only on the object it was
  // kept on, so a copy is a new request (its own lookup, charge and event), never a free ride.
  const stateOf = (request: object): RequestState<S> | undefined => {
    const held = (request as { [STATE]?: RequestState<S> })[STATE];
    if (held !== undefined) return held.request === request ? held : undefined;
    const from = made.get(request);
    // `frozen` holds only objects that cannot take a property: for any other, a miss.
    return from ? stateOf(from) : frozen.get(request);
  };
  const keep = (request: object, state: RequestState<S>) => {
    if (Object.isExtensible(request)) (request as { [STATE]?: RequestState<S> })[STATE] = state;
    else frozen.set(request, state);
  };
  return { stateOf, keep };
}

/** One header of a Fetch `Headers` or a Node headers object (the first of a repeated one). */
export function headerOf(headers: HeaderInput, name: string): string | null {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const v = (headers as Record<string, string | readonly string[] | undefined>)[name];
  if (typeof v === 'string') return v;
  if (isArray(v)) return (v as readonly string[])[0] ?? null;
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
