/**
 * Wrong user-code entries per session (SPEC §13, RFC 8628 §5.1): a user code has ≈34.6 bits,
 * so guessing is only hopeless if guesses are few. Each session may enter `max` wrong codes per
 * sliding `windowMs`; past that, every entry — right or wrong — is refused until the oldest
 * failure leaves the window. Counted in this process (a shared limiter would need the store; a
 * guess rate of `max` per window per process per session is still far from 20⁸ codes).
 */
const MAX_SESSIONS = 10_000;

/** The entry limiter; time comes from the caller (the keycard clock). */
export class EntryLimit {
  readonly #failures = new Map<string, number[]>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds until `key` may enter a code again; 0 when it may now. */
  retryAfter(key: string, now: number): number {
    const recent = this.#recent(key, now);
    if (recent.length < this.max) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
  }

  /** Records a wrong entry. */
  fail(key: string, now: number): void {
    const recent = this.#recent(key, now);
    recent.push(now);
    this.#failures.delete(key); // re-insert: the Map's order is least recently failed first
    this.#failures.set(key, recent.slice(-this.max));
    if (this.#failures.size > MAX_SESSIONS) this.#failures.delete(this.#failures.keys().next().value!);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }
}
