/**
 * The request-audit stage of the pipeline: one `request.allowed`/`request.denied` event per
 * request, and the integrator's `onAuthFailure` hook.
 */
import type { AuditTrail, Surface } from './audit.ts';
import type { KnownToken } from './auth-types.ts';
import type { RequestErrorCode } from './errors.ts';
import type { Identity } from './identity.ts';
import type { KeycardOptions } from './options.ts';
import { redact } from './redact.ts';

/** What recording a request needs from the instance. */
export interface RequestAuditContext<S extends string> {
  readonly audit: AuditTrail;
  readonly options: KeycardOptions<S>;
  readonly onError: (error: unknown) => void;
}

/** The audit description of one request, filled in as the pipeline learns who is calling. */
export interface AuditBase<S extends string = string> {
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

/** Records one request event and calls `onAuthFailure` on a denial (its throw is reported, never raised). */
export function recordRequest<S extends string>(
  ctx: RequestAuditContext<S>,
  base: AuditBase<S>,
  reason: RequestErrorCode | null,
  tokenId: string | null,
  missing: readonly string[] | null,
) {
  const { audit, options, onError } = ctx;
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
      options.onAuthFailure({
        code: reason,
        method: base.method,
        path: redact(base.path),
        tokenId: id?.tokenId ?? base.known?.tokenId ?? tokenId,
      });
    } catch (e) {
      onError(e);
    }
  }
}
