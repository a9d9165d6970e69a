/**
 * Options of `createKeycard`, each documented once, here, and validated once by zod at
 * construction with a message that names the bad field.
 */
import * as z from './shape.ts';
import { configError, english, urlText } from './config.ts';
import { anyOf, boolean, integer, is, list, oneOf, schema, text, type Kind } from './kinds.ts';
import type { ForeignTokenVerifier } from './foreign.ts';
import type { AuditSink } from './audit.ts';
import type { Clock } from './clock.ts';
import type { Pepper } from './hash.ts';
import type { LimiterStore, RateLimitInput } from './limiter.ts';
import type { OwnerResolver } from './owners.ts';
import type { ScopeCatalogue } from './scopes.ts';
import { TOKEN_STORE_METHODS, type Awaitable, type TokenStore } from './store.ts';
import { tokenLength, type TokenFormat } from './token.ts';
import { clockKind, sinkKind } from './audit-options.ts';
import { createHasher } from './hash.ts';
import { defineHierarchy } from './hierarchy.ts';
import { validateRealm, validateTypeBase } from './http.ts';
import { parseRateLimit } from './limiter.ts';

/** How long a new token lives when `issue` names no expiry: a preset, or milliseconds. */
export type ExpiryPreset = 'never' | '30d' | '90d' | '365d';

/** Why a request was refused, for `onAuthFailure` (e.g. to feed an IP limiter). */
export interface AuthFailure {
  readonly code: string;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** The token id when the token was known (never the secret). */
  readonly tokenId: string | null;
}

/** Everything `createKeycard` accepts. Only `prefix` and `scopes` are required. */
export interface KeycardOptions<S extends string = string> {
  /** Your token prefix, `[a-z][a-z0-9]{1,15}`, e.g. `acme` → `acme_sk_…`. Scanners key on it. */
  prefix: string;
  /** Token type segment. @default 'sk' */
  type?: string;
  /** The scope catalogue from `defineScopes`. */
  scopes: ScopeCatalogue<S>;
  /**
   * Where token records live; one lacking a method of the port is `invalid_config` at start,
   * naming the missing methods. @default memoryTokenStore() — ⚠️ forgets everything on restart.
   */
  store?: TokenStore;
  /**
   * Where rate-limit state lives. @default memoryLimiter() — ⚠️ with a shared token store and
   * several processes, each keeps its own counts and every limit is multiplied by the number of
   * processes; a warning says so at start. One without `consume` is `invalid_config` at start.
   */
  limiter?: LimiterStore;
  /** The default rate limit, `{ limit, window }` or `{ read, write }`. @default 60 per 60 s, one budget */
  rateLimit?: RateLimitInput;
  /** Per-workspace limits (precedence: token record, then this, then `rateLimit`). Cached like owners. */
  workspaceRateLimit?: (workspaceId: string) => Awaitable<RateLimitInput | null>;
  /** Resource types from the root down (SPEC §4), e.g. `['company', 'project']`. Needed for restrictions. */
  resources?: readonly string[];
  /** HMAC peppers, current first (SPEC §2). @default [] — plain SHA-256 */
  peppers?: readonly Pepper[];
  /** The owner bound (SPEC §3). @default none — tokens are bounded by their own scopes only */
  resolveOwner?: OwnerResolver;
  /** How long a resolver answer is trusted, ms. @default 1000 */
  ownerCacheMs?: number;
  /**
   * How long another process may keep honouring a token after it was revoked here, ms (SPEC §1).
   * Cached records older than this are re-read unless the store's notifications are live.
   * @default 1000
   */
  revocationBoundMs?: number;
  /**
   * Verified records kept in memory: every token used within the last `cacheSize` distinct
   * lookups stays cached, and at most `2 · cacheSize` entries are held (about 1 KB each). 0 turns
   * the cache off (every request reads the store). @default 10000
   */
  cacheSize?: number;
  /** Unknown hashes remembered, so a flood of forged tokens costs one lookup each. @default 10000 */
  negativeCacheSize?: number;
  /** `lastUsedAt` is written at most once per token per this interval, ms. @default 60000 */
  touchIntervalMs?: number;
  /**
   * Deadline of each store, limiter and resolver call, of the device routes' pending-grant store
   * calls, and of the management handler's and device routes' hooks (`authorize`, `can`,
   * `canManageWorkspace`, `sessionKey`) and audit-store reads; past it the request gets 503.
   * @default 500
   */
  storeTimeoutMs?: number;
  /** Expiry of tokens issued without one: a preset, or ms up to 9,999,999,999 s. @default 'never' */
  defaultExpiresIn?: ExpiryPreset | number;
  /** Audit sinks (SPEC §7). @default none */
  audit?: AuditSink | readonly AuditSink[];
  /** Request events queued before dropping, from 1 to 1,000,000. @default 10000 */
  auditQueueSize?: number;
  /** How long a sink may take per event, ms. @default 1000 */
  auditTimeoutMs?: number;
  /**
   * Receives background failures (audit, `lastUsedAt` writes, notifications) and the request
   * path's (store, limiter, owner resolver, the OAuth key set), those coalesced per kind per
   * second (the count of the rest reported when the second ends, or at `close()`); never a
   * secret. @default console.error
   */
  onError?: (error: unknown) => void;
  /** Receives configuration warnings. @default console.warn */
  onWarning?: (message: string) => void;
  /** Time sources, for tests. @default systemClock */
  clock?: Clock;

  // ── HTTP (SPEC §8) ──
  /** Realm of the Bearer challenge. @default 'api' */
  realm?: string;
  /** Base URI for problem `type`s (your docs), e.g. `https://docs.acme.dev/errors/`. @default about:blank */
  problemTypeBase?: string;
  /**
   * Longest accepted bearer credential, in bytes (other schemes are not measured; with
   * `onForeignToken: 'next'` only tokens with your prefix are). At least the length of your tokens
   * (`prefix` + `type` + 41): a smaller bound is `invalid_config` at start. @default 1024
   */
  maxCredentialBytes?: number;
  /**
   * ⚠️ Also accept the token from the `access_token` query parameter (RFC 6750 §2.3). URLs end up
   * in logs and histories; enable only for clients that cannot set headers. Header plus query is a 400.
   * @default false
   */
  allowQueryToken?: boolean;
  /**
   * A bearer token that is not ours: `reject` (401) or `next` (let another authenticator try).
   * ⚠️ With `next`, the Express and Hono guards hand such a request on untouched, route guards
   * that name a scope too: your handler runs without an identity (`req.keycard` undefined) unless
   * an authenticator mounted after the guard refuses it (`withKeycard` answers 401).
   * @default 'reject'
   */
  onForeignToken?: 'reject' | 'next';
  /**
   * Answer CORS preflights (OPTIONS with Access-Control-Request-Method) `204` with no body, without
   * reading a token or running the handler; `false` authenticates them like any request (a 401).
   * Either way a preflight never reaches a guarded handler unauthenticated. @default true
   */
  passPreflight?: boolean;
  /**
   * ⚠️ When the limiter store fails or times out: `closed` answers 503; `open` admits the request
   * (audited as `degraded`). Token lookups always fail closed. @default 'closed'
   */
  limiterFailure?: 'closed' | 'open';
  /** Called for every refused request, e.g. to count failures per IP. Must not throw. */
  onAuthFailure?: (failure: AuthFailure) => void;
  /**
   * Dual mode (SPEC §16): bearer tokens without your prefix are verified by this verifier (e.g.
   * `jwtAccessTokens()` from `keycard/oauth`: OAuth JWT access tokens) instead of being refused.
   * Their identities have `kind: 'oauth'`, pass the same owner bound (the verifier maps the
   * subject to an owner), limiter (keyed by subject and client) and audit. Tokens with your
   * prefix are never sent to it. Takes precedence over `onForeignToken`.
   */
  oauth?: ForeignTokenVerifier;
  /**
   * RFC 9728 protected resource metadata URL (`protectedResource().metadataUrl`): added as
   * `resource_metadata="…"` to 401s that carried no credentials. Set it with `oauth`.
   */
  resourceMetadataUrl?: string;
  /**
   * The page where a person creates a token. API-keys-only deployments should set it: 401s
   * without credentials then say `Create a token at <url>` (challenge and problem detail), which
   * is what an MCP client shows instead of attempting OAuth discovery.
   */
  settingsUrl?: string;
}

const fn = is((v) => typeof v === 'function', 'must be a function');
const obj = is((v) => typeof v === 'object' && v !== null, 'must be an object');
/**
 * An object with every method of the port `name` (`methods`): one issue naming those it lacks
 * (e.g. `store: {}` would fail on the first `issue()` with `unavailable` rather than at start).
 */
const port =
  (name: string, methods: readonly string[]): Kind =>
  (v, out) => {
    const from = out.length;
    obj(v, out);
    const missing =
      out.length > from ? [] : methods.filter((m) => typeof (v as Record<string, unknown>)[m] !== 'function');
    if (missing.length)
      out.push({
        code: 'custom',
        message: `lacks the ${name} method${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
        continue: false,
      });
  };
const opt = <T>(kind: Kind) => z.optional(schema<T>(kind));
const ms = (max = 86_400_000) => opt(integer(0, max));
/**
 * `kind`, then, when it passes, a check that throws (`parseRateLimit`, `defineHierarchy`,
 * `createHasher`…, which `createKeycard` also runs for their values): its words as the field's
 * issue, so the field is named with the other bad ones rather than alone once they are mended.
 */
const then =
  (kind: Kind, check: (v: never) => unknown): Kind =>
  (v, out) => {
    const from = out.length;
    kind(v, out);
    if (out.length === from)
      try {
        check(v as never);
      } catch (e) {
        out.push({ code: 'custom', message: (e as Error).message, continue: false });
      }
  };

/** The options' schema, written with src/core/kinds.ts (zod's object and optional types only). */
export const optionsSchema = z.strictObject({
  prefix: schema<string>(text({ pattern: /^[a-z][a-z0-9]{1,15}$/, patternError: 'must match [a-z][a-z0-9]{1,15}' })),
  type: opt(text({ pattern: /^[a-z][a-z0-9]{0,7}$/, patternError: 'must match [a-z][a-z0-9]{0,7}' })),
  scopes: schema(
    is(
      (v) => typeof v === 'object' && v !== null && typeof (v as ScopeCatalogue).closure === 'function',
      'must be a catalogue from defineScopes()',
    ),
  ),
  store: opt(port('TokenStore', TOKEN_STORE_METHODS)),
  limiter: opt(port('LimiterStore', ['consume'])),
  rateLimit: opt(then(obj, parseRateLimit)),
  workspaceRateLimit: opt(fn),
  resources: opt(then(list(text(), { min: 1 }), defineHierarchy)),
  peppers: opt(then(list(obj), createHasher)),
  resolveOwner: opt(fn),
  ownerCacheMs: ms(),
  revocationBoundMs: ms(),
  cacheSize: opt(integer(0, 10_000_000)),
  negativeCacheSize: opt(integer(0, 10_000_000)),
  touchIntervalMs: ms(),
  storeTimeoutMs: opt(integer(1, 60_000)),
  defaultExpiresIn: opt(anyOf([oneOf(['never', '30d', '90d', '365d']), integer(1, 9_999_999_999_000)])),
  audit: opt(anyOf([sinkKind, list(sinkKind)], 'must be an AuditSink or an array of them')),
  auditQueueSize: opt(integer(1, 1_000_000)),
  auditTimeoutMs: opt(integer(1, 60_000)),
  onError: opt(fn),
  onWarning: opt(fn),
  clock: opt(clockKind),
  realm: opt(then(text(), validateRealm)),
  problemTypeBase: opt(then(text(), validateTypeBase)),
  maxCredentialBytes: opt(integer(64, 65_536)),
  allowQueryToken: opt(boolean),
  onForeignToken: opt(oneOf(['reject', 'next'])),
  passPreflight: opt(boolean),
  limiterFailure: opt(oneOf(['closed', 'open'])),
  onAuthFailure: opt(fn),
  oauth: opt(
    is(
      (v) => typeof v === 'object' && v !== null && typeof (v as ForeignTokenVerifier).verify === 'function',
      'must be a verifier such as jwtAccessTokens() from keycard/oauth',
    ),
  ),
  resourceMetadataUrl: z.optional(urlText(true)),
  settingsUrl: z.optional(urlText(true)),
});

/**
 * Validates options once. Unknown keys are refused (a misspelled security bound such as
 * `revocationBoundMS` must not be accepted silently); the message names every bad field, e.g.
 * `createKeycard: revocationBoundMS: unknown option; storeTimeoutMs: Too big: …`.
 */
export function validateOptions(options: unknown): void {
  const parsed = optionsSchema.safeParse(options, english);
  const issues: z.core.$ZodIssue[] = parsed.error?.issues ?? [];
  // Every token issued must fit `maxCredentialBytes`: a 16-character prefix and an 8-character
  // type make 65-character tokens, which a bound of 64 would refuse on every request (400). A
  // combination, so checked once its three fields are valid each (options an object), and named
  // with the other bad fields.
  const bad = issues.map((i) => i.path[0] ?? i.code);
  if (!['prefix', 'type', 'maxCredentialBytes', 'invalid_type'].some((f) => bad.includes(f))) {
    const o = options as TokenFormat & { maxCredentialBytes?: number };
    const length = tokenLength(o);
    if (length > (o.maxCredentialBytes ?? length))
      issues.push({
        code: 'custom',
        path: ['maxCredentialBytes'],
        message: `must be at least ${length}, the length of this prefix's and type's tokens`,
      } as z.core.$ZodIssue);
  }
  if (issues.length > 0) throw configError('createKeycard', { issues } as z.core.$ZodError);
}

const DAY = 86_400_000;

/** Milliseconds of an expiry preset, or null for `never`. */
export function presetMs(preset: ExpiryPreset | number): number | null {
  if (typeof preset === 'number') return preset;
  return preset === 'never' ? null : Number.parseInt(preset, 10) * DAY;
}
