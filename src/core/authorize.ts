/**
 * The authorize stage of the pipeline: scope → workspace → resource → the caller's `forbid`,
 * answered as a problem detail (null: allowed) so the orchestration never branches on a throw.
 */
import { isKeycardError } from './errors.ts';
import type { AuthRequirement } from './auth-types.ts';
import type { ProblemDetail } from './http.ts';
import type { Identity } from './identity.ts';
import type { ScopeCatalogue } from './scopes.ts';
import { classOf } from './limiter.ts';
import { unreadableResource } from './restrictions-paths.ts';

/**
 * Scope, workspace and resource checks of one requirement against a verified identity. A
 * resource without `access` is checked as the request's class: the requirement's, else its
 * method's (GET, HEAD, OPTIONS read; the rest write), so a POST is never checked as a read.
 */
export function authorize<S extends string>(
  catalogue: ScopeCatalogue<S>,
  onError: (error: unknown) => void,
  identity: Identity<S>,
  requirement: AuthRequirement,
  method: string,
): { detail: ProblemDetail; missing?: readonly string[] } | null {
  if (requirement.scope !== undefined) {
    const missing = catalogue.missing(requirement.scope, identity.scopes);
    if (missing.length) return { detail: { code: 'insufficient_scope', missing }, missing };
  }
  const ws = requirement.workspaceId;
  if (ws != null && identity.kind === 'workspace' && identity.workspaceId !== ws) {
    return { detail: { code: 'forbidden_resource', type: 'workspace', id: ws } };
  }
  if (requirement.resource) {
    const { path, access = requirement.class ?? classOf(method) } = requirement.resource;
    try {
      identity.assert(path, access);
    } catch (e) {
      const denied = isKeycardError(e) && e.code === 'forbidden_resource' ? e.resource : undefined;
      if (denied) return { detail: { code: 'forbidden_resource', type: denied.type, id: denied.id } };
      // A path the hierarchy cannot read (an empty id from the URL, a skipped level) is the
      // integrator's bug: report it, and fail closed with a 403 rather than a misleading 503.
      onError(e);
      return { detail: { code: 'forbidden_resource', ...unreadableResource(path) } };
    }
  }
  const forbidden = requirement.forbid?.(identity as Identity);
  if (forbidden) return { detail: { code: 'forbidden_resource', type: forbidden.type, id: forbidden.id } };
  return null;
}
