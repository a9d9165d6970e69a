/**
 * The request-audit stage of the pipeline: one `request.allowed`/`request.denied` event per
 * request, and the integrator's `onAuthFailure` hook.
 *
 * An allowed event — one per admitted request — is built here once, in its final shape, from
 * fields that are already safe: the token's redacted fields come from its cache entry
 * (`HotFields.who`), the request id from `requestIdFrom` (which only keeps values that `redact`
 * leaves alone), and the method, surface and path go through the same `redact` and caps as
 * {@link AuditTrail.request}. The trail stamps, freezes and queues it without a second copy.
 * Denials take the general door (`audit.request`), which coalesces the floodable ones.
 */
import type { AuditTrail, RequestAuditEvent } from './audit.ts';
import { auditString, auditText, capPath, requestIdFrom, type Mutable } from './audit-fields.ts';
import type { RequestErrorCode } from './errors.ts';
import type { KeycardOptions } from './options.ts';
import { redact } from './redact.ts';
import { headerOf, pathOf, type RequestState } from './request-state.ts';
import type { HeaderInput } from './credentials.ts';
import type { AuditWho } from './verify.ts';

/** What recording a request needs from the instance. */
export interface RequestAuditContext<S extends string> {
  readonly audit: AuditTrail;
  readonly options: KeycardOptions<S>;
  readonly onError: (error: unknown) => void;
}

/**
 * The request path as logged, computed once per request: `pathOf` already cut the query, the
 * fragment and any origin, so of `auditPath` only the redaction is left to do (the trail's
 * `request()` applies `auditPath` again to denials, which changes nothing).
 */
function pathFor<S extends string>(st: RequestState<S>): string {
  return (st.path ??= redact(pathOf(st.request.url)));
}

function requestIdFor<S extends string>(st: RequestState<S>): string {
  return (st.requestId ??= requestIdFrom(headerOf(st.request.headers as HeaderInput, 'x-request-id')));
}

/** The token fields of an event: from the cache entry, else (OAuth, a refused token) redacted here. */
function whoOf<S extends string>(st: RequestState<S>, tokenId: string | null): AuditWho {
  if (st.who) return st.who;
  // The identity's fields are all set (its workspaceId null or an id), so `??` never reaches past it.
  const k = st.identity ?? st.known;
  return {
    tokenId: auditText(k?.tokenId ?? tokenId),
    label: auditText(k?.label ?? null),
    ownerId: auditText(k?.ownerId ?? null),
    workspaceId: auditText(k?.workspaceId ?? null),
  };
}

/** Records one request event and calls `onAuthFailure` on a denial (its throw is reported, never raised). */
export function recordRequest<S extends string>(
  ctx: RequestAuditContext<S>,
  st: RequestState<S>,
  reason: RequestErrorCode | null,
  tokenId: string | null,
  missing: readonly string[] | null,
): void {
  const { audit, options, onError } = ctx;
  // No sink: no event is built at all (nor its path and request id).
  if (audit.active) {
    if (reason === null) audit.requestBuilt(allowedEvent(st));
    else audit.request(deniedInput(st, reason, tokenId, missing));
  }
  if (reason && options.onAuthFailure) {
    try {
      options.onAuthFailure({
        code: reason,
        method: st.method,
        path: pathFor(st),
        tokenId: st.identity?.tokenId ?? st.known?.tokenId ?? tokenId,
      });
    } catch (e) {
      onError(e);
    }
  }
}

/** The allowed event in its final shape: every field in the order of `requestEvent`, then the optional ones. */
function allowedEvent<S extends string>(st: RequestState<S>): Mutable<RequestAuditEvent> {
  const who = whoOf(st, null);
  const event: Mutable<RequestAuditEvent> = {
    type: 'request.allowed',
    time: '', // stamped by the trail, from its clock
    surface: st.surface === 'http' || st.surface === 'mcp' ? st.surface : (auditString(st.surface) as 'http'),
    method: auditString(st.method),
    path: capPath(pathFor(st)),
    // requestIdFrom keeps a client's id only if it matches [A-Za-z0-9._:-]{1,128} and redact()
    // leaves it unchanged, and generates `uuid-counter` otherwise: already what text() would give.
    requestId: requestIdFor(st),
    tokenId: who.tokenId,
    label: who.label,
    ownerId: who.ownerId,
    workspaceId: who.workspaceId,
  };
  if (st.degraded) event.degraded = true;
  if (st.rpcMethod) event.rpcMethod = auditString(st.rpcMethod);
  if (st.identity?.kind === 'oauth') event.tokenKind = 'oauth';
  if (st.tool) event.tool = auditString(st.tool);
  return event;
}

/** A denial, through the trail's general door (`request()` redacts, caps and coalesces it). */
function deniedInput<S extends string>(
  st: RequestState<S>,
  reason: RequestErrorCode,
  tokenId: string | null,
  missing: readonly string[] | null,
): Parameters<AuditTrail['request']>[0] {
  const id = st.identity;
  const k = st.known;
  return {
    type: 'request.denied',
    surface: st.surface,
    method: st.method,
    path: pathFor(st),
    requestId: requestIdFor(st),
    tokenId: id?.tokenId ?? k?.tokenId ?? tokenId,
    label: id?.label ?? k?.label ?? null,
    ownerId: id?.ownerId ?? k?.ownerId ?? null,
    workspaceId: id?.workspaceId ?? k?.workspaceId ?? null,
    reason,
    // Unset ones undefined, which requestEvent (src/core/audit-fields.ts) leaves out.
    missing: missing ?? undefined,
    degraded: st.degraded || undefined,
    rpcMethod: st.rpcMethod || undefined,
    tool: st.tool || undefined,
    tokenKind: id?.kind === 'oauth' ? 'oauth' : undefined,
  };
}
