import { redactKnown } from './redact.ts';
import { defineProperty, freeze, isArray } from './builtins.ts';

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
  | 'count_changed'
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
 * secret that reached one by accident (an integrator's label, a store's error) is masked, in
 * every encoding `redact()` knows, in the message and at any depth of the cause.
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
  /**
   * `forbidden_resource`: the resource refused (what the 403's detail names), when one is known.
   * On the `invalid_argument` of `identity.assert` given a path it cannot read: the path's last
   * entry, which the adapters' 403 names (a path from the request must not make a 500).
   */
  readonly resource?: { readonly type: string; readonly id: string };
  /** `invalid_argument`: every bad field of the call, e.g. `['label', 'scopes[1]']`. */
  readonly fields?: readonly string[];
  /**
   * Why, where the code alone does not say: `'limiter_full'` on the `unavailable` of a memory
   * limiter whose `maxTrackedTokens` keys are all inside their window (refused even under
   * `limiterFailure: 'open'`: admitting would drop the limit for everyone). `'store_refused'` on
   * the `unavailable` of a store that refused a write outright, so that nothing was written (a
   * CHECK constraint, a value the column cannot hold, a missing table): keycard answers it at
   * once instead of asking the store whether a lost answer landed (docs/stores.md).
   */
  readonly reason?: 'limiter_full' | 'store_refused';
  /**
   * `count_changed`: how many tokens a `revokeAll` with `expectCount` found to revoke instead of
   * the expected number (it revoked none of them).
   */
  readonly count?: number;

  /**
   * @param options.cause kept as a scrubbed copy (see below), never the original object.
   * @param options.secrets exact strings to mask besides the shapes `redact()` knows: a
   *   token and its hashes as {@link secretForms} spells them, where the caller knows them.
   * @param options.resource the refused resource of a `forbidden_resource`.
   * @param options.fields the bad fields of an `invalid_argument`.
   * @param options.count the count a `count_changed` found.
   */
  constructor(
    code: KeycardErrorCode,
    message: string,
    options?: {
      cause?: unknown;
      secrets?: readonly string[];
      resource?: { readonly type: string; readonly id: string };
      fields?: readonly string[];
      reason?: 'limiter_full' | 'store_refused';
      count?: number;
    },
  ) {
    // From untyped code: every bad argument named at once, never a TypeError from deep inside.
    misused(new.target.name, {
      code: typeof code != 'string',
      message: typeof message != 'string',
      options: options != null && typeof options != 'object',
      'options.secrets': options?.secrets != null && !isArray(options.secrets),
      'options.fields': options?.fields != null && !isArray(options.fields),
    });
    const forms = options?.secrets ?? [];
    super(
      redactKnown(message, forms),
      options?.cause === undefined ? undefined : { cause: scrubCause(options.cause, forms, 0, new WeakSet()) },
    );
    this.code = code;
    if (options?.resource) this.resource = { type: options.resource.type, id: options.resource.id };
    if (options?.fields) this.fields = freeze([...options.fields]);
    if (options?.reason) this.reason = options.reason;
    if (options?.count !== undefined) this.count = options.count;
  }
}

/**
 * Throws `invalid_argument` naming (`fields`) each argument flagged true: what the public
 * constructors answer to untyped code, e.g. `new KeycardError: invalid code, message`.
 */
export function misused(where: string, flags: Record<string, unknown>): void {
  const fields = Object.keys(flags).filter((k) => flags[k]);
  if (fields.length)
    throw new KeycardError('invalid_argument', `new ${where}: invalid ${fields.join(', ')}`, { fields });
}

/** Deeper than this, a cause chain or an object is cut (`[truncated]`) rather than kept unscrubbed. */
const MAX_DEPTH = 32;
const TRUNCATED = '[truncated]';

/**
 * A cause is kept for debugging, but an error's message, stack, own fields (a driver's `detail`,
 * `command.args`, an AggregateError's `errors`) and its own causes can carry what they were
 * given: keycard keeps a sanitised copy of the whole chain, at any depth, never the original.
 */
function scrubCause(cause: unknown, forms: readonly string[], depth: number, seen: WeakSet<object>): unknown {
  if (!(cause instanceof Error)) return scrubValue(cause, forms, depth, seen);
  if (depth > MAX_DEPTH || seen.has(cause)) return TRUNCATED;
  seen.add(cause);
  const copy = new Error(redactKnown(String(cause.message), forms));
  copy.name = redactKnown(String(cause.name), forms);
  copy.stack = typeof cause.stack === 'string' ? redactKnown(cause.stack, forms) : undefined;
  const target = copy as unknown as Record<string, unknown>;
  for (const k of Object.getOwnPropertyNames(cause)) {
    if (k === 'message' || k === 'stack' || k === 'name' || k === 'cause') continue;
    let v: unknown;
    try {
      v = (cause as unknown as Record<string, unknown>)[k];
    } catch {
      continue; // a throwing getter is not worth failing an answer for
    }
    target[redactKnown(k, forms)] = scrubValue(v, forms, depth + 1, seen);
  }
  if (cause.cause !== undefined) copy.cause = scrubCause(cause.cause, forms, depth + 1, seen);
  return copy;
}

function scrubValue(value: unknown, forms: readonly string[], depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactKnown(value, forms);
  if (typeof value !== 'object' || value === null)
    return typeof value === 'function' || typeof value === 'symbol' ? String(typeof value) : value;
  if (value instanceof Error) return scrubCause(value, forms, depth, seen);
  if (depth > MAX_DEPTH || seen.has(value)) return TRUNCATED;
  seen.add(value);
  // Raw bytes (a bytea hash, a Buffer) cannot be searched for a shape: keep only their size.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (isArray(value)) return value.map((v) => scrubValue(v, forms, depth + 1, seen));
  if (value instanceof Map)
    return [...value].map(([k, v]) => [scrubValue(k, forms, depth + 1, seen), scrubValue(v, forms, depth + 1, seen)]);
  if (value instanceof Set) return [...value].map((v) => scrubValue(v, forms, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[redactKnown(k, forms)] = scrubValue(v, forms, depth + 1, seen);
  return out;
}

const BRAND = Symbol.for('keycard.error');
defineProperty(KeycardError.prototype, BRAND, { value: true });

/** True when `value` is a KeycardError, also one from another copy of the package (a second bundle). */
export function isKeycardError(value: unknown): value is KeycardError {
  return (
    value instanceof KeycardError ||
    (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true)
  );
}

/** `new KeycardError('invalid_config', …)`: one short name for the core's many configuration refusals. */
export const invalidConfig = (message: string, options?: ConstructorParameters<typeof KeycardError>[2]): KeycardError =>
  new KeycardError('invalid_config', message, options);
