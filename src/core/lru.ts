/**
 * A bounded map that keeps recently used entries: two generations of `Map`, the young one taking
 * every insert and every hit, the old one swapped out whole when the young one is full.
 *
 * Why not a strict LRU: moving an entry on every hit means a `delete` + `set` per request, and a
 * V8 `Map` keeps deleted slots until it rehashes, so one hot key sent over and over made each hit
 * cost ~20 µs (measured in bench/). Generations cost one `get` per hit and evict in O(1), at the
 * price of approximate recency: an entry used within the last `max` additions (inserts or
 * promotions from the old generation) always survives, and up to `2 · max` are held.
 * keycard carries its own rather than `lru-cache`, whose default build imports
 * `node:diagnostics_channel`, which the core must not reach on Workers, Deno and Bun.
 */
export class Lru<K, V> {
  readonly #generation: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  /**
   * @param max — every entry used within the last `max` additions is kept; at most `2 · max`
   * entries are held (a generation of `max` halved the hit rate of a cache sized to its working
   * set, measured in bench/).
   */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('Lru max must be an integer >= 1');
    this.#generation = max;
  }

  /** Entries held (at most `2 · max`). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /** The value, kept young. */
  get(key: K): V | undefined {
    const v = this.#young.get(key);
    if (v !== undefined) return v;
    const o = this.#old.get(key);
    if (o !== undefined) {
      this.#old.delete(key);
      this.#put(key, o);
    }
    return o;
  }

  /** The value without refreshing it. */
  peek(key: K): V | undefined {
    return this.#young.get(key) ?? this.#old.get(key);
  }

  set(key: K, value: V): void {
    this.#old.delete(key);
    this.#put(key, value);
  }

  #put(key: K, value: V): void {
    if (!this.#young.has(key) && this.#young.size >= this.#generation) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }

  delete(key: K): boolean {
    const a = this.#young.delete(key);
    const b = this.#old.delete(key);
    return a || b;
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }

  /** A snapshot of every entry. */
  entries(): [K, V][] {
    return [...this.#old.entries(), ...this.#young.entries()];
  }
}
