import { RING_SLOTS, SUB_WINDOWS } from './limiter.ts';
import type { LimitDecision } from './limiter.ts';

/**
 * The limiter decision over a slab of slots: the algorithm of `decide()` (docs/rate-limits.md,
 * rules 1–3) on state kept in two typed arrays, with the arithmetic a JIT keeps in integer
 * registers. `decide()` stays the readable reference; this is what the memory store runs.
 *
 * Why a second form: `decide()` re-sums eleven counters and takes a float modulo
 * (`((j % 11) + 11) % 11`) per counter read, on sub-window numbers that outgrow a small integer
 * and start at −∞; about 6 s into a run (the first sub-window boundary of a 60 s window) V8
 * deoptimised it and the memory limiter's cost doubled (216 → 415 ns/call, issue 14). Here the
 * ring is indexed relative to the head slot (small integers, `| 0`), a running sum makes an
 * admission O(1), and the oldest counted sub-window is remembered instead of searched for.
 *
 * Slot `i` holds, in `u32[i * U32_STRIDE …]`: the eleven counters (ring slot `(headSlot + j −
 * head) mod 11` holds sub-window j), the running sum of all eleven, the window in seconds (0:
 * free slot) and `headSlot | lag << 4` (lag: head − the oldest sub-window holding an admission);
 * and in `f64[i * 2 …]`: the last admission time and `head = floor(lastAdmit / g)`.
 *
 * Invariants: the eleven counters are sub-windows head − 10 … head, `sum` is their total, and
 * after any admission sub-window head − lag is the oldest of them that is not 0.
 */

/** 32-bit words per slot: 11 counters, sum, window, head slot and lag. */
export const U32_STRIDE = RING_SLOTS + 3;
/** 64-bit words per slot: last admission, head. */
export const F64_STRIDE = 2;
/** Array-buffer bytes per slot: 14 × 4 + 2 × 8 = 72. */
export const SLOT_BYTES = U32_STRIDE * 4 + F64_STRIDE * 8;

const SUM = RING_SLOTS;
/** Offset of the window in seconds; 0 marks a free slot. */
export const WINDOW = RING_SLOTS + 1;
const META = RING_SLOTS + 2;

/** Whole seconds for a header: rounded up so a client never comes back early, and never 0. */
const wholeSeconds = (ms: number): number => {
  const s = Math.ceil(ms / 1000);
  return s > 1 ? s : 1;
};

/** Every decision has this one shape (same keys, same order), so call sites stay monomorphic. */
const decision = (
  allowed: boolean,
  remaining: number,
  resetSeconds: number,
  retryAfterMs: number,
  retryAfterSeconds: number,
): LimitDecision => ({ allowed, remaining, resetSeconds, retryAfterMs, retryAfterSeconds });

/** Empties slot `i` and gives it `windowSeconds`; the next decision resets it (rule 1). */
export function resetSlot(u32: Uint32Array, f64: Float64Array, i: number, windowSeconds: number): void {
  const b = i * U32_STRIDE;
  u32.fill(0, b, b + U32_STRIDE);
  u32[b + WINDOW] = windowSeconds;
  f64[i * F64_STRIDE] = -Infinity;
  f64[i * F64_STRIDE + 1] = NaN; // equal to no sub-window: the fast path of decideSlot never takes an empty slot
}

/**
 * Re-bucket slot `i` for a new window (see `rebucket()`): every admission still counted moves to
 * the sub-window of the last admission, never earlier, so counts only grow and safety holds.
 */
export function rebucketSlot(u32: Uint32Array, f64: Float64Array, i: number, windowSeconds: number): void {
  const b = i * U32_STRIDE;
  const lastAdmit = f64[i * F64_STRIDE] as number;
  u32[b + WINDOW] = windowSeconds;
  if (!(lastAdmit > -Infinity)) return;
  const total = u32[b + SUM] as number;
  u32.fill(0, b, b + RING_SLOTS);
  u32[b] = total;
  u32[b + SUM] = total;
  u32[b + META] = 0;
  f64[i * F64_STRIDE + 1] = Math.floor(lastAdmit / (windowSeconds * (1000 / SUB_WINDOWS)));
}

/**
 * Decide one request at `now` for slot `i` under `limit` per `windowMs`, exactly as `decide()`
 * does, writing the slot only when it admits. Arguments are trusted (the store validated them);
 * `windowMs` must be the slot's window.
 *
 * The common case — an admission in the same sub-window as the last one — is decided here in a
 * few lines, small enough for V8 to inline into the store's `consume` (so `now` is never boxed);
 * everything else goes to the general form.
 */
export function decideSlot(
  u32: Uint32Array,
  f64: Float64Array,
  i: number,
  now: number,
  limit: number,
  windowMs: number,
): LimitDecision {
  const fb = i * F64_STRIDE;
  const lastAdmit = f64[fb] as number;
  const t = now < lastAdmit ? lastAdmit : now;
  const g = windowMs / SUB_WINDOWS;
  const k = Math.floor(t / g);
  const b = i * U32_STRIDE;
  const sum = u32[b + SUM] as number;
  // Same sub-window as the head (so lastAdmit > t − W: not rule 1), nothing leaves the count.
  if (k === f64[fb + 1] && sum < limit) {
    const meta = u32[b + META] as number;
    const s = b + (meta & 15);
    u32[s] = (u32[s] as number) + 1;
    u32[b + SUM] = sum + 1;
    f64[fb] = t;
    const back = (k - (meta >>> 4) + 1) * g + windowMs;
    return decision(true, limit - sum - 1, wholeSeconds((back < t + windowMs ? back : t + windowMs) - now), 0, 0);
  }
  return decideGeneral(u32, f64, i, now, limit, windowMs);
}

/** Rules 1–3 in full: a new or idle slot, a sub-window boundary, a refusal. */
function decideGeneral(
  u32: Uint32Array,
  f64: Float64Array,
  i: number,
  now: number,
  limit: number,
  windowMs: number,
): LimitDecision {
  const b = i * U32_STRIDE;
  const fb = i * F64_STRIDE;
  const lastAdmit = f64[fb] as number;
  const g = windowMs / SUB_WINDOWS;
  const t = now < lastAdmit ? lastAdmit : now;
  const k = Math.floor(t / g);

  // Rule 1: nothing admitted in (t − W, t] (a negation, so an empty slot's −∞ resets): reset, admit.
  if (!(lastAdmit > t - windowMs)) {
    u32.fill(0, b, b + RING_SLOTS);
    u32[b] = 1;
    u32[b + SUM] = 1;
    u32[b + META] = 0;
    f64[fb] = t;
    f64[fb + 1] = k;
    return decision(true, limit - 1, wholeSeconds(t + windowMs - now), 0, 0);
  }

  // Rule 2. lastAdmit > t − W gives head ≥ k − 10, so d = k − head is 0 … 10: the ring slots of
  // head + 1 … k are those of head − 10 … k − 11, which have left the count.
  const head = f64[fb + 1] as number;
  const d = (k - head) | 0;
  const meta = u32[b + META] as number;
  const hs = meta & 15;
  let lag = meta >>> 4;
  let dropped = 0;
  for (let m = 1, s = hs + 1; m <= d; m++, s++) {
    if (s === RING_SLOTS) s = 0;
    dropped += u32[b + s] as number;
  }
  const sum = (u32[b + SUM] as number) - dropped;

  if (sum < limit) {
    let s = hs;
    for (let m = 1; m <= d; m++) {
      if (++s === RING_SLOTS) s = 0;
      u32[b + s] = 0;
    }
    u32[b + s] = (u32[b + s] as number) + 1;
    u32[b + SUM] = sum + 1;
    // draft-10 `t`: the oldest counted sub-window holding an admission stops counting at
    // (oldest + 1)·g + W. It was head − lag; if that has left the count, find the next one.
    lag += d;
    if (lag > SUB_WINDOWS) lag = oldestLag(u32, b, s);
    u32[b + META] = s | (lag << 4);
    f64[fb] = t;
    f64[fb + 1] = k;
    const back = (k - lag + 1) * g + windowMs;
    return decision(true, limit - sum - 1, wholeSeconds((back < t + windowMs ? back : t + windowMs) - now), 0, 0);
  }

  // Rule 3: refuse, write nothing. The earliest admission with no other traffic: when the last
  // admission leaves the window, or when enough of the oldest counted sub-windows stop counting
  // (sub-window j at (j + 1)·g + W).
  let retryAt = lastAdmit + windowMs;
  let left = sum;
  for (let m = d - SUB_WINDOWS, s = hs + d + 1; m <= 0; m++, s++) {
    if (s >= RING_SLOTS) s -= RING_SLOTS;
    left -= u32[b + s] as number;
    if (left < limit) {
      const at = (head + m + 1) * g + windowMs;
      if (at < retryAt) retryAt = at;
      break;
    }
  }
  const retryAfterMs = retryAt - now;
  const retryAfterSeconds = wholeSeconds(retryAfterMs);
  return decision(false, 0, retryAfterSeconds, retryAfterMs, retryAfterSeconds);
}

/** Head minus the oldest sub-window whose counter is not 0, scanning from the oldest ring slot. */
function oldestLag(u32: Uint32Array, b: number, headSlot: number): number {
  for (let lag = SUB_WINDOWS, s = headSlot + 1; lag > 0; lag--, s++) {
    if (s === RING_SLOTS) s = 0;
    if ((u32[b + s] as number) !== 0) return lag;
  }
  return 0;
}
