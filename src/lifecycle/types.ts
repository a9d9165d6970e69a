/** The public types of the management operations and of the instance (SPEC §6). */
import type { TokenAuditInput } from '../core/audit.ts';
import type { Authenticate } from '../core/authenticate.ts';
import type { Clock } from '../core/clock.ts';
import type { KeycardEventName, KeycardEvents } from '../core/events.ts';
import type { Identity } from '../core/identity.ts';
import type { ExpiryPreset } from '../core/options.ts';
import type { ScopeCatalogue } from '../core/scopes.ts';
import type { JsonValue, RateLimitSetting, RevokeAllFilter, TokenRecord } from '../core/store.ts';
import type { VerifyResult } from '../core/verify.ts';

/**
 * Who performs a management call. `issue`, `update` and `rotate` refuse to grant what the actor
 * could not do itself: a user is bounded by the scopes you pass for them now, a token by its own
 * effective scopes and restrictions (a token never mints a wider token). `system` is unbounded:
 * ⚠️ use it only for code paths no caller controls (migrations, an admin console with its own checks).
 */
export type Actor = (
  | { readonly kind: 'user'; readonly id: string; readonly scopes: readonly string[] }
  | { readonly kind: 'token'; readonly identity: Identity }
  | { readonly kind: 'system'; readonly id?: string }
) & {
  /** The request this call serves (e.g. from `requestIdFrom`), recorded as `requestId` on its audit event. */
  readonly requestId?: string;
};

/** What `issue` accepts. */
export interface IssueInput<S extends string = string> {
  readonly ownerId: string;
  readonly label: string;
  /** @default the catalogue's defaults */
  readonly scopes?: readonly S[];
  /** @default 'personal' */
  readonly kind?: 'personal' | 'workspace';
  /** Required for workspace tokens. */
  readonly workspaceId?: string | null;
  readonly restrictions?: Readonly<Record<string, readonly string[]>> | null;
  readonly rateLimit?: RateLimitSetting | null;
  /** A preset or milliseconds from now. Exclusive with `expiresAt`. @default the instance's `defaultExpiresIn` */
  readonly expiresIn?: ExpiryPreset | number;
  /** An absolute expiry (epoch ms or Date), in the future. */
  readonly expiresAt?: number | Date | null;
  readonly metadata?: Readonly<Record<string, JsonValue>>;
  /** @default { kind: 'system' } — ⚠️ unbounded; pass the real actor wherever a person or token asks. */
  readonly actor?: Actor;
}

/** A new token: the secret, shown once, and its record. */
export interface IssuedToken {
  /** ⚠️ The secret. Show it once; keycard keeps only its hash and can never return it again. */
  readonly token: string;
  readonly record: TokenRecord;
}

/** What `list` accepts. */
export interface ListFilter {
  readonly ownerId?: string;
  readonly workspaceId?: string;
  readonly kind?: 'personal' | 'workspace';
  /** @default 'all' */
  readonly status?: 'active' | 'revoked' | 'expired' | 'all';
  /** 1..500. @default 100 */
  readonly limit?: number;
  readonly cursor?: string | null;
}

/** Fields `update` may change (SPEC §6). */
export interface UpdatePatch<S extends string = string> {
  readonly label?: string;
  readonly metadata?: Readonly<Record<string, JsonValue>>;
  /** Either way: wider or narrower. `null` returns to the workspace's or default limit. */
  readonly rateLimit?: RateLimitSetting | null;
  /** Only earlier than now set (a token that never expires may get an expiry). */
  readonly expiresAt?: number | Date;
  /** Only narrower: closure(new) ⊆ closure(old). */
  readonly scopes?: readonly S[];
  /** Only narrower (see docs/restrictions.md). */
  readonly restrictions?: Readonly<Record<string, readonly string[]>> | null;
}

/** Options of `revokeAll`. */
export interface RevokeAllOptions {
  /** Stored on every token it revokes (redacted, at most 500 characters). @default null */
  readonly reason?: string;
  /** Who revokes, for the audit event. @default the system */
  readonly actor?: Actor;
  /**
   * The number of live tokens the person confirmed ("Revoke all 3 tokens"): not revoked and not
   * expired at the call's instant, what `list` shows under `status: 'active'`. The call revokes
   * nothing and rejects with `KeycardError('count_changed')`, whose `count` is the number found,
   * unless exactly this many are live (expired, unrevoked ones are revoked too but never counted).
   * Exact when the store implements `revokeAllIfCount` (the
   * built-in stores do: the count and the revocation are one atomic step, so a token created
   * meanwhile is either counted, and the call is refused, or left active). ⚠️ On a store without
   * it, keycard counts with `list` and then revokes: a token created between the two is revoked
   * too, and counted in the answer.
   * @default undefined (revoke whatever matches)
   */
  readonly expectCount?: number;
}

/** A keycard instance. */
export interface Keycard<S extends string = string> {
  readonly scopes: ScopeCatalogue<S>;
  /** The clock this instance reads (the injected one in tests), for adapters that compute expiries. */
  readonly clock: Clock;
  /** The resource types of the `resources` hierarchy, root first (empty without one), for pickers and the management API. */
  readonly resourceTypes: readonly string[];
  issue(input: IssueInput<S>): Promise<IssuedToken>;
  verify(token: string, context?: { readonly workspaceId?: string | null }): Promise<VerifyResult<S>>;
  revoke(id: string, options?: { readonly reason?: string; readonly actor?: Actor }): Promise<TokenRecord>;
  /**
   * Revokes every not yet revoked token of an owner (personal tokens) or a workspace (workspace
   * tokens), expired ones included, and answers how many of them were live (not expired at the
   * call's instant; expired ones are not counted). With `expectCount`, revokes nothing unless that
   * is exactly how many are live (`KeycardError('count_changed')` with `count`).
   * A call whose store answer is lost throws `unavailable`, drops the covered tokens from this
   * instance's cache and is reported to `onError`; the next `revokeAll` of the same filter here
   * counts (and audits) what it revoked too (docs/lifecycle.md, "A revokeAll whose answer is lost").
   */
  revokeAll(filter: RevokeAllFilter, options?: RevokeAllOptions): Promise<{ readonly count: number }>;
  /**
   * Issues a successor with the same grant and shortens this token to `graceMs` (SPEC §6). Of
   * rotations of one token racing each other, or a rotation racing an `update` or `revoke` of it,
   * one wins; the others throw `conflict` (or `token_revoked`) and their copy is stored revoked.
   */
  rotate(id: string, options?: { readonly graceMs?: number; readonly actor?: Actor }): Promise<IssuedToken>;
  list(filter?: ListFilter): Promise<{ readonly records: readonly TokenRecord[]; readonly nextCursor: string | null }>;
  get(id: string): Promise<TokenRecord | null>;
  update(id: string, patch: UpdatePatch<S>, options?: { readonly actor?: Actor }): Promise<TokenRecord>;
  /**
   * Delivers a management event to the audit sinks (bounded, never rejects): for management
   * surfaces built beside the instance, such as the device routes, whose steps are not calls of
   * this interface. Prefer the lifecycle methods, which audit themselves.
   */
  recordAudit(event: TokenAuditInput): Promise<void>;
  /** Forget cached owner answers for `principalId` here and in every process sharing the store. */
  invalidateOwner(principalId: string): Promise<void>;
  on<E extends KeycardEventName>(event: E, listener: (payload: KeycardEvents[E]) => void): () => void;
  /** The request pipeline (SPEC §5, §8). */
  authenticate: Authenticate<S>;
  /**
   * Resolves once the work that the requests answered so far left running is done: their
   * `lastUsedAt` writes (bounded by `storeTimeoutMs`) and their audit events delivered (each
   * write bounded by the audit `timeoutMs`; denials coalesced in the current second once it ends,
   * within a second). Work begun after the call is not waited for. Never rejects. For runtimes
   * that stop work outliving the response: on Cloudflare Workers, `ctx.waitUntil(keycard.flush())`.
   */
  flush(): Promise<void>;
  /** Flushes pending `lastUsedAt` writes and audit events, unsubscribes, stops background work. */
  close(): Promise<void>;
}
