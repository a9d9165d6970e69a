import * as z from './shape.ts';
import { english } from './config.ts';
import { invalidConfig, KeycardError } from './errors.ts';
import { integer, refine, schema, strict, text } from './kinds.ts';
import { freeze, isArray } from './builtins.ts';
import { excerpt } from './redact.ts';

/**
 * Rate limits (SPEC §5): the policy configuration, the pure admission decision, the store port
 * and the draft-ietf-httpapi-ratelimit-headers-10 fields. Everything here is pure; a store
 * supplies the time and keeps the state. The algorithm and its proofs are in
 * docs/rate-limits.md.
 */

/** The class a request is charged to: `read` for GET, HEAD and OPTIONS, `write` for the rest. */
export type LimitClass = 'read' | 'write';

/** A named policy: `limit` admissions per `windowSeconds`. */
export interface LimitPolicy {
  /** Shown to clients in `RateLimit-Policy` and `RateLimit`; an RFC 9651 sf-string without quotes. */
  readonly name: string;
  /** Admissions allowed in any window of `windowSeconds`; an integer from 1 to 2³¹ − 1. */
  readonly limit: number;
  /** The window length in whole seconds, so that a sub-window (a tenth) is a whole number of ms. */
  readonly windowSeconds: number;
}

/** What a store answers for one charge. */
export interface LimitDecision {
  readonly allowed: boolean;
  /** Quota units left after this decision (0 on refusal). */
  readonly remaining: number;
  /**
   * Whole seconds until the full quota is available again (draft-10 `t`). When allowed this is
   * the window (the quota is full again once the last admission leaves it); on a refusal it
   * equals `retryAfterSeconds`, as draft-10 asks of a 429.
   */
  readonly resetSeconds: number;
  /** On refusal: the exact milliseconds until a request would be admitted with no other traffic; 0 when allowed. */
  readonly retryAfterMs: number;
  /** On refusal: `ceil(retryAfterMs / 1000)`, never below 1 (a `Retry-After: 0` invites a hot loop); 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/**
 * The limiter store port. It is kept small and typed with primitives so that a shared store
 * can implement `consume` as one atomic step (Redis: one Lua script over `TIME`).
 */
export interface LimiterStore {
  /**
   * Charge one request to `key` under `limit`/`windowSeconds` if admissible, atomically.
   * May return synchronously (memory) or a promise (shared stores). A refusal charges nothing.
   */
  consume(key: string, limit: number, windowSeconds: number): LimitDecision | Promise<LimitDecision>;
  /** Tracked (key) count, for tests and metrics. */
  size?(): number;
  close?(): void | Promise<void>;
}

/** Sub-windows per window: the counting granularity, g = W / 10. */
export const SUB_WINDOWS = 10;

/**
 * Counters kept per key. The sum at `now` covers every sub-window whose end is after
 * `now − W`: that is sub-windows k − 10 … k, eleven of them (the oldest straddles `now − W`),
 * so the ring needs one slot more than there are sub-windows in a window. A ring of ten would
 * reuse the straddling sub-window's slot for the current one and forget admissions that are
 * still inside the window.
 */
export const RING_SLOTS = SUB_WINDOWS + 1;

/**
 * The per-(key, bucket) state `decide` reads and, when admitting, writes.
 *
 * Invariant (kept by `decide`): for every sub-window j in `head − 10 … head`,
 * `counters[offset + (j mod 11)]` holds the admissions in j since the last reset, and
 * `head = floor(lastAdmit / g)`.
 */
export interface LimiterState {
  /** Eleven sub-window counters, ring-indexed by the absolute sub-window number mod 11 (starting at `offset`). */
  counters: Uint32Array | number[];
  /** Where this key's ring starts in `counters`, so a store can keep many keys in one slab. @default 0 */
  offset?: number;
  /** The absolute number (`floor(t / g)`) of the newest sub-window written; −∞ when empty. */
  head: number;
  /** The time of the last admission (ms, the store's clock); −∞ when nothing was ever admitted. */
  lastAdmit: number;
}

/** An empty state: the next decision admits and starts counting. */
export function newLimiterState(): LimiterState {
  return { counters: new Uint32Array(RING_SLOTS), head: -Infinity, lastAdmit: -Infinity };
}

/** Upper bound of `limit`: counters are 32-bit, and no real policy comes near it. */
export const MAX_LIMIT = 2 ** 31 - 1;
/** Upper bound of `window` (31 days): beyond it a "rate" limit is a quota, which this is not. */
export const MAX_WINDOW_SECONDS = 31 * 24 * 60 * 60;

const ring = (j: number): number => ((j % RING_SLOTS) + RING_SLOTS) % RING_SLOTS;

/** Whole seconds for a header: rounded up so a client never comes back early, and never 0. */
const wholeSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Decide whether one request at `now` is admitted under `limit` per `windowMs`, updating
 * `state` only when it is (a refusal writes nothing, so refused requests are free).
 *
 * 1. If nothing was admitted in `(now − W, now]`, reset every counter and admit.
 * 2. Otherwise sum the sub-windows whose end is after `now − W` and admit iff the sum is below
 *    `limit`. The counted span over-covers the window, which is what makes it safe.
 *
 * `now` must not go backwards per store; if it does, the decision is taken at `lastAdmit`
 * instead (recording an admission later than it happened only over-counts, so stays safe).
 * Times are milliseconds; the arithmetic is exact for integers below 2⁵³.
 *
 * @example Charging one request
 * ```ts
 * const state = newLimiterState();
 * const d = decide(state, Date.now(), 60, 60_000);
 * if (!d.allowed) return tooManyRequests(d.retryAfterSeconds);
 * ```
 */
export function decide(state: LimiterState, now: number, limit: number, windowMs: number): LimitDecision {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new KeycardError('invalid_argument', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  if (!Number.isInteger(windowMs / SUB_WINDOWS) || windowMs <= 0) {
    throw new KeycardError('invalid_argument', 'windowMs must be a positive multiple of 10');
  }
  if (!Number.isFinite(now)) throw new KeycardError('invalid_argument', 'now must be a finite number of ms');

  const c = state.counters;
  const o = state.offset ?? 0;
  const g = windowMs / SUB_WINDOWS;
  const t = now < state.lastAdmit ? state.lastAdmit : now;
  const k = Math.floor(t / g);

  // Rule 1. Written as a negation so that an empty state (−∞, or NaN from a corrupt store) resets.
  if (!(state.lastAdmit > t - windowMs)) {
    c.fill(0, o, o + RING_SLOTS);
    c[o + ring(k)] = 1;
    state.head = k;
    state.lastAdmit = t;
    return admitted(limit - 1, t + windowMs - now);
  }

  // Rule 2. lastAdmit > t − W gives head ≥ k − 10, so the live part of the ring is
  // max(k − 10, head − 10) … head; sub-windows head + 1 … k hold stale slots and count as 0.
  const head = state.head;
  const lo = Math.max(k - SUB_WINDOWS, head - SUB_WINDOWS);
  let sum = 0;
  let oldest = k; // the oldest counted sub-window holding an admission, for draft-10 `t`
  for (let j = lo; j <= head; j++) {
    const n = c[o + ring(j)] ?? 0;
    if (n > 0 && oldest === k) oldest = j;
    sum += n;
  }

  if (sum < limit) {
    for (let j = head + 1; j <= k; j++) c[o + ring(j)] = 0; // at most 10: head ≥ k − 10
    c[o + ring(k)] = (c[o + ring(k)] ?? 0) + 1;
    state.head = k;
    state.lastAdmit = t;
    // draft-10 `t`: when the next quota unit comes back, i.e. when the oldest counted sub-window
    // stops counting ((j + 1)·g + W), or everything at lastAdmit + W (rule 1), whichever is first.
    return admitted(limit - sum - 1, Math.min(t + windowMs, (oldest + 1) * g + windowMs) - now);
  }

  // Rule 3: refuse, write nothing. The earliest admission with no other traffic is either when
  // the last admission leaves the window (rule 1 applies from lastAdmit + W on), or when enough
  // of the oldest sub-windows have dropped out of the count: sub-window j stops counting at
  // (j + 1)·g + W.
  let retryAt = state.lastAdmit + windowMs;
  let left = sum;
  for (let j = lo; j <= head; j++) {
    left -= c[o + ring(j)] ?? 0;
    if (left < limit) {
      retryAt = Math.min(retryAt, (j + 1) * g + windowMs);
      break;
    }
  }
  const retryAfterMs = retryAt - now;
  const retryAfterSeconds = wholeSeconds(retryAfterMs);
  return { allowed: false, remaining: 0, resetSeconds: retryAfterSeconds, retryAfterMs, retryAfterSeconds };
}

/** An admission; `nextUnitMs` is the time until the next quota unit comes back (draft-10 `t`). */
function admitted(remaining: number, nextUnitMs: number): LimitDecision {
  return {
    allowed: true,
    remaining: Math.max(0, remaining),
    resetSeconds: wholeSeconds(nextUnitMs),
    retryAfterMs: 0,
    retryAfterSeconds: 0,
  };
}

/**
 * Re-bucket a state written under `fromWindowMs` for use under `toWindowMs` (a policy whose
 * window was changed). Every admission still in the ring is moved into the sub-window of the
 * last admission: no admission moves earlier, so counts only grow and safety holds across
 * the change; the cost is at most one window of over-counting.
 */
export function rebucket(state: LimiterState, fromWindowMs: number, toWindowMs: number): void {
  if (fromWindowMs === toWindowMs || !(state.lastAdmit > -Infinity)) return;
  const c = state.counters;
  const o = state.offset ?? 0;
  let total = 0;
  for (let i = 0; i < RING_SLOTS; i++) total += c[o + i] ?? 0;
  const head = Math.floor(state.lastAdmit / (toWindowMs / SUB_WINDOWS));
  c.fill(0, o, o + RING_SLOTS);
  c[o + ring(head)] = Math.min(total, 0xffff_ffff);
  state.head = head;
}

// ---------------------------------------------------------------------------------------------
// Configuration

/** Printable ASCII without `"` and `\`: serialises as an RFC 9651 sf-string with no escaping. */
export const POLICY_NAME = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

export const LIMIT_MESSAGE = `must be an integer >= 1 and <= ${MAX_LIMIT}`;
export const WINDOW_MESSAGE = `must be a whole number of seconds >= 1 and <= ${MAX_WINDOW_SECONDS}`;
export const NAME_MESSAGE = 'must be 1 to 64 printable ASCII characters without " or \\';

const policyFields = {
  limit: integer(1, MAX_LIMIT, LIMIT_MESSAGE),
  window: integer(1, MAX_WINDOW_SECONDS, WINDOW_MESSAGE),
  name: text({ pattern: POLICY_NAME, error: NAME_MESSAGE }),
};

export const SPLIT_NAMES_MESSAGE = "must differ from the read policy's name (clients tell the budgets apart by name)";
/** A split setting names its two policies apart: clients tell the budgets apart by name. */
const namesDiffer = (v: Record<'read' | 'write', { name?: string | undefined }>) =>
  (v.read.name ?? 'read') !== (v.write.name ?? 'write');

/**
 * parseRateLimit's schemas: one policy as written (`{ limit, window, name? }`), and a split setting
 * (`{ read, write }`). The management API's copies in zod's own types
 * (src/manage/request-schemas.ts) describe them in the OpenAPI document; test/config.test.ts holds
 * the two to the same issues.
 */
export const policyInput = z.strictObject({
  limit: schema<number>(policyFields.limit),
  window: schema<number>(policyFields.window),
  name: z.optional(schema<string>(policyFields.name)),
});
export const splitInput = z.strictObject({ read: policyInput, write: policyInput }).check(
  z.check(({ value, issues }) => {
    if (!namesDiffer(value))
      issues.push({
        code: 'custom',
        path: ['write', 'name'],
        message: SPLIT_NAMES_MESSAGE,
        input: value,
        continue: true,
      });
  }),
);

/**
 * The same two as kinds, for the management API's union of them (src/manage/schemas.ts; a bundle
 * that only creates a keycard drops them); test/manage/request-schemas.test.ts holds them to the
 * document's.
 */
export const policyKind = /* @__PURE__ */ strict(policyFields, ['name']);
export const splitKind = /* @__PURE__ */ refine(
  /* @__PURE__ */ strict({ read: policyKind, write: policyKind }),
  namesDiffer,
  SPLIT_NAMES_MESSAGE,
  ['write', 'name'],
);

/** One limit policy as configured: `limit` requests per `window` seconds. */
export interface LimitPolicyInput {
  /** Admissions allowed in any window; an integer from 1 to 2³¹ − 1. */
  limit: number;
  /** Window length in whole seconds, 1 to 31 days. Whole seconds keep sub-windows whole milliseconds. */
  window: number;
  /** The policy name clients see in the headers. @default 'default' (single), 'read' / 'write' (split) */
  name?: string;
}

/**
 * Rate-limit configuration as written by an integrator, on `createKeycard`, on a token record
 * or by a per-workspace resolver (precedence: token record, then resolver, then default).
 *
 * - `{ limit, window }`: one policy and one shared budget for reads and writes together.
 * - `{ read: {…}, write: {…} }`: two policies and two independent budgets, e.g. 600 reads and
 *   60 writes per minute.
 */
export type RateLimitInput = LimitPolicyInput | { read: LimitPolicyInput; write: LimitPolicyInput };

/** A validated rate-limit configuration. */
export interface RateLimitConfig {
  /** The policy charged for GET, HEAD and OPTIONS. */
  readonly read: LimitPolicy;
  /** The policy charged for every other method. */
  readonly write: LimitPolicy;
  /** True when both classes draw on one budget (`read` and `write` are then the same policy). */
  readonly shared: boolean;
}

const policy = (name: string, limit: number, windowSeconds: number): LimitPolicy =>
  freeze({ name, limit, windowSeconds });

/** SPEC §5 default: one policy named `default`, 60 per 60 s, for reads and writes together. */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = freeze({
  read: policy('default', 60, 60),
  write: policy('default', 60, 60),
  shared: true,
});

/**
 * Validate a rate-limit configuration. Errors are `KeycardError('invalid_config')` whose
 * message names the bad field under `field`, e.g. `rateLimit.read.limit must be an integer >= 1 …`.
 *
 * @example Toado's split policy
 * ```ts
 * const config = parseRateLimit({ read: { limit: 600, window: 60 }, write: { limit: 60, window: 60 } });
 * ```
 */
export function parseRateLimit(input: unknown, field = 'rateLimit'): RateLimitConfig {
  if (typeof input !== 'object' || input === null || isArray(input)) {
    throw invalidConfig(`${field} must be an object: { limit, window } or { read, write }`);
  }
  if ('read' in input || 'write' in input) {
    const parsed = splitInput.safeParse(input, english);
    if (!parsed.success) throw configError(field, parsed.error);
    const { read, write } = parsed.data;
    return freeze({
      read: policy(read.name ?? 'read', read.limit, read.window),
      write: policy(write.name ?? 'write', write.limit, write.window),
      shared: false,
    });
  }
  const parsed = policyInput.safeParse(input, english);
  if (!parsed.success) throw configError(field, parsed.error);
  const one = policy(parsed.data.name ?? 'default', parsed.data.limit, parsed.data.window);
  return freeze({ read: one, write: one, shared: true });
}

function configError(field: string, error: z.core.$ZodError): KeycardError {
  const issue = error.issues[0];
  const at = [field, ...(issue?.path ?? []).map(String)].join('.');
  if (issue?.code === 'unrecognized_keys') {
    return invalidConfig(`${at}.${excerpt(issue.keys[0] ?? '', 64)} is not a known field`);
  }
  return invalidConfig(`${at} ${issue?.message ?? 'is invalid'}`);
}

/**
 * The class a method is charged to. Methods are compared as sent (HTTP methods are
 * case-sensitive, and Node and fetch upper-case the standard ones); anything unknown is a
 * write, the stricter budget.
 */
export function classOf(method: string): LimitClass {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'read' : 'write';
}

/**
 * The limiter key and policy to charge for a class: a shared config charges `${id}:all`, a
 * split one `${id}:read` or `${id}:write`. `id` is the budget owner: a token id, or during a
 * rotation's grace period the id both tokens share.
 *
 * @example Charging a request
 * ```ts
 * const { key, policy } = chargeFor(config, record.id, classOf(request.method));
 * const decision = await limiter.consume(key, policy.limit, policy.windowSeconds);
 * ```
 */
export function chargeFor(config: RateLimitConfig, id: string, cls: LimitClass): { key: string; policy: LimitPolicy } {
  if (config.shared) return { key: `${id}:all`, policy: config.read };
  return cls === 'read' ? { key: `${id}:read`, policy: config.read } : { key: `${id}:write`, policy: config.write };
}

/**
 * The draft-ietf-httpapi-ratelimit-headers-10 fields for the policy charged, plus
 * `Retry-After` on a refusal (RFC 9110 §10.2.3). On a refusal `t` equals `Retry-After`, so a
 * client reading either waits the same time.
 *
 * @example
 * ```ts
 * rateLimitHeaders({ name: 'default', limit: 60, windowSeconds: 60 }, decision);
 * // { 'RateLimit-Policy': '"default";q=60;w=60', 'RateLimit': '"default";r=42;t=60' }
 * ```
 */
export function rateLimitHeaders(policy: LimitPolicy, d: LimitDecision): Record<string, string> {
  const name = `"${policy.name}"`;
  const t = d.allowed ? d.resetSeconds : d.retryAfterSeconds;
  const headers: Record<string, string> = {
    'RateLimit-Policy': `${name};q=${policy.limit};w=${policy.windowSeconds}`,
    RateLimit: `${name};r=${d.remaining};t=${t}`,
  };
  if (!d.allowed) headers['Retry-After'] = String(d.retryAfterSeconds);
  return headers;
}
