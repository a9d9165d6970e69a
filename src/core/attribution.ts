/**
 * Attribution: one line saying who acted and through what, for the activity views and the
 * "last edited by" of the integrator's own records — "Jason (claude-code on macbook) · via MCP".
 */
import { checkArguments } from './arguments-check.ts';
import type { AuditEvent, Surface, TokenAuditEvent } from './audit.ts';

/** What {@link describeActor} reads from an identity (an `Identity` fits). */
export interface ActorIdentityLike {
  readonly tokenId: string;
  readonly label: string;
  readonly ownerId: string;
}

/** Options of {@link describeActor}. */
export interface DescribeActorOptions {
  /**
   * The display name of a user id (an owner, a management actor). keycard knows ids only; your
   * user table knows names. Return undefined to show the id.
   * @default the id itself
   */
  name?: (id: string) => string | undefined;
  /** The surface, for an identity (an event carries its own). Left out: no "· via" part. */
  surface?: Surface;
}

const SURFACES: Readonly<Record<string, string>> = { http: 'HTTP', mcp: 'MCP' };

/**
 * Renders who acted: `Owner (token label) · via Surface` for a request (from its identity or its
 * audit event), the user, token or system for a management event. Pure and cheap: call it per row.
 *
 * @throws KeycardError `invalid_argument` naming `subject` when it is neither an identity nor an event
 * @example
 * ```ts
 * const names = new Map([['usr_1', 'Jason']]);
 * describeActor(identity, { name: (id) => names.get(id), surface: 'mcp' }); // 'Jason (claude-code on macbook) · via MCP'
 * describeActor(event, { name: (id) => names.get(id) });                    // the same, from a request event
 * describeActor(issuedEvent, { name: (id) => names.get(id) });              // 'Jason' (who issued it)
 * ```
 */
export function describeActor(subject: ActorIdentityLike | AuditEvent, options: DescribeActorOptions = {}): string {
  const s = subject as Partial<ActorIdentityLike & AuditEvent> | null;
  const ok = typeof s === 'object' && s !== null && typeof (s.type ?? s.label) === 'string';
  if (!ok) checkArguments('describeActor', ['subject', ok, 'an Identity or an audit event', s]);
  const name = (id: string | null): string => (id === null ? 'unknown' : (options.name?.(id) ?? id));
  if (!('type' in subject)) return withSurface(`${name(subject.ownerId)} (${subject.label})`, options.surface);
  if (subject.type === 'request.allowed' || subject.type === 'request.denied') {
    const who =
      subject.tokenId === null ? 'unknown caller' : `${name(subject.ownerId)} (${subject.label ?? subject.tokenId})`;
    return withSurface(who, subject.surface);
  }
  const actor = (subject as TokenAuditEvent).actor;
  if (actor.kind === 'user') return name(actor.id);
  if (actor.kind === 'token') return actor.id === null ? 'a token' : `token ${actor.id}`;
  return actor.id === null ? 'system' : `system (${actor.id})`;
}

function withSurface(who: string, surface: Surface | undefined): string {
  return surface === undefined ? who : `${who} · via ${SURFACES[surface] ?? surface}`;
}
