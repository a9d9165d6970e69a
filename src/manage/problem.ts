/**
 * The management API's answers (SPEC §11): the one table of error code → status, the RFC 9457
 * problem bodies (members in the order `type`, `title`, `status`, `detail`, `code`, then
 * `errors` for field errors), and JSON success responses. Every answer carries
 * `Cache-Control: no-store`: token lists and views are private to one person and must not sit
 * in a shared cache, and the 201s of create and rotate hold the secret.
 */
import { isKeycardError } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { jsonAnswer, problemAnswer } from '../core/answer.ts';
import { isArray } from '../core/builtins.ts';

/** Every code the management API answers with. */
export type ManagementErrorCode =
  | 'invalid_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'scope_escalation'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'count_changed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal'
  | 'not_implemented'
  | 'unavailable';

/** One bad field of a body or query: its dotted path (`scopes.0`, `target.ownerId`) and why. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

const STATUS: Readonly<Record<ManagementErrorCode, number>> = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  scope_escalation: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  count_changed: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal: 500,
  not_implemented: 501,
  unavailable: 503,
};

/** The status of a management error code; the only place one is chosen. */
export const statusOfCode = (code: ManagementErrorCode): number => STATUS[code];

/** Thrown inside the handler to answer with a problem; caught once at the top. */
export class ManagementProblem extends Error {
  override name = 'ManagementProblem';
  constructor(
    readonly code: ManagementErrorCode,
    readonly detail: string,
    readonly extra: {
      readonly errors?: readonly FieldError[];
      readonly headers?: Readonly<Record<string, string>>;
      readonly members?: Readonly<Record<string, unknown>>;
    } = {},
  ) {
    super(detail);
  }
}

/** A `400 invalid_request` naming every bad field at once. */
export const invalid = (errors: readonly FieldError[]): ManagementProblem =>
  new ManagementProblem(
    'invalid_request',
    errors.length === 1 ? `Invalid field: ${errors[0]!.field}` : `${errors.length} invalid fields`,
    { errors },
  );

/** The one 404: the same for an unknown id and for a token the actor may not see (no existence oracle). */
export const notFound = (): ManagementProblem => new ManagementProblem('not_found', 'No such token');

/** Builds the problem+json response of `p` (src/core/answer.ts). Detail and field messages are redacted. */
export function problemResponse(p: ManagementProblem): Response {
  const errors = p.extra.errors?.map((e) => ({ field: redact(e.field), message: redact(e.message) }));
  return problemAnswer(
    STATUS[p.code],
    { detail: redact(p.detail), code: p.code, ...p.extra.members, ...(errors && { errors }) },
    p.extra.headers,
  );
}

/** A JSON success answer; `location`, a reference relative to the target URI, names what a 201 created. */
export const json = (value: unknown, status?: number, location?: string): Response =>
  jsonAnswer(value, status, location === undefined ? {} : { Location: location });

/** Body fields a lifecycle message may start with: `invalid_argument` errors are reported against them. */
const KNOWN_FIELDS = [
  'label',
  'scopes',
  'kind',
  'workspaceId',
  'restrictions',
  'expiresIn',
  'expiresAt',
  'metadata',
  'rateLimit',
  'graceMs',
  'reason',
  'id',
  'cursor',
  'limit',
];

/**
 * Maps an error thrown by a lifecycle method (`issue`, `update`, `rotate`, …) to the problem it
 * means over HTTP, or null for anything that is not a `KeycardError` (a bug: answered 500).
 * A revoked or expired token refusing a rotation is a state conflict here (409), not the 401 of
 * a request carrying it.
 */

/**
 * The part of a lifecycle message about one body member, as the body names it: `update: patch.label
 * must not …; patch.metadata is …` gives `label must not …` for `label`. The whole message when no
 * part names the member (a message of another shape).
 */
function messageOf(message: string, field: string): string {
  const parts = message
    .replace(/^[A-Za-z]+: /, '')
    .split('; ')
    .map((m) => m.replace(/^patch\./, ''));
  return parts.find((m) => m.startsWith(`${field} `) || m.startsWith(`${field}.`)) ?? message;
}
export function problemOfKeycardError(error: unknown): ManagementProblem | null {
  if (!isKeycardError(error)) return null;
  switch (error.code) {
    case 'invalid_argument': {
      // Lifecycle validation names every bad field on `fields`; older messages start with the field,
      // after an optional `call: ` prefix.
      const named = error.fields;
      const candidates =
        isArray(named) && named.length > 0
          ? named.map(String)
          : [/^(?:[A-Za-z]+: )?([A-Za-z]+)/.exec(error.message)?.[1] ?? ''];
      // `update(id, patch)` names its members `patch.label`: over HTTP they are the body's own.
      const members = candidates.map((f) => f.replace(/^patch\./, ''));
      const fields = [...new Set(members.map((f) => (KNOWN_FIELDS.includes(f.split('.')[0]!) ? f : 'body')))];
      return invalid(fields.map((field) => ({ field, message: messageOf(error.message, field) })));
    }
    case 'scope_escalation':
      return new ManagementProblem('scope_escalation', error.message);
    case 'not_found':
      return notFound();
    case 'conflict':
    case 'token_revoked':
    case 'token_expired':
      return new ManagementProblem('conflict', error.message);
    case 'count_changed':
      return new ManagementProblem('count_changed', error.message);
    case 'unavailable':
      return new ManagementProblem('unavailable', 'Token service unavailable');
    default:
      return null;
  }
}

/**
 * RFC 9110 §9.3.7: OPTIONS answers what the resource supports, `Allow`, and where it takes PATCH
 * `Accept-Patch` (RFC 5789 §3.1: it "SHOULD appear in the OPTIONS response for any resource that
 * supports the use of the PATCH method"). Asks for no caller and reads nothing: the same for any
 * id, as the OpenAPI document is public. A CORS preflight gets it too and is granted nothing
 * (no `Access-Control-Allow-*`: only the app's own CORS layer adds those).
 */
export const optionsAnswer = (allow: readonly string[]): Response =>
  new Response(null, {
    status: 204,
    headers: {
      Allow: allow.join(', '),
      ...(allow.includes('PATCH') ? { 'Accept-Patch': 'application/json' } : {}),
    },
  });
