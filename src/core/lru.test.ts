import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Lru } from './lru.ts';

describe('Lru', () => {
  it('keeps recently used entries and drops the oldest generation', () => {
    const l = new Lru<string, number>(2);
    l.set('a', 1);
    l.set('b', 2);
    l.set('c', 3); // a, b age into the old generation
    l.get('a'); // a comes back young
    l.set('d', 4); // the old generation (b) is dropped
    expect(l.peek('b')).toBeUndefined();
    expect(l.get('a')).toBe(1);
    expect(l.size).toBeLessThanOrEqual(4);
  });

  it('a hot key costs no churn: a million hits keep one entry', () => {
    const l = new Lru<string, number>(10);
    l.set('hot', 1);
    for (let i = 0; i < 1_000_000; i++) l.get('hot');
    expect(l.size).toBe(1);
  });

  it('refuses a non-positive bound', () => expect(() => new Lru(0)).toThrow());

  test.prop([
    fc.integer({ min: 2, max: 12 }),
    fc.array(fc.tuple(fc.constantFrom('get', 'set', 'delete'), fc.integer({ min: 0, max: 20 })), { maxLength: 300 }),
  ])(
    'never exceeds twice its bound, returns the latest value, and keeps anything used within the last max additions',
    (max, ops) => {
      const l = new Lru<number, number>(max);
      const latest = new Map<number, number>();
      const lastUse = new Map<number, number>(); // key -> insert count at its last set/get hit
      let inserts = 0;
      let version = 0;
      for (const [op, k] of ops) {
        if (op === 'set') {
          version++;
          latest.set(k, version);
          l.set(k, version);
          inserts++;
          lastUse.set(k, inserts);
        } else if (op === 'get') {
          const v = l.get(k);
          if (v !== undefined) {
            expect(v).toBe(latest.get(k));
            inserts++; // a hit may promote the entry: count it as an addition (conservative)
            lastUse.set(k, inserts);
          }
        } else {
          l.delete(k);
          latest.delete(k);
          lastUse.delete(k);
        }
        expect(l.size).toBeLessThanOrEqual(2 * max);
        for (const [key, at] of lastUse) {
          if (inserts - at < max) expect(l.peek(key)).toBe(latest.get(key));
        }
      }
    },
  );
});
