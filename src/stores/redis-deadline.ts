/**
 * One timer for every in-flight call of a store: the fail-closed deadline of
 * {@link runScript}'s `bounded()` without a `setTimeout`, a second promise and a
 * `Promise.race` per call. At 50 calls in flight that per-call timer was a measurable part of
 * the Redis limiter's client-side cost (issue 14).
 *
 * Every call of one store has the same timeout, so deadlines are due in the order the calls
 * started: a FIFO queue, and one timer armed for its head. Replies come back in order, so a
 * settled call is usually the head and leaves at once (the queue stays as long as the calls in
 * flight: nothing lives long enough to reach the old generation); one settled out of order stays,
 * marked, until the head passes it. The timer is unreferenced while nothing is pending, so an
 * idle store never keeps a process alive.
 */
import { KeycardError } from '../core/errors.ts';
import { storeFailure } from './redis-script.ts';

interface Pending {
  readonly due: number;
  settled: boolean;
  readonly reject: (e: unknown) => void;
}

/** A deadline shared by calls that all last at most `ms`; `run` bounds one call by it. */
export class SharedDeadline {
  readonly #ms: number;
  readonly #what: string;
  #queue: (Pending | undefined)[] = [];
  #head = 0;
  #pending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number, what: string) {
    this.#ms = ms;
    this.#what = what;
  }

  /**
   * `call` bounded by the deadline: its value, or `KeycardError('unavailable')` on a rejection
   * (driver error kept as `cause`) or once `ms` have passed (fail closed).
   */
  run<T>(call: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { due: performance.now() + this.#ms, settled: false, reject };
      this.#queue.push(entry);
      if (this.#pending++ === 0) this.#arm();
      call.then(
        (value) => {
          if (entry.settled) return;
          this.#settle(entry);
          resolve(value);
        },
        (e: unknown) => {
          if (entry.settled) return;
          this.#settle(entry);
          reject(storeFailure(this.#what, e));
        },
      );
    });
  }

  #settle(entry: Pending): void {
    entry.settled = true;
    if (--this.#pending === 0) this.#timer?.unref();
    this.#drop();
  }

  /** Drops settled calls from the head; compacts once the dead part is most of the array. */
  #drop(): void {
    const q = this.#queue;
    let h = this.#head;
    while (h < q.length && (q[h] as Pending).settled) q[h++] = undefined;
    if (h === q.length) {
      q.length = 0;
      h = 0;
    } else if (h > 1024 && h * 2 > q.length) {
      this.#queue = q.slice(h);
      h = 0;
    }
    this.#head = h;
  }

  /** Keeps the timer armed (and referenced) for the oldest unsettled call. */
  #arm(): void {
    if (this.#timer === undefined) this.#timer = setTimeout(() => this.#fire(), this.#ms);
    else this.#timer.ref();
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    const q = this.#queue;
    for (let h = this.#head; h < q.length; h++) {
      const entry = q[h] as Pending;
      if (entry.settled) continue;
      if (entry.due > now) break;
      entry.settled = true;
      this.#pending--;
      entry.reject(new KeycardError('unavailable', `${this.#what} timed out after ${this.#ms} ms`));
    }
    this.#drop();
    const next = this.#queue[this.#head];
    if (next !== undefined) {
      this.#timer = setTimeout(() => this.#fire(), Math.max(1, Math.ceil(next.due - now)));
      if (this.#pending === 0) this.#timer.unref();
    }
  }
}
