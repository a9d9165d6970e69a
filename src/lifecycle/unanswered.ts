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
