/**
 * The owner bound (SPEC §3): a personal token never does more than its owner can now, and a
 * workspace token stops when its workspace is disabled. Answers are cached for `ownerCacheMs`
 * (monotonic), and `invalidate()` drops them everywhere through the store's notifications.
 */
import { bounded } from './bounded.ts';
import type { Clock } from './clock.ts';
import { KeycardError } from './errors.ts';
import type { Awaitable } from './store.ts';
import { freeze, isArray } from './builtins.ts';

/** What the integrator's resolver answers about a principal in a workspace. */
export type OwnerStatus =
  | { readonly status: 'active'; readonly scopes?: readonly string[] }
  | { readonly status: 'gone' }
  | { readonly status: 'disabled' };

/**
 * Answers whether a token's principal still stands. For a personal token: the owner in the
 * workspace the request names (or the token's own workspace, or null). For a workspace token:
 * the workspace itself (`principalId === workspaceId`, `kind === 'workspace'`), never its
 * creator, so workspace tokens survive member churn. `scopes`, when given, bound the token; omit
 * them to only check standing. Throwing (or timing out) answers 503 `unavailable`.
 */
export type OwnerResolver = (
  principalId: string,
  workspaceId: string | null,
  kind: 'personal' | 'workspace',
) => Awaitable<OwnerStatus>;

/**
 * The answer as documented, or null. Anything else (a null answer, `scopes: null | '' | 0`, a
 * misspelt status) is a resolver bug: it must never read as "no bound", so it answers 503.
 */
export function validOwnerStatus(answer: unknown): OwnerStatus | null {
  if (typeof answer !== 'object' || answer === null || isArray(answer)) return null;
  const a = answer as { status?: unknown; scopes?: unknown };
  if (a.status === 'gone' || a.status === 'disabled') return { status: a.status };
  if (a.status !== 'active') return null;
  if (a.scopes === undefined) return { status: 'active' };
  if (!isArray(a.scopes) || !a.scopes.every((s) => typeof s === 'string')) return null;
  return { status: 'active', scopes: freeze([...(a.scopes as string[])]) };
}

interface Held {
  readonly status: OwnerStatus;
  readonly at: number;
  readonly principalId: string;
  readonly workspaceId: string | null;
}

/**
 * The cache key of one question, unambiguous whatever the ids hold: the principal's length comes
 * first, so a NUL inside an id cannot make one key stand for another; and no workspace (`null`)
 * and a workspace named `''` (a route may name it from an empty query parameter) are two questions.
 */
const keyOf = (kind: string, principalId: string, workspaceId: string | null): string =>
  `${kind}:${principalId.length}:${principalId}${workspaceId === null ? '' : `\u0000${workspaceId}`}`;

export class OwnerBound {
  readonly #resolve: OwnerResolver;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #held = new Map<string, Held>();
  #epoch = 0;

  constructor(resolve: OwnerResolver, ttlMs: number, timeoutMs: number, clock: Clock) {
    this.#resolve = resolve;
    this.#ttlMs = ttlMs;
    this.#timeoutMs = timeoutMs;
    this.#clock = clock;
  }

  /** The principal's standing, from the cache while fresh. Throws `unavailable` if the resolver fails or answers another shape. */
  async status(principalId: string, workspaceId: string | null, kind: 'personal' | 'workspace'): Promise<OwnerStatus> {
    const key = keyOf(kind, principalId, workspaceId);
    const now = this.#clock.monotonic();
    const held = this.#held.get(key);
    if (held && now - held.at < this.#ttlMs) return held.status;
    const epoch = this.#epoch;
    const answer: unknown = await bounded(
      () => this.#resolve(principalId, workspaceId, kind),
      this.#timeoutMs,
      'Owner resolver',
    );
    const status = validOwnerStatus(answer);
    if (status === null) {
      throw new KeycardError(
        'unavailable',
        "Owner resolver answered neither { status: 'active', scopes?: string[] } nor { status: 'gone' | 'disabled' }",
      );
    }
    if (epoch === this.#epoch && this.#ttlMs > 0) {
      if (this.#held.size >= 10_000) this.#held.clear(); // bounded: a cache, not a registry
      this.#held.set(key, { status, at: now, principalId, workspaceId });
    }
    return status;
  }

  /** Forgets every answer (the store's notifications were interrupted). */
  invalidateAll(): void {
    this.#epoch++;
    this.#held.clear();
  }

  /** Forgets everything about `principalId` (as owner or as workspace) and fences in-flight answers. */
  invalidate(principalId: string): void {
    this.#epoch++;
    for (const [key, held] of this.#held) {
      if (held.principalId === principalId || held.workspaceId === principalId) this.#held.delete(key);
    }
  }
}
