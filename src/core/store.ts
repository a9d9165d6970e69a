/**
 * The token store port (SPEC §6): a small interface keycard owns, typed with primitives, that
 * every storage engine implements. Each method is one atomic, field-scoped step, so two
 * processes writing the same record cannot undo each other: `touch` only raises `lastUsedAt`,
 * `revoke` never clears, and updates that narrow a token carry the version they were checked
 * against. Third-party adapters prove themselves with the conformance suite in `keycard/testing`.
 */
import { freeze } from './builtins.ts';

/** Any JSON value, for `metadata`. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A rate-limit override as stored on a record or answered by a workspace resolver. */
export type RateLimitSetting =
  | { readonly limit: number; readonly window: number; readonly name?: string }
  | {
      readonly read: { readonly limit: number; readonly window: number; readonly name?: string };
      readonly write: { readonly limit: number; readonly window: number; readonly name?: string };
    };

/** What a token is, without its secret (SPEC §2). Everything a listing or an event may show. */
export interface TokenRecord {
  /** Public, stable id (`tok_…`): safe to log, to show, to put in audit events. */
  readonly id: string;
  readonly label: string;
  /** The principal the token acts for (a user for personal tokens, the creator for workspace tokens). */
  readonly ownerId: string;
  /** Personal tokens die with their owner's membership; workspace tokens belong to the workspace. */
  readonly kind: 'personal' | 'workspace';
  readonly workspaceId: string | null;
  /** Scopes as granted; the effective set is their closure, computed at check time. */
  readonly scopes: readonly string[];
  /** Resource restrictions (SPEC §4), or null for none. */
  readonly restrictions: Readonly<Record<string, readonly string[]>> | null;
  /** Per-token rate limit, or null to use the workspace's or the default. */
  readonly rateLimit: RateLimitSetting | null;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** Id of the actor that issued it. */
  readonly createdBy: string | null;
  /** Epoch ms; the token is valid iff now < expiresAt. */
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly revokedReason: string | null;
  /** Kept within the throttle interval, not per request. */
  readonly lastUsedAt: number | null;
  readonly rotatedFromId: string | null;
  /**
   * Id of the first token of its rotation chain (its own id when never rotated): tokens of one
   * family share one rate-limit budget, so a grace period cannot double a limit.
   */
  readonly familyId: string;
  /** Non-secret hint: prefix, type and last 4 characters. */
  readonly start: string;
  readonly metadata: Readonly<Record<string, JsonValue>>;
  /** Incremented by every change of what the token may do (not by `touch` or a re-hash). */
  readonly version: number;
}

/** A record as stored: the record plus its hash. Never leaves keycard's core. */
export interface StoredToken extends TokenRecord {
  /** Hex SHA-256 (or HMAC) of the whole token string. Unique. */
  readonly hash: string;
  /** The pepper version the hash was made with (0 = none). */
  readonly pepperVersion: number;
}

/** Fields `update` may change. `expiresAt`, scopes and restrictions are checked by the core first. */
export interface TokenPatch {
  readonly label?: string;
  readonly metadata?: Readonly<Record<string, JsonValue>>;
  readonly rateLimit?: RateLimitSetting | null;
  readonly expiresAt?: number | null;
  readonly scopes?: readonly string[];
  readonly restrictions?: Readonly<Record<string, readonly string[]>> | null;
}

/** The fields `update` may write, in `TokenPatch` order: never `revokedAt`, `hash` or `version` (SPEC §6). */
export const PATCHABLE_FIELDS = freeze([
  'label',
  'metadata',
  'rateLimit',
  'expiresAt',
  'scopes',
  'restrictions',
] as const satisfies readonly (keyof TokenPatch)[]);

/** The answer of a versioned write. */
export type UpdateResult =
  | { readonly ok: true; readonly token: StoredToken }
  | { readonly ok: false; readonly reason: 'not_found' | 'conflict' };

/**
 * The answer of `revokeAllIfCount`: what `revokeAll` revoked, or the count it found instead of the
 * expected one (then nothing was written).
 */
export type RevokeAllIfCountResult =
  | { readonly ok: true; readonly count: number }
  | { readonly ok: false; readonly reason: 'count_changed'; readonly count: number };

/**
 * The answer of `revoke`: the record as it stands after the call, and whether this very call
 * revoked it. Two processes revoking one token at once (a leak reported to both, two people
 * pressing Revoke) must not both announce it; only the store can tell which write landed.
 */
export type RevokeAnswer = StoredToken & {
  /**
   * True when this call found the token live and revoked it; false when it was already revoked
   * (earlier, or a moment ago by a concurrent call). Of any number of concurrent revokes of one
   * token, exactly one answers true. Not a record field: never stored, listed or announced.
   *
   * Optional, for stores written before it: when it is absent (undefined), keycard judges by the
   * time instead — "this call revoked it" iff `revokedAt` equals the `at` it passed — so two
   * revocations of one token in the same millisecond may each be audited and announced.
   */
  readonly revokedNow?: boolean;
};

/**
 * Whether the `revoke` call that got `answer`, made at `at`, revoked the token: the store's
 * `revokedNow`, or for a store that does not say, the time test described on {@link RevokeAnswer}.
 */
export const revokedByThisCall = (answer: RevokeAnswer, at: number): boolean =>
  typeof answer.revokedNow === 'boolean' ? answer.revokedNow : answer.revokedAt === at;

/** `answer` without `revokedNow`: the stored token alone. */
export function storedOf(answer: RevokeAnswer): StoredToken {
  const { revokedNow: _now, ...token } = answer;
  return token;
}

/** Which tokens `revokeAll` ends: an owner's personal tokens, or a workspace's workspace tokens. */
export type RevokeAllFilter = { readonly ownerId: string } | { readonly workspaceId: string };

/**
 * True when `revokeAll(filter)` ends `token`: the owner's personal tokens (never the workspace
 * tokens they created, which survive member churn), or the workspace's workspace tokens. The one
 * definition stores, caches and session binding all use.
 */
export function coveredByRevokeAll(
  filter: RevokeAllFilter,
  token: {
    readonly kind: 'personal' | 'workspace' | 'oauth';
    readonly ownerId: string;
    readonly workspaceId: string | null;
  },
): boolean {
  return 'ownerId' in filter
    ? token.kind === 'personal' && token.ownerId === filter.ownerId
    : token.kind === 'workspace' && token.workspaceId === filter.workspaceId;
}

/**
 * True when `token` counts in the answer of a `revokeAll` made at `at` (and in `revokeAllIfCount`'s
 * comparison with `expectCount`): live at that instant — not revoked, and `expiresAt` null or
 * later than `at` (a token whose `expiresAt` equals `at` has expired). Expired, unrevoked tokens
 * are revoked by the call as well but are not counted.
 */
export const countedByRevokeAll = (
  token: { readonly revokedAt: number | null; readonly expiresAt: number | null },
  at: number,
): boolean => token.revokedAt === null && unexpiredAt(token, at);

/** True when `token` has not expired at `at`: `expiresAt` null or later (equal is expired). */
export const unexpiredAt = (token: { readonly expiresAt: number | null }, at: number): boolean =>
  token.expiresAt === null || token.expiresAt > at;

/** The reason a store records on a token it had to store revoked because a `revokeAll` already covered it. */
export const WATERMARK_REASON = 'created before a revokeAll of its owner or workspace';

/** The watermark key of a revokeAll filter: `o:<ownerId>` (personal tokens) or `w:<workspaceId>` (workspace tokens). */
export const filterKey = (filter: RevokeAllFilter): string =>
  'ownerId' in filter ? `o:${filter.ownerId}` : `w:${filter.workspaceId}`;

/** The watermark key a token falls under (see {@link filterKey}); null for a workspace token with no workspace. */
export function watermarkKey(token: {
  readonly kind: 'personal' | 'workspace';
  readonly ownerId: string;
  readonly workspaceId: string | null;
}): string | null {
  if (token.kind === 'personal') return filterKey({ ownerId: token.ownerId });
  return token.workspaceId === null ? null : filterKey({ workspaceId: token.workspaceId });
}

/** Filter and page of `list`. */
export interface ListQuery {
  readonly ownerId?: string;
  readonly workspaceId?: string;
  readonly kind?: 'personal' | 'workspace';
  /** `active` = neither revoked nor expired at `now`. */
  readonly status?: 'active' | 'revoked' | 'expired' | 'all';
  /** Wall-clock time the status is judged at. */
  readonly now: number;
  /** 1..500. */
  readonly limit: number;
  /** Opaque, from the previous page's `nextCursor`. */
  readonly cursor?: string | null;
}

/**
 * A change another process must hear about. `seq` is the store's monotonic change counter (the
 * watermark): a subscriber that sees a gap, or no heartbeat, knows it may have missed a change.
 */
export type StoreChange =
  | {
      readonly type: 'token';
      readonly seq: number;
      readonly id: string;
      readonly hash: string;
      readonly version: number;
      readonly revoked: boolean;
    }
  | {
      readonly type: 'revokeAll';
      readonly seq: number;
      readonly filter: RevokeAllFilter;
      readonly revokedBefore: number;
    }
  | { readonly type: 'owner'; readonly seq: number; readonly principalId: string }
  | { readonly type: 'heartbeat'; readonly seq: number };

/** Anything that may be returned directly or as a promise: the memory store answers synchronously. */
export type Awaitable<T> = T | Promise<T>;

/** The methods every {@link TokenStore} has (`createKeycard` refuses a store without one). */
export const TOKEN_STORE_METHODS: readonly (keyof TokenStore)[] = [
  'create',
  'findByHash',
  'get',
  'list',
  'update',
  'revoke',
  'revokeAll',
  'touch',
  'rehash',
  'announceOwner',
];

/**
 * The token store port. Implement it for your own database and run `tokenStoreConformance` from
 * `keycard/testing` against it. What it returns is a copy or immutable (deeply frozen), and never
 * changed afterwards: mutating a record read, or the object passed to `create`, must not change
 * the stored record, and a later write must not change a record already handed out.
 */
export interface TokenStore {
  /**
   * Inserts a new record; rejects (throws) if the id or the hash already exists. A record that a
   * `revokeAll` covers (`coveredByRevokeAll`) whose watermark is later than its `createdAt` is
   * stored revoked (`revokedAt` = the watermark, `revokedReason` = `WATERMARK_REASON`), and this
   * must hold against a concurrent `revokeAll` too: an insert the revokeAll did not see must see
   * its watermark (`watermarkKey` names the one that applies).
   */
  create(token: StoredToken): Awaitable<void>;
  /** The record whose hash is `hash`, or null. The hot path: index it. */
  findByHash(hash: string): Awaitable<StoredToken | null>;
  get(id: string): Awaitable<StoredToken | null>;
  /** One page, ordered by (createdAt, id) ascending, stable under concurrent inserts. */
  list(query: ListQuery): Awaitable<{ readonly tokens: readonly StoredToken[]; readonly nextCursor: string | null }>;
  /**
   * Applies `patch` iff the stored version equals `expectedVersion`, incrementing the version.
   * Never touches `revokedAt`: an update racing a revoke ends revoked.
   */
  update(id: string, patch: TokenPatch, expectedVersion: number): Awaitable<UpdateResult>;
  /**
   * Revokes: sets `revokedAt`/`revokedReason` if not yet revoked and increments the version.
   * Idempotent: a second call keeps the first time and reason. Answers the record with
   * `revokedNow` (true iff this call revoked it: see {@link RevokeAnswer}); null if the id is unknown.
   */
  revoke(id: string, at: number, reason: string | null): Awaitable<RevokeAnswer | null>;
  /**
   * Revokes every matching, not yet revoked token in one transaction — expired ones too — and
   * records the watermark `revokedBefore = at`, announced by one change. Answers `count`: how many
   * of the tokens it revoked were **live at `at`** (`expiresAt` null or later than `at`: see
   * {@link countedByRevokeAll}). A token that had expired by `at` is revoked but not counted, so
   * the count is what a person sees as "active" (SPEC §12: "Revoke all" shows the live count).
   * A rotation's successor (same `familyId`) inserted while it runs, whose predecessor it revokes
   * after the rotation's claim, must end revoked too, and counted (the rotation came first): a store
   * whose revocation reads a snapshot (SQL) follows the families its snapshot held a live member of once it
   * has committed, as `keycard/postgres` does.
   */
  revokeAll(filter: RevokeAllFilter, at: number, reason: string | null): Awaitable<{ readonly count: number }>;
  /**
   * `revokeAll`, iff the tokens it would count (matching and live at `at`: not revoked, `expiresAt`
   * null or later than `at`, see {@link countedByRevokeAll}; an expired, unrevoked token is revoked
   * on a match but never counted) number exactly `expectCount`: the count and the revocation are
   * ONE atomic step, so a token
   * created or revoked concurrently is either counted (and the answer is `count_changed`) or not
   * touched. On a match it does all `revokeAll` does (revocations, watermark, one change) and
   * answers `{ ok: true, count }` (the live count); otherwise it writes nothing — no revocation,
   * no watermark, no change — and answers `{ ok: false, reason: 'count_changed', count }` with the
   * live count it found.
   * Optional: without it, a `revokeAll` with `expectCount` counts with `list`, then calls
   * `revokeAll` (two steps, so a token created in between is revoked too: not exact).
   */
  revokeAllIfCount?(
    filter: RevokeAllFilter,
    at: number,
    reason: string | null,
    expectCount: number,
  ): Awaitable<RevokeAllIfCountResult>;
  /** Raises `lastUsedAt` to `at` if it is lower (or null); never lowers it; no version change. */
  touch(id: string, at: number): Awaitable<void>;
  /** Replaces the hash (pepper rotation) iff it is still `fromHash`; no version change. */
  rehash(id: string, fromHash: string, toHash: string, pepperVersion: number): Awaitable<void>;
  /** Announces that a principal's standing changed (`invalidateOwner`), to every subscriber. */
  announceOwner(principalId: string): Awaitable<void>;
  /**
   * The record whose hash is any of `hashes` (one secret under each pepper generation), read in
   * one round trip and one consistent snapshot, or null. Optional: without it, keycard asks
   * `findByHash` once per generation, so a forged token costs one read per pepper instead of one.
   */
  findByAnyHash?(hashes: readonly string[]): Awaitable<StoredToken | null>;
  /**
   * Delivers changes made through any process sharing this store, including this one.
   * Returns the unsubscribe function. A store without notifications omits it; keycard then
   * trusts its cache only for `revocationBoundMs`.
   */
  subscribe?(listener: (change: StoreChange) => void): Awaitable<() => Awaitable<void>>;
  /** True when the store is shared between processes (a warning fires for an in-memory limiter). */
  readonly shared: boolean;
  close?(): Awaitable<void>;
}
