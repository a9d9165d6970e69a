import * as z from '../core/shape.ts';
import { configError, english } from '../core/config.ts';
import { systemClock } from '../core/clock.ts';
import type { Clock } from '../core/clock.ts';
import { KeycardError } from '../core/errors.ts';
import { integer, is, schema } from '../core/kinds.ts';
import { MAX_LIMIT, MAX_WINDOW_SECONDS } from '../core/limiter.ts';
import type { LimitDecision, LimiterStore } from '../core/limiter.ts';
import {
  decideSlot,
  F64_STRIDE,
  rebucketSlot,
  resetSlot,
  SLOT_BYTES,
  U32_STRIDE,
  WINDOW,
} from '../core/limiter-slab.ts';

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
   * Array-buffer bytes per slot: 11 × 4 (counters) + 4 (their running sum) + 4 (window) + 4 (ring
   * head and oldest admission) + 8 (last admission) + 8 (head sub-window) = 72. A tracked key costs
   * this, plus its `Map` entry and its key's reference in the page (8), plus its share of the one
   * partly used page.
   */
  readonly bytesPerSlot: number;
  /** Array-buffer bytes held right now (slots allocated × `bytesPerSlot`), for metrics and tests. */
  arrayBufferBytes(): number;
  /** Drop every key and release the slabs. */
  close(): void;
}

const optionsSchema = z.strictObject({
  clock: z.optional(
    schema(
      is(
        (c) => typeof c === 'object' && c !== null && typeof (c as Clock).monotonic === 'function',
        'must be a Clock with a monotonic() method',
      ),
    ),
  ),
  maxTrackedTokens: z.optional(schema(integer(1, Infinity, 'must be an integer >= 1'))),
});

/** Slots examined per `consume` by the amortised sweep: enough to free idle keys at least as fast as new ones arrive. */
const SWEEP_STEP = 2;
/** Slots per page once the first page is full (72 KiB of state). */
const PAGE_BITS = 10;
const PAGE_SLOTS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SLOTS - 1;
/** The first page starts this small and doubles up to a full page, so a store with three tokens stays tiny. */
const FIRST_PAGE_SLOTS = 16;
/** Free slots are chained through their first counter; this marks the end of the chain. */
const NONE = 0xffff_ffff;

/** One slab of slots (layout in core/limiter-slab.ts), and the key each slot is tracked under ('' when free). */
interface Page {
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly keys: string[];
}

const newPage = (slots: number): Page => ({
  u32: new Uint32Array(slots * U32_STRIDE),
  f64: new Float64Array(slots * F64_STRIDE),
  keys: new Array<string>(slots).fill(''),
});

/**
 * The slots of a memory limiter: typed-array pages, a free chain, the key → slot `Map` and an
 * amortised sweep that walks slots by number (no `Map` iterator, so no allocation per call).
 */
class Slots {
  pages: Page[] = [];
  readonly index = new Map<string, number>();
  capacity = 0;
  /** Slots ever handed out; slots ≥ used are untouched. */
  used = 0;
  freeHead = NONE;
  cursor = 0;
  /** A lower bound on the earliest time a tracked key becomes idle: a full sweep before it cannot free anything. */
  idleHorizon = -Infinity;

  page(slot: number): Page {
    return this.pages[slot >>> PAGE_BITS] as Page;
  }

  /** When slot's last admission leaves its window (free slots: never). */
  expiry(slot: number): number {
    const p = this.page(slot);
    const i = slot & PAGE_MASK;
    const w = p.u32[i * U32_STRIDE + WINDOW] as number;
    return w === 0 ? Infinity : (p.f64[i * F64_STRIDE] as number) + w * 1000;
  }

  release(slot: number): void {
    const p = this.page(slot);
    const i = slot & PAGE_MASK;
    this.index.delete(p.keys[i] as string);
    p.keys[i] = '';
    resetSlot(p.u32, p.f64, i, 0);
    p.u32[i * U32_STRIDE] = this.freeHead;
    this.freeHead = slot;
  }

  grow(): void {
    if (this.pages.length <= 1 && this.capacity < PAGE_SLOTS) {
      const next = Math.max(FIRST_PAGE_SLOTS, this.capacity * 2);
      const page = newPage(next);
      const old = this.pages[0];
      if (old !== undefined) {
        page.u32.set(old.u32);
        page.f64.set(old.f64);
        for (let i = 0; i < old.keys.length; i++) page.keys[i] = old.keys[i] as string;
      }
      this.pages = [page];
      this.capacity = next;
    } else {
      this.pages.push(newPage(PAGE_SLOTS));
      this.capacity += PAGE_SLOTS;
    }
  }

  /** A fresh slot for `key` under `windowSeconds`. */
  allocate(key: string, windowSeconds: number): number {
    let slot = this.freeHead;
    if (slot !== NONE) {
      this.freeHead = this.page(slot).u32[(slot & PAGE_MASK) * U32_STRIDE] as number;
    } else {
      if (this.used === this.capacity) this.grow();
      slot = this.used++;
    }
    const p = this.page(slot);
    resetSlot(p.u32, p.f64, slot & PAGE_MASK, windowSeconds);
    p.keys[slot & PAGE_MASK] = key;
    this.index.set(key, slot);
    return slot;
  }

  /** Examine the next `SWEEP_STEP` slots, freeing those idle for a whole window. */
  sweep(now: number): void {
    for (let n = 0; n < SWEEP_STEP; n++) {
      if (this.cursor >= this.used) {
        if (this.used === 0) return;
        this.cursor = 0;
      }
      const slot = this.cursor++;
      if (this.expiry(slot) <= now) this.release(slot);
    }
  }

  /**
   * Called only when full: free every idle key and remember when the next one can go idle, so
   * a stream of new keys against a store full of live ones costs O(1) each, not a scan each.
   */
  fullSweep(now: number): void {
    if (now < this.idleHorizon) return;
    let horizon = Infinity;
    for (let slot = 0; slot < this.used; slot++) {
      const at = this.expiry(slot);
      if (at <= now) this.release(slot);
      else if (at < horizon) horizon = at;
    }
    this.idleHorizon = horizon;
  }
}

function parse(options: MemoryLimiterOptions): { clock: Clock; maxTracked: number } {
  const parsed = optionsSchema.safeParse(options, english);
  if (!parsed.success) throw configError('memoryLimiter', parsed.error);
  return { clock: options.clock ?? systemClock, maxTracked: options.maxTrackedTokens ?? Infinity };
}

/**
 * The in-memory limiter store (the embedded default). State lives in typed-array pages — per
 * slot eleven 32-bit counters with their running sum, the window, the ring head, the last
 * admission and its sub-window, 72 bytes (core/limiter-slab.ts) — with a `Map` from key to slot.
 * The first page doubles from 16 slots up to 1024, then whole pages are added: no copying at
 * scale and at most one partly used page, where plain doubling would hold up to twice the live
 * state (three times during the copy). A key is freed by an amortised sweep (two slots per
 * `consume`, no timers) once it has been idle for a whole window, when its state can no longer
 * influence any decision. ⚠️ Each process keeps its own counts: behind N instances the
 * effective limit is N × limit; use a shared store there.
 *
 * @example Ten requests a second per token
 * ```ts
 * const limiter = memoryLimiter();
 * const d = limiter.consume('tok_123:all', 10, 1);
 * ```
 */
export function memoryLimiter(options: MemoryLimiterOptions = {}): MemoryLimiter {
  const { clock, maxTracked } = parse(options);
  let s = new Slots();
  let last = -Infinity;

  /** A slot for a key not tracked yet; fails closed when `maxTrackedTokens` live keys fill the store. */
  function track(key: string, window: number, now: number): number {
    if (s.index.size >= maxTracked) {
      s.fullSweep(now);
      if (s.index.size >= maxTracked) {
        throw new KeycardError(
          'unavailable',
          `Rate limiter full: ${maxTracked} keys are inside their window (maxTrackedTokens)`,
          { reason: 'limiter_full' },
        );
      }
    }
    const at = now + window * 1000;
    if (at < s.idleHorizon) s.idleHorizon = at;
    return s.allocate(key, window);
  }

  return {
    bytesPerSlot: SLOT_BYTES,

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

      s.sweep(now);
      let slot = s.index.get(key);
      if (slot === undefined) slot = track(key, window, now);
      const p = s.page(slot);
      const i = slot & PAGE_MASK;
      if (p.u32[i * U32_STRIDE + WINDOW] !== window) {
        // The policy's window changed: re-bucket conservatively (see rebucket) and track the new window.
        rebucketSlot(p.u32, p.f64, i, window);
        const at = (p.f64[i * F64_STRIDE] as number) + window * 1000;
        if (at < s.idleHorizon) s.idleHorizon = at;
      }
      return decideSlot(p.u32, p.f64, i, now, limit, window * 1000);
    },

    size: () => s.index.size,

    arrayBufferBytes: () => s.pages.reduce((n, p) => n + p.u32.byteLength + p.f64.byteLength, 0),

    close(): void {
      s = new Slots();
    },
  };
}
