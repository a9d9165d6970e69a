/**
 * Revokes sent whose answer never came (a deadline, a reset, a store that threw after its write):
 * the store may have committed them. Kept per process, per door (`keycard.revoke`, the leak
 * intake), so a later call that finds the token revoked at one of the instants it sent recognises
 * the revocation as its own and announces it once, instead of never (SPEC §7: every revocation
 * is audited).
 */
export class UnansweredRevokes {
  /** id → the instants sent, newest last (at most 8 per id, 10,000 ids: the oldest id goes first). */
  readonly #sent = new Map<string, number[]>();

  /** Notes a revoke of `id` sent at `at` whose answer did not come. */
  note(id: string, at: number): void {
    if (!this.#sent.has(id) && this.#sent.size >= 10_000) this.#sent.delete(this.#sent.keys().next().value!);
    this.#sent.set(id, [...(this.#sent.get(id) ?? []), at].slice(-8));
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

/**
 * `revokeAll` calls whose answer never came, per filter (`filterKey`), kept per process: a later
 * `revokeAll` of the same filter that gets an answer looks for the tokens revoked at those
 * instants with those reasons, and audits them as the lost call's (SPEC §7).
 */
export class UnansweredRevokeAlls {
  /** filter key → the calls sent, oldest first (at most 8 per filter, 10,000 filters: the oldest filter goes first). */
  readonly #sent = new Map<string, LostRevokeAll[]>();

  /** Notes a revokeAll of the filter `key` sent at `at` with `reason` whose answer did not come. */
  note(key: string, at: number, reason: string | null): void {
    if (!this.#sent.has(key) && this.#sent.size >= 10_000) this.#sent.delete(this.#sent.keys().next().value!);
    this.#sent.set(key, [...(this.#sent.get(key) ?? []), { at, reason }].slice(-8));
  }

  /** The lost calls of filter `key`, forgotten: the caller settles them, or gives them back with {@link restore}. */
  take(key: string): readonly LostRevokeAll[] {
    const sent = this.#sent.get(key) ?? [];
    this.#sent.delete(key);
    return sent;
  }

  /** Gives back lost calls that could not be settled (the store failed to answer what they did). */
  restore(key: string, sent: readonly LostRevokeAll[]): void {
    for (const s of sent) this.note(key, s.at, s.reason);
  }
}
