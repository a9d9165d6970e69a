/**
 * Wrong user-code entries per session (SPEC §13, RFC 8628 §5.1): a user code has ≈34.6 bits,
 * so guessing is only hopeless if guesses are few. Each session may enter `max` wrong codes per
 * sliding `windowMs`; past that, every entry — right or wrong — is refused until the oldest
 * failure leaves the window. Counted in this process (a shared limiter would need the store; a
 * guess rate of `max` per window per process per session is still far from 20⁸ codes).
 *
 * An entry counts as wrong from the moment it is let in ({@link EntryLimit.enter}), before its
 * code is looked up, and is forgiven once the code proved right: checking first and counting after
 * the lookup let every guess sent at once pass the check while the first lookups were in flight
 * (test/device-guess-burst.test.ts).
 */
const MAX_SESSIONS = 10_000;

/** The entry limiter; time comes from the caller (the keycard clock). */
export class EntryLimit {
  readonly #failures = new Map<string, number[]>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /**
   * Lets one entry of `key` in, counted as wrong until {@link forgive} says otherwise: 0 then, or,
   * when `key` has no entry left in the window, the seconds until it may enter a code again (and
   * nothing is counted).
   */
  enter(key: string, now: number): number {
    const recent = this.#recent(key, now);
    if (recent.length >= this.max) return Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
    recent.push(now);
    this.#failures.delete(key); // re-insert: the Map's order is least recently failed first
    this.#failures.set(key, recent);
    if (this.#failures.size > MAX_SESSIONS) this.#failures.delete(this.#failures.keys().next().value!);
    return 0;
  }

  /**
   * Takes back the entry of `key` let in at `at` (its code was right, or the lookup could not be
   * made). A session left with none leaves the map: right codes must not push out a guesser's count.
   */
  forgive(key: string, at: number): void {
    const recent = this.#failures.get(key);
    const i = recent?.indexOf(at) ?? -1;
    if (i !== -1) recent!.splice(i, 1);
    if (recent?.length === 0) this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }
}
