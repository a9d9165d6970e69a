import { KeycardError } from '../core/errors.ts';

/** Calls kept per key: the oldest (during an outage, the one that revoked) and the 7 newest. */
const KEPT = 8;

/**
 * `list` with `added` appended, bounded to {@link KEPT}: the oldest entry always stays (of a
 * burst of retries, only the first revokes anything, the rest find it done), then the newest.
 * Each entry dropped from the middle is passed to `dropped`.
 */
function bounded<T>(list: readonly T[], added: readonly T[], dropped: (entry: T) => void): T[] {
  const all = [...list, ...added];
  if (all.length <= KEPT) return all;
  const [first, ...rest] = all as [T, ...T[]];
  for (const entry of rest.slice(0, rest.length - (KEPT - 1))) dropped(entry);
  return [first, ...rest.slice(-(KEPT - 1))];
}

/** Ids or filters tracked at most; past it the oldest goes, each of its calls reported. */
const MAX_TRACKED = 10_000;

/** Before `key` joins a full `map`, drops its oldest entry and hands it to `dropped`. */
function evictOldest<T>(map: Map<string, T>, key: string, dropped: (key: string, entry: T) => void): void {
  if (map.has(key) || map.size < MAX_TRACKED) return;
  const [oldest, entry] = map.entries().next().value!;
  map.delete(oldest);
  dropped(oldest, entry);
}

/**
 * The report of a lost call this process stops tracking: why (`more than 8 … lost their answer`,
 * or the 10,000 bound), which call (`the revoke of token tok_…`) and when it was sent.
 */
const untracked = (why: string, call: string, at: number) =>
  new KeycardError(
    'unavailable',
    `keycard: ${why}; ${call} sent at ${new Date(at).toISOString()} is no longer tracked: a token it alone ` +
      'revoked gets no token.revoked event',
  );

/** Why a call was dropped: its token or filter had more than 8, or the oldest of 10,000 went. */
const tooMany = (what: string) => `more than ${KEPT} ${what} lost their answer`;
const tooWide = (what: string) => `lost answers are tracked for at most ${MAX_TRACKED} ${what}, this one longest`;

/**
 * Revokes sent whose answer never came (a deadline, a reset, a store that threw after its write):
 * the store may have committed them. Kept per process, per door (`keycard.revoke`, the leak
 * intake), so a later call that finds the token revoked at one of the instants it sent recognises
 * the revocation as its own and announces it once, instead of never (SPEC §7: every revocation
 * is audited).
 */
export class UnansweredRevokes {
  /** id → the instants sent, oldest first (the oldest and the 7 newest per id; past 10,000 ids the oldest id goes first, each of its instants reported). */
  readonly #sent = new Map<string, number[]>();
  readonly #onError: (error: unknown) => void;

  /** `onError` hears of each instant dropped past either bound (its revocation may go unaudited). */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Notes a revoke of `id` sent at `at` whose answer did not come. */
  note(id: string, at: number): void {
    const dropped = (of: string, why: string) => (d: number) =>
      this.#onError(untracked(why, `the revoke of token ${of}`, d));
    evictOldest(this.#sent, id, (old, sent) => sent.forEach(dropped(old, tooWide('tokens'))));
    this.#sent.set(id, bounded(this.#sent.get(id) ?? [], [at], dropped(id, tooMany(`revokes of token ${id}`))));
  }

  /** Whether a revoke of `id` is waiting for its answer. */
  has(id: string): boolean {
    return this.#sent.has(id);
  }

  /**
   * An answer for `id` came: whether its `revokedAt` is an instant a lost call of ours sent (then
   * the revocation is ours). Forgets `id` either way: the store now holds its one answer.
   */
  settle(id: string, revokedAt: number | null): boolean {
    const sent = this.#sent.get(id);
    this.#sent.delete(id);
    return sent !== undefined && revokedAt !== null && sent.includes(revokedAt);
  }
}

/** A `revokeAll` sent whose answer never came: its instant and reason, which the tokens it revoked carry. */
export interface LostRevokeAll {
  readonly at: number;
  readonly reason: string | null;
}

/** Who a filter key names, for messages: `owner u_42` or `workspace w_1` (ids, never secrets). */
const keyName = (key: string) => `${key.startsWith('o:') ? 'owner' : 'workspace'} ${key.slice(2)}`;

/**
 * `revokeAll` calls whose answer never came, per filter (`filterKey`), kept per process: a later
 * `revokeAll` of the same filter that gets an answer looks for the tokens revoked at those
 * instants with those reasons, and audits them as the lost call's (SPEC §7).
 */
export class UnansweredRevokeAlls {
  /** filter key → the calls sent, oldest first (the oldest and the 7 newest per filter; past 10,000 filters the oldest goes first, each of its calls reported). */
  readonly #sent = new Map<string, LostRevokeAll[]>();
  readonly #onError: (error: unknown) => void;

  /** `onError` hears of each call dropped past either bound (what it revoked may go unaudited). */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Notes a revokeAll of the filter `key` sent at `at` with `reason` whose answer did not come. */
  note(key: string, at: number, reason: string | null): void {
    this.#add(key, [], [{ at, reason }]);
  }

  /** The lost calls of filter `key`, forgotten: the caller settles them, or gives them back with {@link restore}. */
  take(key: string): readonly LostRevokeAll[] {
    const sent = this.#sent.get(key) ?? [];
    this.#sent.delete(key);
    return sent;
  }

  /** Gives back lost calls that could not be settled, ahead of any noted since (they were sent before). */
  restore(key: string, sent: readonly LostRevokeAll[]): void {
    this.#add(key, sent, []);
  }

  #add(key: string, before: readonly LostRevokeAll[], after: readonly LostRevokeAll[]): void {
    const dropped = (of: string, why: string) => (d: LostRevokeAll) =>
      this.#onError(untracked(why, `the revokeAll of ${keyName(of)}`, d.at));
    evictOldest(this.#sent, key, (old, sent) => sent.forEach(dropped(old, tooWide('filters'))));
    const why = tooMany(`revokeAll calls of ${keyName(key)}`);
    this.#sent.set(key, bounded(before, [...(this.#sent.get(key) ?? []), ...after], dropped(key, why)));
  }
}
