import { redact } from './redact.ts';

/**
 * Every code keycard can answer with. The first nine are the HTTP contract of SPEC §8 and map
 * one-to-one onto a status in `http.ts`; the rest are raised by management calls (`issue`,
 * `update`, `rotate`, …) and by configuration, never by a request.
 */
export type KeycardErrorCode =
  | 'missing_token'
  | 'invalid_request'
  | 'invalid_token'
  | 'token_expired'
  | 'token_revoked'
  | 'insufficient_scope'
  | 'forbidden_resource'
  | 'rate_limited'
  | 'unavailable'
  | 'invalid_config'
  | 'invalid_argument'
  | 'not_found'
  | 'conflict'
  | 'scope_escalation'
  // Device login and credential files (SPEC §13), raised by keycard/cli.
  | 'access_denied'
  | 'expired_token'
  | 'insecure_file';

/** The codes a request can be denied with (SPEC §8), in the order of the contract table. */
export const REQUEST_ERROR_CODES = [
  'missing_token',
  'invalid_request',
  'invalid_token',
  'token_expired',
  'token_revoked',
  'insufficient_scope',
  'forbidden_resource',
  'rate_limited',
  'unavailable',
] as const satisfies readonly KeycardErrorCode[];

export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];

/**
 * The one error class keycard throws. Match on `code`, never on `message`: the code is a stable
 * public contract, the message is prose. Messages are passed through the token redactor, so a
 * secret that reached one by accident (an integrator's label, a store's error) is masked.
 *
 * @example Telling a denial from a bug
 * ```ts
 * try { identity.assert({ company: 'c2' }, 'write'); }
 * catch (e) { if (e instanceof KeycardError && e.code === 'forbidden_resource') return deny(e); throw e; }
 * ```
 */
export class KeycardError extends Error {
  override name = 'KeycardError';
  readonly code: KeycardErrorCode;

  constructor(code: KeycardErrorCode, message: string, options?: { cause?: unknown }) {
    super(redact(message), options?.cause === undefined ? undefined : { cause: scrubCause(options.cause) });
    this.code = code;
  }
}

/**
 * A cause is kept for debugging, but an error's message, stack, own string fields (a driver's
 * `detail`, `command.args`) and its own causes can carry what they were given: keycard keeps a
 * sanitised copy of the whole chain, never the original object.
 */
function scrubCause(cause: unknown, depth = 0): unknown {
  if (typeof cause === 'string') return redact(cause);
  if (depth > 4 || typeof cause !== 'object' || cause === null) return cause;
  if (!(cause instanceof Error)) return scrubValue(cause, depth);
  const copy = new Error(redact(cause.message));
  copy.name = cause.name;
  copy.stack = typeof cause.stack === 'string' ? redact(cause.stack) : undefined;
  for (const [k, v] of Object.entries(cause)) (copy as unknown as Record<string, unknown>)[k] = scrubValue(v, depth + 1);
  if (cause.cause !== undefined) copy.cause = scrubCause(cause.cause, depth + 1);
  return copy;
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redact(value);
  if (value instanceof Error) return scrubCause(value, depth);
  if (depth > 4 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, depth + 1)]));
}

const BRAND = Symbol.for('keycard.error');
Object.defineProperty(KeycardError.prototype, BRAND, { value: true });

/** True when `value` is a KeycardError, also one from another copy of the package (a second bundle). */
export function isKeycardError(value: unknown): value is KeycardError {
  return value instanceof KeycardError || (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true);
}
