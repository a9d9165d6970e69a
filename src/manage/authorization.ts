/**
 * Who is calling and what they may touch (SPEC §11). A request carrying a keycard bearer token
 * (when `managementScope` is set) is a token actor, verified by the instance's own pipeline, so
 * it is rate-limited and audited like any API call; anything else goes to the integrator's
 * `authorize`. Visibility is one predicate, `can`: whatever it refuses is answered 404.
 */
import { withDeadline } from '../core/bounded.ts';
import { isUserActor, userActorRule } from '../core/user-actor.ts';
import type { Keycard } from '../keycard.ts';
import type { ManagementAction, ManagementActor, ManagementTarget, ResolvedOptions } from './options.ts';
import { ManagementProblem } from './problem.ts';

/** The caller, and whether it came with an ambient credential (a session: CSRF applies). */
export interface Caller {
  readonly actor: ManagementActor;
  readonly viaSession: boolean;
}

/** True when the request carries `Authorization: Bearer …` (any value). */
export const hasBearer = (request: Request): boolean =>
  /^bearer(\s|$)/i.test(request.headers.get('authorization') ?? '');

/**
 * The token path: the instance's pipeline checks the token and the management scope. A foreign
 * bearer token (`onForeignToken: 'next'`) falls through to the session; any other refusal is
 * answered with the contract's own bytes (401/403/429/503 of SPEC §8).
 */
export async function tokenCaller(
  keycard: Keycard,
  request: Request,
  scope: string,
): Promise<Caller | Response | null> {
  const r = await keycard.authenticate(request, { scope });
  if (r.ok) return { actor: { kind: 'token', identity: r.identity }, viaSession: false };
  if (r.skip) return null;
  return new Response(r.body, { status: r.status, headers: r.headers });
}

/**
 * The session path: `authorize(request)`; null ⇒ 401 with `challenge` as its `WWW-Authenticate`
 * (challenge.ts), a throw or no answer within `timeoutMs` (the keycard's `storeTimeoutMs`) ⇒ 503,
 * a malformed actor ⇒ 500 (an integrator bug).
 */
export async function sessionCaller(
  options: ResolvedOptions,
  request: Request,
  timeoutMs: number,
  challenge: string,
): Promise<Caller> {
  let actor: unknown;
  try {
    actor = await withDeadline(() => options.authorize(request), timeoutMs, 'authorize()');
  } catch (e) {
    options.onError(e);
    throw new ManagementProblem('unavailable', 'Session check unavailable');
  }
  if (actor === null || actor === undefined)
    throw new ManagementProblem('unauthenticated', 'Sign in to manage tokens', {
      headers: { 'WWW-Authenticate': challenge },
    });
  if (!isUserActor(actor)) {
    options.onError(new TypeError(userActorRule()));
    throw new ManagementProblem('internal', 'Management handler misconfigured');
  }
  return { actor, viaSession: true };
}

/** The id of an actor as the owner of what it creates. */
export const ownerOf = (actor: ManagementActor): string => (actor.kind === 'user' ? actor.id : actor.identity.ownerId);

/** The default rights (see `ManagementOptions.can`). */
export function defaultCan(options: ResolvedOptions) {
  return (actor: ManagementActor, _action: ManagementAction, target: ManagementTarget): boolean | Promise<boolean> => {
    if (actor.kind === 'token') {
      const me = actor.identity;
      if (target.kind !== me.kind) return false;
      return target.kind === 'personal'
        ? target.ownerId === me.ownerId
        : target.workspaceId !== null && target.workspaceId === me.workspaceId;
    }
    if (target.kind === 'personal') return target.ownerId === actor.id;
    return target.workspaceId !== null && options.canManageWorkspace(actor, target.workspaceId);
  };
}

/**
 * `can` as configured; a hook that answers anything but `true` refuses (fail closed), one that
 * throws or does not answer within `timeoutMs` (the keycard's `storeTimeoutMs`) is a 503.
 */
export function createCan(options: ResolvedOptions, timeoutMs: number) {
  const fallback = defaultCan(options);
  const custom = options.can;
  const what = custom ? 'can()' : 'canManageWorkspace()';
  return async (actor: ManagementActor, action: ManagementAction, target: ManagementTarget): Promise<boolean> => {
    try {
      const answer = await withDeadline(
        () => (custom ? custom(actor, action, target, fallback) : fallback(actor, action, target)),
        timeoutMs,
        what,
      );
      return answer === true;
    } catch (e) {
      options.onError(e);
      throw new ManagementProblem('unavailable', 'Authorization check unavailable');
    }
  };
}

/** The scopes an actor holds now, whose closure bounds what it may grant. */
export const grantableOf = (actor: ManagementActor): readonly string[] =>
  actor.kind === 'user' ? actor.scopes : [...actor.identity.scopes];
