/**
 * A bounded least-recently-used map over `Map`'s insertion order. keycard carries its own rather
 * than `lru-cache`, whose default build imports `node:diagnostics_channel`: the core must load on
 * Workers, Deno and Bun without a `node:` import, and it needs only get/set/delete/evict.
 */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();

  /** @param max — entries kept; the least recently used is dropped beyond it. */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('Lru max must be an integer >= 1');
    this.#max = max;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value, marked as most recently used. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  /** The value without touching its recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as K);
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }
}
