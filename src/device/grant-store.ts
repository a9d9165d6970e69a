/**
 * The pending-grant store port of the device flow (RFC 8628, SPEC §13): where a login that a
 * terminal started waits until a person approves or denies it in the browser. A small port we
 * own, typed with primitives (STYLE rule 8), with three operations that must each be atomic:
 * `create` (refuses a taken device code or user code), `update` (compare-and-set on `version`)
 * and `take` (delete-and-return, so exactly one poll consumes an answered grant).
 *
 * The device code itself is never stored: only its SHA-256 (`deviceCodeHash`), so a leaked
 * store cannot be polled for tokens. No token secret is stored either: the token is issued when
 * the approved grant is taken.
 */
import * as z from '../core/shape.ts';
import { configError, english } from '../core/config.ts';
import { integer, schema } from '../core/kinds.ts';

/** Where a grant stands. */
export type PendingGrantStatus = 'pending' | 'approved' | 'denied';

/** One pending device login. Every field is a primitive, an array of strings or null. */
export interface PendingGrant {
  /** SHA-256 (hex) of the device code: the key. The device code is never stored. */
  readonly deviceCodeHash: string;
  /** A public id for audit events and logs (never the device or user code). */
  readonly id: string;
  /** The 8 characters the person types, normalised: upper case, no dash. */
  readonly userCode: string;
  /** What the program called itself (`client_id`), shown on the approval page. */
  readonly clientName: string;
  /** The host the program says it runs on (self-reported, shown as such). */
  readonly host: string;
  /** The scopes the program asked for. */
  readonly scopes: readonly string[];
  /** The resource restrictions the program asked for, or null for none. */
  readonly restrictions: Readonly<Record<string, readonly string[]>> | null;
  /** The token lifetime asked for, in ms; null = never expires. */
  readonly tokenLifetimeMs: number | null;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms after which the device code is dead (`expired_token`). */
  readonly expiresAt: number;
  /** The minimum seconds between polls; raised by 5 at each `slow_down`. */
  readonly interval: number;
  /** Epoch ms of the last poll, or null before the first. */
  readonly lastPolledAt: number | null;
  readonly status: PendingGrantStatus;
  /** Approved or denied by: the person's user id. */
  readonly decidedBy: string | null;
  /** The approver's own scopes when they approved: the bound of the token (no escalation). */
  readonly approverScopes: readonly string[] | null;
  /** What the person approved (a subset of `scopes`). */
  readonly grantedScopes: readonly string[] | null;
  /** The expiry the person approved (epoch ms), or null for never. */
  readonly tokenExpiresAt: number | null;
  /**
   * Epoch ms of the person's answer: the token is issued as of this instant, so a `revokeAll` of
   * the approver between the approval and the program's poll covers it. Absent (a grant written
   * before this field existed) counts as `createdAt`.
   */
  readonly decidedAt?: number | null;
  /** Incremented by every update; `update` compares it. */
  readonly version: number;
}

/** The fields `update` may change. */
export type PendingGrantPatch = Partial<
  Pick<
    PendingGrant,
    | 'interval'
    | 'lastPolledAt'
    | 'status'
    | 'decidedBy'
    | 'decidedAt'
    | 'approverScopes'
    | 'grantedScopes'
    | 'tokenExpiresAt'
  >
>;

/** The port. Implementations: memory (here), Redis (`keycard/redis`), Postgres (`keycard/postgres`). */
export interface PendingGrantStore {
  /**
   * Stores a grant with the `version` it is given: 1 for a new login; an approved grant put back
   * after its token could not be issued carries on from the version it was taken at, so an
   * `update` that read it before (at an older version) fails. Never reset the version to 1.
   * Answers false, storing nothing, when a live grant already holds its `deviceCodeHash` or its
   * `userCode` (the caller draws new codes).
   */
  create(grant: PendingGrant): Promise<boolean>;
  /** The grant with this device-code hash, or null. */
  get(deviceCodeHash: string): Promise<PendingGrant | null>;
  /** The grant with this user code (normalised), or null. */
  getByUserCode(userCode: string): Promise<PendingGrant | null>;
  /**
   * Applies `patch` iff the stored version is `expectedVersion`, bumping it by one; answers the
   * new grant, or null when the grant is gone or the version moved (a concurrent change).
   */
  update(deviceCodeHash: string, expectedVersion: number, patch: PendingGrantPatch): Promise<PendingGrant | null>;
  /** Deletes the grant and answers it; of concurrent callers exactly one gets it, the rest null. */
  take(deviceCodeHash: string): Promise<PendingGrant | null>;
  /**
   * Deletes exactly the grants whose `expiresAt` is at or before `before` and answers how many:
   * never one expiring after `before` (not even a millisecond later). A store with its own expiry
   * (Redis keys carry a TTL) sets that TTL to at least the grant's lifetime (`createdAt` to
   * `expiresAt`, plus any retention), so it never drops a grant before it has expired either.
   */
  prune(before: number): Promise<number>;
}

/** Applies a patch as every store does: the patched fields, version + 1. */
export function applyPatch(grant: PendingGrant, patch: PendingGrantPatch): PendingGrant {
  const next: Record<string, unknown> = { ...grant, version: grant.version + 1 };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) next[k] = v;
  return next as unknown as PendingGrant;
}

/** Options of `memoryPendingGrantStore`. */
export interface MemoryPendingGrantStoreOptions {
  /**
   * Live grants held at most; past it `create` answers false (the route answers 503) until
   * expired ones are pruned. `POST /device/code` needs no credentials: this bounds its memory.
   * @default 10000
   */
  readonly maxGrants?: number;
}

const memoryOptionsSchema = z.strictObject({
  maxGrants: z.optional(schema<number>(integer(0, Infinity, undefined, { above: true }))),
});

/**
 * A pending-grant store in this process's memory: the default, right for one process. Several
 * processes behind a load balancer need a shared store (Redis or Postgres), or a poll that lands
 * on another process answers `invalid_grant`.
 *
 * `POST /device/code` needs no credentials, so the store is bounded: past `maxGrants` live
 * grants, `create` answers false (the route then answers 503) until expired ones are pruned.
 *
 * @example The default, spelled out
 * ```ts
 * const routes = createDeviceRoutes(keycard, { basePath: '/api/tokens', authorize, store: memoryPendingGrantStore() });
 * ```
 */
export function memoryPendingGrantStore(options: MemoryPendingGrantStoreOptions = {}): PendingGrantStore {
  const parsed = memoryOptionsSchema.safeParse(options, english);
  if (!parsed.success) throw configError('memoryPendingGrantStore', parsed.error);
  const maxGrants = parsed.data.maxGrants ?? 10_000;
  const byHash = new Map<string, PendingGrant>();
  const byUserCode = new Map<string, string>();
  const copy = (g: PendingGrant | undefined): PendingGrant | null => (g === undefined ? null : structuredClone(g));
  return {
    async create(grant) {
      if (byHash.has(grant.deviceCodeHash) || byUserCode.has(grant.userCode) || byHash.size >= maxGrants) return false;
      byHash.set(grant.deviceCodeHash, structuredClone(grant));
      byUserCode.set(grant.userCode, grant.deviceCodeHash);
      return true;
    },
    async get(hash) {
      return copy(byHash.get(hash));
    },
    async getByUserCode(userCode) {
      const hash = byUserCode.get(userCode);
      return hash === undefined ? null : copy(byHash.get(hash));
    },
    async update(hash, expectedVersion, patch) {
      const current = byHash.get(hash);
      if (current === undefined || current.version !== expectedVersion) return null;
      const next = applyPatch(current, structuredClone(patch));
      byHash.set(hash, next);
      return copy(next);
    },
    async take(hash) {
      const current = byHash.get(hash);
      if (current === undefined) return null;
      byHash.delete(hash);
      byUserCode.delete(current.userCode);
      return current;
    },
    async prune(before) {
      let n = 0;
      for (const [hash, g] of byHash) {
        if (g.expiresAt <= before) {
          byHash.delete(hash);
          byUserCode.delete(g.userCode);
          n++;
        }
      }
      return n;
    },
  };
}
