import * as z from 'zod/mini';
import { english } from '../core/config.ts';
import { systemClock } from '../core/clock.ts';
import type { Clock } from '../core/clock.ts';
import { KeycardError } from '../core/errors.ts';
import { decide, MAX_LIMIT, MAX_WINDOW_SECONDS, rebucket, RING_SLOTS, SUB_WINDOWS } from '../core/limiter.ts';
import type { LimitDecision, LimiterState, LimiterStore } from '../core/limiter.ts';

/** Options of {@link memoryLimiter}. */
export interface MemoryLimiterOptions {
  /**
   * Time source; the store reads `clock.monotonic()` (ms), so a wall-clock jump (NTP) neither
   * frees nor blocks anyone. Readings that go backwards are treated as the latest reading.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Most keys tracked at once. When a new key arrives and this many keys still have an
   * admission inside their window after a sweep, `consume` throws `KeycardError('unavailable')`
   * (a 503: fail closed) rather than evict live state, because evicting would hand that key a
   * fresh budget and break the limit. Leave unset to bound memory only by traffic (each key
   * is freed once idle for a window).
   * @default undefined (no bound)
   */
  maxTrackedTokens?: number;
}

/** The in-memory limiter store: a {@link LimiterStore} that answers synchronously. */
export interface MemoryLimiter extends LimiterStore {
  consume(key: string, limit: number, windowSeconds: number): LimitDecision;
  /** Keys currently tracked. */
  size(): number;
  /**
   * Array-buffer bytes per slot: 11 × 4 (counters) + 8 (last admission) + 4 (window) = 56.
   * A tracked key costs this, plus its `Map` entry, plus its share of the one partly used page.
   */
  readonly bytesPerSlot: number;
  /** Array-buffer bytes held right now (slots allocated × `bytesPerSlot`), for metrics and tests. */
  arrayBufferBytes(): number;
  /** Drop every key and release the slabs. */
  close(): void;
}

const optionsSchema = z.strictObject({
  clock: z.optional(
    z.custom<Clock>((c) => typeof c === 'object' && c !== null && typeof (c as Clock).monotonic === 'function', {
      error: 'must be a Clock with a monotonic() method',
    }),
  ),
  maxTrackedTokens: z.optional(
    z
      .number({ error: 'must be an integer >= 1' })
      .check(z.int({ error: 'must be an integer >= 1' }), z.minimum(1, { error: 'must be an integer >= 1' })),
  ),
});

/** Slots examined per `consume` by the amortised sweep: enough to free idle keys at least as fast as new ones arrive. */
const SWEEP_STEP = 2;
/** Slots per page once the first page is full (56 KiB of state). */
const PAGE_BITS = 10;
const PAGE_SLOTS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SLOTS - 1;
/** The first page starts this small and doubles up to a full page, so a store with three tokens stays tiny. */
const FIRST_PAGE_SLOTS = 16;
/** Free slots are chained through their first counter; this marks the end of the chain. */
const NONE = 0xffff_ffff;
const BYTES_PER_SLOT = RING_SLOTS * 4 + 8 + 4;

/** One slab of slots: structure-of-arrays, so a slot costs exactly `BYTES_PER_SLOT` of array buffer. */
interface Page {
  /** RING_SLOTS per slot; a free slot's first counter links the free chain. */
  counters: Uint32Array;
  lastAdmit: Float64Array;
  /** The slot's window in seconds; 0 marks a free slot. */
  windowSeconds: Uint32Array;
}

const newPage = (slots: number): Page => ({
  counters: new Uint32Array(slots * RING_SLOTS),
  lastAdmit: new Float64Array(slots).fill(-Infinity),
  windowSeconds: new Uint32Array(slots),
});

/**
 * The in-memory limiter store (the embedded default). State lives in typed-array pages —
 * eleven 32-bit counters, a 64-bit last-admission time and a 32-bit window per slot, 56
 * bytes — with a `Map` from key to slot. The first page doubles from 16 slots up to 1024, then
 * whole pages are added: no copying at scale and at most one partly used page, where plain
 * doubling would hold up to twice the live state (three times during the copy). A key is freed
 * by an amortised sweep (two slots per `consume`, no timers) once it has been idle for a whole
 * window, when its state can no longer influence any decision. ⚠️ Each process keeps its own
 * counts: behind N instances the effective limit is N × limit; use a shared store there.
 *
 * @example Ten requests a second per token
 * ```ts
 * const limiter = memoryLimiter();
 * const d = limiter.consume('tok_123:all', 10, 1);
 * ```
 */
export function memoryLimiter(options: MemoryLimiterOptions = {}): MemoryLimiter {
  const parsed = optionsSchema.safeParse(options, english);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeycardError(
      'invalid_config',
      `memoryLimiter.${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const clock = options.clock ?? systemClock;
  const maxTracked = options.maxTrackedTokens ?? Infinity;

  let pages: Page[] = [];
  let capacity = 0;
  let used = 0; // slots ever handed out; slots ≥ used are untouched
  let freeHead = NONE;
  const slots = new Map<string, number>();
  let cursor: Iterator<string> = slots.keys();
  /** A lower bound on the earliest time a tracked key becomes idle: a full sweep before it cannot free anything. */
  let idleHorizon = -Infinity;
  let last = -Infinity;
  const scratch: LimiterState = { counters: [], offset: 0, head: 0, lastAdmit: 0 };

  const pageOf = (slot: number): Page => pages[slot >>> PAGE_BITS] as Page;
  const expiry = (slot: number): number => {
    const p = pageOf(slot);
    const i = slot & PAGE_MASK;
    return (p.lastAdmit[i] ?? -Infinity) + (p.windowSeconds[i] ?? 0) * 1000;
  };

  function release(key: string, slot: number): void {
    const p = pageOf(slot);
    const i = slot & PAGE_MASK;
    slots.delete(key);
    p.windowSeconds[i] = 0;
    p.lastAdmit[i] = -Infinity;
    p.counters[i * RING_SLOTS] = freeHead;
    freeHead = slot;
  }

  function grow(): void {
    if (pages.length <= 1 && capacity < PAGE_SLOTS) {
      const next = Math.max(FIRST_PAGE_SLOTS, capacity * 2);
      const page = newPage(next);
      const old = pages[0];
      if (old !== undefined) {
        page.counters.set(old.counters);
        page.lastAdmit.set(old.lastAdmit);
        page.windowSeconds.set(old.windowSeconds);
      }
      pages = [page];
      capacity = next;
    } else {
      pages.push(newPage(PAGE_SLOTS));
      capacity += PAGE_SLOTS;
    }
  }

  function allocate(): number {
    let slot: number;
    if (freeHead !== NONE) {
      slot = freeHead;
      freeHead = pageOf(slot).counters[(slot & PAGE_MASK) * RING_SLOTS] ?? NONE;
    } else {
      if (used === capacity) grow();
      slot = used++;
    }
    const i = slot & PAGE_MASK;
    pageOf(slot).counters.fill(0, i * RING_SLOTS, (i + 1) * RING_SLOTS);
    return slot;
  }

  /** Examine up to `budget` keys at the cursor; Map iterators survive deletion and insertion. */
  function sweep(now: number, budget: number): void {
    for (let n = 0; n < budget && slots.size > 0; n++) {
      let step = cursor.next();
      if (step.done === true) {
        cursor = slots.keys();
        step = cursor.next();
        if (step.done === true) return;
      }
      const slot = slots.get(step.value);
      if (slot !== undefined && expiry(slot) <= now) release(step.value, slot);
    }
  }

  /**
   * Called only when full: free every idle key and remember when the next one can go idle, so
   * a stream of new keys against a store full of live ones costs O(1) each, not a scan each.
   */
  function fullSweep(now: number): void {
    if (now < idleHorizon) return;
    let horizon = Infinity;
    for (const [key, slot] of slots) {
      const at = expiry(slot);
      if (at <= now) release(key, slot);
      else horizon = Math.min(horizon, at);
    }
    idleHorizon = horizon;
  }

  return {
    bytesPerSlot: BYTES_PER_SLOT,

    consume(key: string, limit: number, window: number): LimitDecision {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new KeycardError('invalid_argument', `limit must be an integer from 1 to ${MAX_LIMIT}`);
      }
      if (!Number.isInteger(window) || window < 1 || window > MAX_WINDOW_SECONDS) {
        throw new KeycardError('invalid_argument', `windowSeconds must be an integer from 1 to ${MAX_WINDOW_SECONDS}`);
      }
      const reading = clock.monotonic();
      const now = reading > last ? reading : last;
      last = now;
      const windowMs = window * 1000;

      sweep(now, SWEEP_STEP);
      let slot = slots.get(key);
      if (slot === undefined) {
        if (slots.size >= maxTracked) {
          fullSweep(now);
          if (slots.size >= maxTracked) {
            throw new KeycardError(
              'unavailable',
              `Rate limiter full: ${maxTracked} keys are inside their window (maxTrackedTokens)`,
            );
          }
        }
        slot = allocate();
        slots.set(key, slot);
        pageOf(slot).windowSeconds[slot & PAGE_MASK] = window;
        idleHorizon = Math.min(idleHorizon, now + windowMs);
      }

      const page = pageOf(slot);
      const i = slot & PAGE_MASK;
      scratch.counters = page.counters;
      scratch.offset = i * RING_SLOTS;
      scratch.lastAdmit = page.lastAdmit[i] ?? -Infinity;
      const stored = page.windowSeconds[i] ?? window;
      // head is not stored: decide keeps head = floor(lastAdmit / g), which saves 8 bytes a slot.
      scratch.head = Math.floor(scratch.lastAdmit / ((stored * 1000) / SUB_WINDOWS));
      if (stored !== window) {
        // The policy's window changed: re-bucket conservatively (see rebucket) and track the new window.
        rebucket(scratch, stored * 1000, windowMs);
        page.windowSeconds[i] = window;
        idleHorizon = Math.min(idleHorizon, scratch.lastAdmit + windowMs);
      }
      const decision = decide(scratch, now, limit, windowMs);
      if (decision.allowed) page.lastAdmit[i] = scratch.lastAdmit;
      return decision;
    },

    size: () => slots.size,

    arrayBufferBytes: () =>
      pages.reduce((n, p) => n + p.counters.byteLength + p.lastAdmit.byteLength + p.windowSeconds.byteLength, 0),

    close(): void {
      slots.clear();
      cursor = slots.keys();
      pages = [];
      capacity = 0;
      used = 0;
      freeHead = NONE;
      scratch.counters = [];
      idleHorizon = -Infinity;
    },
  };
}
